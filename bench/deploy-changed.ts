// Only what changed, as ratios: 20 services × 3 sandbox accounts, fixture sls of 2 s per deploy, real git, dynalite.
// Goals: one service changed → wall ≤ 1.3 × one deploy; nothing changed → done ≤ 2 s; record lookup ≤ 150 ms per account.
// (Run with --no-sync: the sync is its own step before these and is measured by bench/sync.ts.)
// Run: npm run bench:deploy-changed [-- deployMs=2000]
import { PassThrough } from 'node:stream';
import { deploy, type DeployFlags } from '../src/deploy/deploy.js';
import { RecordTable } from '../src/deploy/records.js';
import { commitFile, gitProject, startSandbox } from '../test/deploy/accounts.js';

const d = Number(process.argv[2] ?? 2000);
const flags: DeployFlags = { branch: 'feat/x', sync: false, failFast: false, keepTemp: false, json: false };
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const sb = await startSandbox(3);
const p = gitProject(sb.running.map((r) => r.account), {
  repos: ['orders', 'users'],
  services: ['s01', 's02', 's03', 's04', 's05', 's06', 's07', 's08', 's09', 's10'],
  deploy: { concurrency: 12, perProfile: 4, retries: 0 },
  env: { SLS_FIXTURE_SLEEP_MS: String(d), SLS_FIXTURE_JOURNAL: '' },
});
const sink = new PassThrough().resume();
const ctx = { cwd: p.root, env: p.env, stdout: sink, stderr: sink, signal: new AbortController().signal, interactive: false, debug: false };
const timed = async (): Promise<{ ms: number; res: Awaited<ReturnType<typeof deploy>> }> => {
  const t0 = performance.now();
  const res = await deploy(ctx, flags);
  return { ms: performance.now() - t0, res };
};
try {
  const first = await timed();
  const one = median(first.res.outcomes.map((o) => o.durationMs));
  console.log(`first deploy: ${first.res.outcomes.length} pairs in ${(first.ms / 1000).toFixed(1)} s; median pair ${one.toFixed(0)} ms at concurrency 12`);

  const same: number[] = [];
  for (let i = 0; i < 3; i += 1) same.push((await timed()).ms);
  console.log(`nothing changed: done in ${median(same).toFixed(0)} ms (median of 3; goal ≤ 2000 ms) — ratio to the goal ${(median(same) / 2000).toFixed(2)}`);

  const changed: number[] = [];
  const solo: number[] = [];
  for (let i = 0; i < 3; i += 1) {
    commitFile(p, 'orders', 'services/s03/handler.js', `export const v = ${i};\n`);
    const r = await timed();
    const ran = r.res.outcomes.filter((o) => o.status !== 'unchanged').length;
    if (ran !== 3) throw new Error(`expected 3 deploys, got ${ran}`);
    changed.push(r.ms);
    solo.push(...r.res.outcomes.filter((o) => o.status === 'ok').map((o) => o.durationMs));
  }
  const base = median(solo); // one deploy as it runs here (the fixture's sleep plus a node start), not contended
  console.log(`one service changed: 3 deploys (one per account) in ${median(changed).toFixed(0)} ms; one deploy ${base.toFixed(0)} ms; ratio ${(median(changed) / base).toFixed(3)} (goal ≤ 1.3)`);

  const lookups: number[] = [];
  for (const profile of ['sandbox-1', 'sandbox-2', 'sandbox-3']) {
    const t = new RecordTable(profile, 'uber-deploys', p.env);
    for (let i = 0; i < 5; i += 1) {
      const r = await t.read();
      if (r.ok) lookups.push(r.ms);
    }
    t.destroy();
  }
  console.log(`record lookup: ${median(lookups).toFixed(1)} ms per account (median of ${lookups.length}, 20 records each; goal ≤ 150 ms), max ${Math.max(...lookups).toFixed(1)} ms`);
} finally {
  p.cleanup();
  await sb.stop();
}
