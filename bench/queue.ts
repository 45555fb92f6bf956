// 3 machines × 3 workers on 4 accounts with a skewed suite: one shared queue (uber test --queue, a dynalite pool table)
// against today's static shards (uber test --shard i/3: a timing-balanced share of the files, a disjoint share of the
// accounts), on the same suite and the same (drifted) history. Makespan = first test start to last test end over all
// machines; the lower bound is max(longest test, total test time / 4 accounts), since every test holds an account.
// Every test journals its span; a run counts only if every test ran exactly once.
// Account leases: with --queue (and in static-pool) through the shared DynamoDB pool (--pool, dynalite); static shards
// as today on lock files, the three machines being project folders on this host that share one lease folder.
// Usage: npx tsx bench/queue.ts [rounds=1] [modes=queue,static,static-pool]   (needs a build: node dist/bin.js)
// Rounds interleave the modes (queue, static, … then again), and each line says the load average when it began.
// UBER_BIN_B=<another dist/bin.js>: an interleaved A/B, each mode run by both builds in every round (A B, then B A).
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import dynalite from 'dynalite';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { findOverlaps, readAudit } from '../src/lease/audit.js';

const ROUNDS = Number(process.argv[2] ?? 1);
const MODES = (process.argv[3] ?? 'queue,static,static-pool').split(',') as Mode[];
const UBER = process.env.UBER_BIN ?? path.join(path.resolve(fileURLToPath(new URL('..', import.meta.url))), 'dist', 'bin.js'); // UBER_BIN: another build
const BUILDS: readonly { readonly name: string; readonly bin: string }[] = [{ name: process.env.UBER_BIN_B ? 'A' : '', bin: UBER }, ...(process.env.UBER_BIN_B ? [{ name: 'B', bin: process.env.UBER_BIN_B }] : [])];
const MACHINES = 3;
const JOBS = 3;
const ACCOUNTS = ['acct-1', 'acct-2', 'acct-3', 'acct-4'];

/** A seeded prng (mulberry32), so every run of the bench has the same suite and history. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = prng(16);

// skewed: one straggler file (16 × 600 ms), four medium files (6 × 400 ms), 28 small files of 2-4 tests (40-400 ms)
const SUITE: Record<string, number[]> = { 'big.spec.mjs': Array.from({ length: 16 }, () => 600) };
for (let i = 1; i <= 4; i++) SUITE[`medium-${i}.spec.mjs`] = Array.from({ length: 6 }, () => 400);
for (let i = 1; i <= 28; i++) SUITE[`small-${String(i).padStart(2, '0')}.spec.mjs`] = Array.from({ length: 2 + Math.floor(rand() * 3) }, () => 40 + Math.round(rand() * 360));
const TESTS = Object.values(SUITE).reduce((a, t) => a + t.length, 0);

/** Last run's times, drifted by up to ±40% per file (history is never exact); the same for both modes. */
const HISTORY = Object.fromEntries(
  Object.entries(SUITE).map(([file, ms]) => {
    const drift = 0.6 + rand() * 0.8;
    const tests = Object.fromEntries(ms.map((t, i) => [`${file} t${i}`, Math.round(t * drift)]));
    return [`test/${file}`, { ms: Math.round(ms.reduce((a, b) => a + b, 0) * drift) + 20, tests }];
  }),
);

const root = mkdtempSync(path.join(os.tmpdir(), 'uber-bench-queue-'));
const log = path.join(root, 'spans.jsonl');
const leases = path.join(root, 'leases');
mkdirSync(leases);

function specText(file: string, ms: readonly number[]): string {
  return (
    `import { appendFileSync } from 'node:fs';\nconst sleep = (ms) => new Promise((r) => setTimeout(r, ms));\n` +
    `describe(${JSON.stringify(file)}, function () {\n  this.timeout(60000);\n` +
    ms
      .map((t, i) => `  it('t${i}', async function () { const s = Date.now(); await sleep(${t}); appendFileSync(${JSON.stringify(log)}, JSON.stringify({ t: this.test.fullTitle(), m: process.env.BENCH_MACHINE, p: process.env.AWS_PROFILE, s, e: Date.now() }) + '\\n'); });`)
      .join('\n') +
    '\n});\n'
  );
}

function machineDir(k: number, mode: string, round: number): string {
  const dir = path.join(root, `${mode}-${round}-m${k}`);
  mkdirSync(path.join(dir, 'test'), { recursive: true });
  mkdirSync(path.join(dir, '.uber'), { recursive: true });
  symlinkSync(leases, path.join(dir, '.uber', 'leases')); // one lease folder for the machines of this host
  writeFileSync(path.join(dir, '.uber', 'timings.json'), JSON.stringify({ version: 1, updatedAt: new Date(0).toISOString(), files: HISTORY }));
  writeFileSync(path.join(dir, 'uber.config.yaml'), `profiles: [${ACCOUNTS.join(', ')}]\ntest:\n  spec: ["test/*.spec.mjs"]\n  leaseScope: test\n`);
  for (const [file, ms] of Object.entries(SUITE)) writeFileSync(path.join(dir, 'test', file), specText(file, ms));
  return dir;
}

interface Span {
  t: string;
  m: string;
  p: string;
  s: number;
  e: number;
}

function run(bin: string, dir: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; err: string; out: string }> {
  return new Promise((resolve) => {
    const child = spawn('nice', [process.execPath, bin, ...args], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    child.on('close', (code) => resolve({ code, err, out }));
  });
}

type Mode = 'queue' | 'static' | 'static-pool';

async function measure(mode: Mode, round: number, poolUrl: string, build: (typeof BUILDS)[number]): Promise<{ wall: number; span: number; bound: number; perMachine: number[]; firstTest: number[]; lastEnd: number; gap: { p50: number; p90: number; sum: number; parts: number[] } }> {
  writeFileSync(log, '');
  writeFileSync(path.join(root, 'aws'), [...ACCOUNTS, 'pool'].map((p) => `[profile ${p}]\nregion = us-east-1\n${p === 'pool' ? `endpoint_url = ${poolUrl}\n` : ''}`).join('\n'));
  writeFileSync(path.join(root, 'creds'), '[pool]\naws_access_key_id = AKIAPOOL\naws_secret_access_key = x\n');
  const dirs = Array.from({ length: MACHINES }, (_, k) => machineDir(k + 1, `${mode}${build.name}`, round));
  const t0 = performance.now();
  const t0Epoch = Date.now();
  const runId = `bench-${process.pid}-${round}${build.name}`;
  const results = await Promise.all(
    dirs.map((dir, k) => {
      const env = { PATH: process.env.PATH, HOME: dir, CI: '1', AWS_CONFIG_FILE: path.join(root, 'aws'), AWS_SHARED_CREDENTIALS_FILE: path.join(root, 'creds'), BENCH_MACHINE: `m${k + 1}` };
      const args =
        mode === 'queue'
          ? ['test', '--jobs', String(JOBS), '--pool', 'dynamodb:pool/uber-bench', '--queue', '--run-id', runId, '--reporter', 'dot']
          : ['test', '--jobs', String(JOBS), '--shard', `${k + 1}/${MACHINES}`, ...(mode === 'static-pool' ? ['--pool', 'dynamodb:pool/uber-bench'] : []), '--reporter', 'dot'];
      return run(build.bin, dir, args, { ...env, ...(mode === 'queue' ? { CIRCLE_NODE_TOTAL: String(MACHINES) } : {}) });
    }),
  );
  const wall = performance.now() - t0;
  const spans = readFileSync(log, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Span);
  const bad = results.findIndex((r) => r.code !== 0);
  if (bad >= 0) {
    const kept = path.join(os.tmpdir(), `uber-bench-queue-failed-${process.pid}-${round}${build.name}.txt`);
    writeFileSync(kept, `${results[bad]!.out}\n${results[bad]!.err}`);
    throw new Error(`${mode}: machine ${bad + 1} exited ${results[bad]!.code} (its whole output: ${kept}): ${results[bad]!.err.slice(-3000)}`);
  }
  const seen = new Map<string, number>();
  for (const s of spans) seen.set(s.t, (seen.get(s.t) ?? 0) + 1);
  if (seen.size !== TESTS || [...seen.values()].some((n) => n !== 1)) throw new Error(`${mode}: ${seen.size}/${TESTS} tests ran, some not exactly once`);
  const overlaps = findOverlaps(readAudit(path.join(leases, 'audit.jsonl')));
  if (overlaps.length > 0) throw new Error(`${mode}: ${overlaps.length} lease overlaps across machines`);
  const start = Math.min(...spans.map((s) => s.s));
  const span = Math.max(...spans.map((s) => s.e)) - start;
  const busy = spans.reduce((a, s) => a + (s.e - s.s), 0);
  const bound = Math.max(Math.max(...spans.map((s) => s.e - s.s)), busy / ACCOUNTS.length);
  const perMachine = Array.from({ length: MACHINES }, (_, k) => Math.max(0, ...spans.filter((s) => s.m === `m${k + 1}`).map((s) => s.e)) - start);
  const gaps: number[] = [];
  for (const a of ACCOUNTS) {
    const on = spans.filter((x) => x.p === a).sort((x, y) => x.s - y.s);
    for (let i = 1; i < on.length; i++) gaps.push(on[i]!.s - on[i - 1]!.e);
  }
  gaps.sort((x, y) => x - y);
  // each hand-over in three parts, from the audit (lease start = the take landed, end = the release was sent):
  // test end → release sent, release sent → next take landed, next take landed → next test start
  const leaseOf = new Map(readAudit(path.join(leases, 'audit.jsonl')).filter((r) => r.test && r.ended !== 'reclaimed').map((r) => [r.test!, r]));
  const parts: [number[], number[], number[]] = [[], [], []];
  for (const a of ACCOUNTS) {
    const on = spans.filter((x) => x.p === a).sort((x, y) => x.s - y.s);
    for (let i = 1; i < on.length; i++) {
      const [l0, l1] = [leaseOf.get(on[i - 1]!.t), leaseOf.get(on[i]!.t)];
      if (!l0 || !l1) continue;
      parts[0].push(l0.end - on[i - 1]!.e);
      parts[1].push(l1.start - l0.end);
      parts[2].push(on[i]!.s - l1.start);
    }
  }
  const p50 = (xs: number[]): number => Math.round([...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)] ?? NaN);
  const gap = { p50: gaps[Math.floor(gaps.length / 2)] ?? 0, p90: gaps[Math.floor(gaps.length * 0.9)] ?? 0, sum: gaps.reduce((x, y) => x + y, 0), parts: parts.map(p50) };
  const firstTest = Array.from({ length: MACHINES }, (_, k) => Math.min(...spans.filter((x) => x.m === `m${k + 1}`).map((x) => x.s)) - t0Epoch);
  return { wall, span, bound, perMachine, firstTest, lastEnd: Math.max(...spans.map((x) => x.e)) - t0Epoch, gap };
}

const sec = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

const server = dynalite({ createTableMs: 0 });
/** Calls dynalite served during the current round, by operation, and its own time on them (the table's load). */
const calls = new Map<string, { n: number; ms: number }>();
server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
  const op = String(req.headers['x-amz-target'] ?? '?').split('.').pop()!;
  const t = performance.now();
  res.once('finish', () => {
    const c = calls.get(op) ?? { n: 0, ms: 0 };
    c.n += 1;
    c.ms += performance.now() - t;
    calls.set(op, c);
  });
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const poolUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
type Row = Awaited<ReturnType<typeof measure>>;
const rows = new Map<string, Row[]>(); // by mode and build
const rowsOf = (key: string): Row[] => rows.get(key) ?? [];
try {
  console.log(`${Object.keys(SUITE).length} files, ${TESTS} tests (${sec(Object.values(SUITE).flat().reduce((a, b) => a + b, 0))} of test time); ${MACHINES} machines × ${JOBS} workers on ${ACCOUNTS.length} accounts; history drifted ±40%.`);
  if (BUILDS.length > 1) console.log(`A/B: A = ${BUILDS[0]!.bin}, B = ${BUILDS[1]!.bin}`);
  for (let round = 1; round <= ROUNDS; round++) {
    for (const mode of MODES) {
      for (const build of round % 2 ? BUILDS : [...BUILDS].reverse()) {
        const key = `${mode}${build.name ? ` ${build.name}` : ''}`;
        const load = os.loadavg()[0]!.toFixed(1);
        calls.clear();
        const r = await measure(mode, round, poolUrl, build);
        rows.set(key, [...rowsOf(key), r]);
        console.log(`round ${round} ${key.padEnd(13)} (load ${load}): makespan ${sec(r.span)} = ${(r.span / r.bound).toFixed(2)}× the bound ${sec(r.bound)}; machines done at ${r.perMachine.map(sec).join(', ')}; wall ${sec(r.wall)} (first test at ${r.firstTest.map(sec).join(', ')}; last test ended at ${sec(r.lastEnd)}); account hand-over gaps p50 ${r.gap.p50} ms (test end → release ${r.gap.parts[0]}, → next take ${r.gap.parts[1]}, → next test ${r.gap.parts[2]}), p90 ${r.gap.p90} ms, ${sec(r.gap.sum)} in all`);
        const all = [...calls.values()].reduce((a, c) => ({ n: a.n + c.n, ms: a.ms + c.ms }), { n: 0, ms: 0 });
        if (all.n > 0) console.log(`  dynalite: ${all.n} calls (${(all.n / TESTS).toFixed(1)} a test), ${(all.ms / all.n).toFixed(1)} ms each in the server on average: ${[...calls].sort((a, b) => b[1].n - a[1].n).map(([op, c]) => `${op} ${c.n} (${(c.ms / c.n).toFixed(1)} ms)`).join(', ')}`);
      }
    }
  }
  for (const build of BUILDS) {
    const ratio = (m: Mode): string => {
      const rs = rowsOf(`${m}${build.name ? ` ${build.name}` : ''}`);
      return rs.length ? `${median(rs.map((r) => r.span / r.bound)).toFixed(2)}× (hand-over p50 ${median(rs.map((r) => r.gap.p50))} ms)` : 'not run';
    };
    console.log(`${build.name ? `build ${build.name}, ` : ''}median over ${ROUNDS} round${ROUNDS > 1 ? 's' : ''}: queue ${ratio('queue')} the bound (target ≤ 1.10), static shards ${ratio('static')} on lock files, ${ratio('static-pool')} on the DynamoDB pool.`);
  }
  if (BUILDS.length > 1) {
    for (const mode of MODES) {
      const [a, b] = [rowsOf(`${mode} A`), rowsOf(`${mode} B`)];
      console.log(`${mode}: B/A makespan, paired by round: ${a.map((r, i) => (b[i]!.span / r.span).toFixed(2)).join(', ')} (median ${median(a.map((r, i) => b[i]!.span / r.span)).toFixed(2)})`);
    }
  }
} finally {
  server.close();
  rmSync(root, { recursive: true, force: true });
}
