// A skewed 60-file suite on 4 profiles: uber test vs plain `mocha --parallel --jobs 4`. Wall time (start to exit,
// what a user waits for) and makespan (first test start to last test end) against the lower bound; interleaved
// rounds (plain, uber without history, uber with it), medians.
// Usage: npx tsx bench/suite.ts [files=60] [seed=7] [rounds=3]   (needs a build: node dist/bin.js)
// UBER_BIN=<another dist/bin.js> measures that build; UBER_BIN_B=<a second one> adds its two rows to every round (A/B).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { mochaBin } from '../src/testrun/argv.js';

const [files = 60, seed = 7, rounds = 3] = process.argv.slice(2).map(Number);
const ROOT = path.resolve(fileURLToPath(new URL('..', import.meta.url)));
const JOBS = 4;
const UBER = process.env.UBER_BIN ?? path.join(ROOT, 'dist', 'bin.js');
const UBER_B = process.env.UBER_BIN_B;

function rng(s: number): () => number {
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// log-normal durations (median 150 ms, sigma 0.7) and three 10x stragglers
const rand = rng(seed);
const gauss = (): number => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
const durations = Array.from({ length: files }, (_, i) => (i % 20 === 7 ? 1500 : Math.round(150 * Math.exp(0.7 * gauss()))));

const dir = mkdtempSync(path.join(os.tmpdir(), 'uber-bench-suite-'));
const log = path.join(dir, 'spans.jsonl');
mkdirSync(path.join(dir, 'test'));
durations.forEach((ms, i) => {
  const each = Math.max(1, Math.round(ms / 3));
  writeFileSync(
    path.join(dir, 'test', `f${String(i).padStart(2, '0')}.spec.mjs`),
    `import { appendFileSync } from 'node:fs';\ndescribe('f${i}', () => {\n` +
      [0, 1, 2].map((t) => `  it('t${t}', async () => { const s = Date.now(); await new Promise((r) => setTimeout(r, ${each})); appendFileSync(${JSON.stringify(log)}, JSON.stringify({ s, e: Date.now(), p: process.pid }) + '\\n'); });`).join('\n') +
      '\n});\n',
  );
});
const profiles = ['p1', 'p2', 'p3', 'p4'];
writeFileSync(path.join(dir, 'aws'), profiles.map((p) => `[profile ${p}]\nregion = us-east-1\n`).join('\n'));
writeFileSync(path.join(dir, 'uber.config.yaml'), `profiles: [${profiles.join(', ')}]\ntest:\n  spec: ["test/*.spec.mjs"]\n`);
const env = { PATH: process.env.PATH, HOME: dir, AWS_CONFIG_FILE: path.join(dir, 'aws'), AWS_SHARED_CREDENTIALS_FILE: path.join(dir, 'none') };

/** Runs a command and returns the span from the first test's start to the last test's end (and the wall time). */
function measure(argv: string[]): { span: number; wall: number; ok: boolean; stagger: number; busy: number } {
  writeFileSync(log, '');
  const t = performance.now();
  const r = spawnSync(process.execPath, argv, { cwd: dir, env, stdio: ['ignore', 'ignore', 'pipe'] });
  const wall = performance.now() - t;
  const spans = readFileSync(log, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { s: number; e: number; p: number });
  const t0 = Math.min(...spans.map((x) => x.s));
  const span = Math.max(...spans.map((x) => x.e)) - t0;
  // how late the last worker ran its first test, and the time tests spent running (sleep + timer overshoot)
  const firsts = [...new Set(spans.map((x) => x.p))].map((p) => Math.min(...spans.filter((x) => x.p === p).map((x) => x.s)));
  const stagger = Math.max(...firsts) - t0;
  const busy = spans.reduce((a, x) => a + x.e - x.s, 0);
  if (process.env.GAPS) {
    const byPid = new Map<number, { s: number; e: number }[]>();
    for (const x of spans) byPid.set(x.p, [...(byPid.get(x.p) ?? []), x]);
    const gaps = [...byPid.values()].flatMap((xs) => xs.sort((a, b) => a.s - b.s).slice(1).map((x, i) => x.s - xs[i]!.e));
    gaps.sort((a, b) => a - b);
    const big = gaps.filter((g) => g > 4);
    console.error(`${argv[1]?.split('/').pop()} ${argv[2] ?? ''}: gaps n=${gaps.length} sum ${gaps.reduce((a, b) => a + b, 0)} ms; >4 ms: ${big.length}, median ${big[Math.floor(big.length / 2)]} ms, p90 ${big[Math.floor(big.length * 0.9)]}; per worker ${[...byPid.values()].map((xs) => `${Math.min(...xs.map((x) => x.s)) - t0}..${Math.max(...xs.map((x) => x.e)) - t0}`).join(' ')}`);
  }
  if (r.status !== 0) process.stderr.write(r.stderr.toString());
  return { span, wall, ok: r.status === 0 && spans.length === files * 3, stagger, busy };
}

const total = durations.reduce((a, b) => a + b, 0);
const bound = Math.max(Math.max(...durations), total / JOBS);
type M = ReturnType<typeof measure>;
const runs: Record<'plain' | 'first' | 'again' | 'firstB' | 'againB', M[]> = { plain: [], first: [], again: [], firstB: [], againB: [] };
for (let i = 0; i < rounds; i++) {
  runs.plain.push(measure([mochaBin(), '--parallel', '--jobs', String(JOBS), '--reporter', 'dot', 'test/*.spec.mjs']));
  for (const [bin, first, again] of [[UBER, runs.first, runs.again], ...(UBER_B ? [[UBER_B, runs.firstB, runs.againB] as const] : [])] as const) {
    rmSync(path.join(dir, '.uber'), { recursive: true, force: true }); // no history
    first.push(measure([bin, 'test', '--reporter', 'dot']));
    again.push(measure([bin, 'test', '--reporter', 'dot']));
  }
}
if (process.env.KEEP) console.log(`kept ${dir}`);
else rmSync(dir, { recursive: true, force: true });
const median = (xs: number[]): number => {
  const v = [...xs].sort((a, b) => a - b);
  const m = Math.floor(v.length / 2);
  return v.length % 2 ? v[m]! : (v[m - 1]! + v[m]!) / 2;
};
/** The run of median wall time, its makespan the median makespan. */
const pick = (ms: M[]): M => ({
  wall: median(ms.map((m) => m.wall)),
  span: median(ms.map((m) => m.span)),
  stagger: median(ms.map((m) => m.stagger)),
  busy: median(ms.map((m) => m.busy)),
  ok: ms.every((m) => m.ok),
});
const [plain, first, again] = [pick(runs.plain), pick(runs.first), pick(runs.again)];
const paired = (ms: M[]): string => median(ms.map((m, i) => m.wall / runs.plain[i]!.wall)).toFixed(2);

const s = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
const row = (name: string, m: M): string =>
  `${name.padEnd(44)} wall ${s(m.wall).padStart(7)} x${(m.wall / plain.wall).toFixed(2)} of plain;  makespan ${s(m.span).padStart(7)} x${(m.span / bound).toFixed(2)} of bound, x${(m.span / plain.span).toFixed(2)} of plain` +
  `;  last worker's first test +${s(m.stagger)}, tests busy ${s(m.busy / JOBS)} a worker${m.ok ? '' : '  FAILED'}`;
console.log(`${files} files, log-normal (median 150 ms, sigma 0.7) + 3 stragglers of 1.5 s; total ${s(total)}, longest ${s(Math.max(...durations))}; ${rounds} interleaved rounds, medians`);
console.log(`${'lower bound max(longest, total/4)'.padEnd(44)} ${s(bound).padStart(8)}`);
console.log(row('plain mocha --parallel --jobs 4 (name order)', plain));
const ab = UBER_B ? ' A' : '';
console.log(`${row(`uber test${ab}, 4 profiles (no history yet)`, first)}; paired x${paired(runs.first)}`);
console.log(`${row(`uber test${ab}, 4 profiles (longest first)`, again)}; paired x${paired(runs.again)}`);
if (UBER_B) {
  console.log(`${row('uber test B, 4 profiles (no history yet)', pick(runs.firstB))}; paired x${paired(runs.firstB)}`);
  console.log(`${row('uber test B, 4 profiles (longest first)', pick(runs.againB))}; paired x${paired(runs.againB)}`);
}
console.log(`machine: ${os.cpus().length} cores, load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
