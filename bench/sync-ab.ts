// Bench: two builds of uber sync A/B on the same remotes, interleaved, medians and per-round ratios of wall and CPU time (npx tsx bench/sync-ab.ts A/dist B/dist).
// A folder holding a build needs a package.json ("type": "module") and node_modules beside it (a symlink will do).
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { makeFixture, makeRemote, writeConfig, type Fixture } from '../test/workspace/fixture.js';

const N = Number(process.env.BENCH_REPOS ?? 30);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 6);
const BRANCH = 'feat-x';
const [distA, distB] = process.argv.slice(2);
if (!distA || !distB) throw new Error('usage: tsx bench/sync-ab.ts <dist of A> <dist of B>');
const build = async (dist: string) => ({
  sync: (await import(pathToFileURL(path.resolve(dist, 'workspace/sync.js')).href)) as typeof import('../src/workspace/sync.js'),
  load: (await import(pathToFileURL(path.resolve(dist, 'config/load.js')).href)) as typeof import('../src/config/load.js'),
});
/** main = A; mine = B; mineP = B with the live rows' progress on (clones and fetches through simple-git). */
const variants = { main: await build(distA), mine: await build(distB), mineP: await build(distB) } as const;
type Name = keyof typeof variants;

const fx = makeFixture('uber-ab-');
const names = Array.from({ length: N }, (_, i) => `svc-${String(i + 1).padStart(2, '0')}`);
names.forEach((n, i) => makeRemote(fx, n, i % 2 === 0 ? [BRANCH] : []));
const shim = path.join(fx.root, 'latency-ssh');
writeFileSync(shim, `#!/bin/sh\nsleep 0.1\nfor last; do :; done\nexec sh -c "$last"\n`);
chmodSync(shim, 0o755);
const transports = (process.env.AB_TRANSPORTS ?? 'file,ssh').split(',').map((t) =>
  t === 'file' ? { label: 'file', url: (n: string) => fx.url(n), env: fx.env } : { label: 'ssh100ms', url: (n: string) => `ssh://bench-host${path.join(fx.remotes, `${n}.git`)}`, env: { ...fx.env, GIT_SSH_COMMAND: shim, GIT_SSH_VARIANT: 'ssh' } },
);

function advance(f: Fixture, tag: string): void {
  const seed = path.join(f.root, 'seed');
  for (const b of ['main', BRANCH]) {
    f.git(seed, 'checkout', '-q', b);
    writeFileSync(path.join(seed, `${tag}-${b}.txt`), `${tag}\n`);
    f.git(seed, 'add', '-A');
    f.git(seed, 'commit', '-q', '-m', tag);
  }
  for (const n of names) f.git(seed, 'push', '-q', path.join(f.remotes, `${n}.git`), 'main', BRANCH);
}

/** CPU ms of this process's finished children (git, ssh), from /proc (10 ms ticks); 0 where there is no /proc. */
function childCpuMs(): number {
  if (!existsSync('/proc/self/stat')) return 0;
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[13]) + Number(fields[14])) * 10; // cutime + cstime
}

/**
 * One sync: its wall time, and the CPU it took (node's own plus its git children's). On a machine others load, CPU
 * time moves far less than wall time: a shared core slows the clock, not the work.
 */
async function once(v: Name, project: string, env: NodeJS.ProcessEnv): Promise<{ wall: number; cpu: number }> {
  const ctx = { cwd: project, env, stdout: new PassThrough(), stderr: new PassThrough(), signal: new AbortController().signal, interactive: false, debug: false };
  const t = performance.now();
  const c0 = process.cpuUsage();
  const k0 = childCpuMs();
  const outcomes = await variants[v].sync.syncRepos({ loaded: variants[v].load.loadConfig(project), branch: BRANCH, ctx, progress: v === 'mineP' });
  const c = process.cpuUsage(c0);
  const wall = performance.now() - t;
  const bad = outcomes.filter((o) => o.status === 'skipped' || o.status === 'failed');
  if (bad.length) throw new Error(`${v}: ${JSON.stringify(bad)}`);
  return { wall, cpu: (c.user + c.system) / 1000 + childCpuMs() - k0 };
}

const PHASES = ['clone', 'fetch', 'no-change'];
const med = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
try {
  for (const t of transports) {
    const times: Record<string, Record<Name, number[]>> = Object.fromEntries(PHASES.map((p) => [p, { main: [], mine: [], mineP: [] }]));
    const cpu: Record<string, Record<Name, number[]>> = Object.fromEntries(PHASES.map((p) => [p, { main: [], mine: [], mineP: [] }]));
    for (let round = 1; round <= ROUNDS; round++) {
      const order: Name[] = (round % 3 === 1 ? ['main', 'mine', 'mineP'] : round % 3 === 2 ? ['mine', 'mineP', 'main'] : ['mineP', 'main', 'mine']);
      const proj: Record<Name, string> = { main: '', mine: '', mineP: '' };
      for (const v of order) {
        proj[v] = path.join(fx.root, `${t.label}-${v}-${round}`);
        mkdirSync(proj[v], { recursive: true });
        writeConfig({ ...fx, project: proj[v], url: t.url }, names);
      }
      for (let p = 0; p < PHASES.length; p++) {
        if (p === 1) advance(fx, `${t.label}${round}`);
        for (const v of order) {
          const r = await once(v, proj[v], t.env);
          times[PHASES[p]!]![v].push(r.wall);
          cpu[PHASES[p]!]![v].push(r.cpu);
        }
      }
      process.stderr.write(`${t.label} round ${round}: ${PHASES.map((p) => `${p} A ${times[p]!.main.at(-1)!.toFixed(0)} B ${times[p]!.mine.at(-1)!.toFixed(0)} B+progress ${times[p]!.mineP.at(-1)!.toFixed(0)} (cpu ${cpu[p]!.main.at(-1)!.toFixed(0)}/${cpu[p]!.mine.at(-1)!.toFixed(0)}/${cpu[p]!.mineP.at(-1)!.toFixed(0)})`).join('; ')} (load ${os.loadavg()[0]!.toFixed(1)})\n`);
    }
    for (const [what, table] of [['wall', times], ['cpu', cpu]] as const) {
      for (const p of PHASES) {
        const { main, mine, mineP } = table[p]!;
        const r = (xs: number[]) => med(main.map((m, i) => xs[i]! / m)).toFixed(3);
        console.log(`${t.label} ${p} ${what}: medians A ${med(main).toFixed(0)} ms, B ${med(mine).toFixed(0)} ms, B+progress ${med(mineP).toFixed(0)} ms; median per-round ratio to A: B ${r(mine)}, B+progress ${r(mineP)}`);
      }
    }
  }
} finally {
  fx.dispose();
}
