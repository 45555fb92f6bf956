// uber run (deploy and test pipelined per account) against `uber deploy && uber test` on the same work: median wall of N each.
// 3 accounts whose deploys take 1×, 3× and 5× a unit; a suite that, run alone on the 3 accounts, takes about as long as
// the deploys (5 units: 15 units of lease time). Usage: npx tsx bench/run.ts [unitMs=1000] [runs=3] [suiteUnits=15]
// (suiteUnits = the suite's lease time in units; 5 = a suite whose total test time equals the slowest deploy). Needs dist/.
// The two ways alternate (sequential, pipelined, sequential, ...) so a shared machine's load falls on both alike; the
// figure is the median of the per-pair ratios beside the ratio of the medians, with the load average before and after.
// TRACE=1: one more `uber run --debug` at the end, printing its phase trace (when each account was ready, its first
// test, the last test, the exit).
import { rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { makeChaosProject } from '../e2e/support/project.js';
import { writeSuite } from '../e2e/support/suite.js';
import { runUber } from '../e2e/support/uber.js';

const [unit = 1000, runs = 3, suiteUnits = 15] = process.argv.slice(2).map(Number);
const PROFILES = ['ci-1', 'ci-2', 'ci-3'];
// suiteUnits files × 3 tests of unit/3 each
const FILES = suiteUnits;
const TESTS = 3;

const p = makeChaosProject({
  profiles: PROFILES,
  repos: [{ name: 'orders', services: ['services/a'] }],
  deploy: { concurrency: 3, perProfile: 1 },
  env: { SLS_FIXTURE_SLEEP_BY_PROFILE: `ci-1=${unit},ci-2=${3 * unit},ci-3=${5 * unit}` },
});
writeSuite(p, FILES, TESTS, Math.round(unit / TESTS));
const opts = { cwd: p.dir, env: p.env, timeoutMs: 600_000 };

/** Without start-up costs: accounts free at 1, 3, 5 units, tests fill them as they come; deploy-then-test = 5 units + work / 3. */
function idealRatio(work: number): number {
  let t = 1;
  let left = work;
  for (const [until, accounts] of [[3, 1], [5, 2]] as const) {
    const done = Math.min(left, (until - t) * accounts);
    left -= done;
    t = left > 0 ? until : t + done / accounts;
    if (left === 0) break;
  }
  const pipelined = Math.max(5, t + left / 3);
  return pipelined / (5 + work / 3);
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function timed(steps: string[][]): Promise<number> {
  rmSync(path.join(p.dir, '.uber', 'state.json'), { force: true });
  const t = performance.now();
  for (const args of steps) {
    const r = await runUber(args, opts);
    if (r.code !== 0) throw new Error(`uber ${args.join(' ')} exited ${r.code}:\n${r.stderr.slice(-2000)}`);
  }
  return performance.now() - t;
}

const load = (): string => os.loadavg().map((x) => x.toFixed(2)).join(' ');
try {
  const loadBefore = load();
  await timed([['sync', '--branch', 'main']]); // clone once: both ways then fetch an up-to-date workspace
  const sequential: number[] = [];
  const pipelined: number[] = [];
  for (let i = 0; i < runs; i++) {
    sequential.push(await timed([['deploy', '--branch', 'main'], ['test', '--parallel']]));
    pipelined.push(await timed([['run', '--branch', 'main']]));
  }
  const seq = median(sequential);
  const pipe = median(pipelined);
  const s = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
  const ideal = idealRatio(suiteUnits);
  const paired = pipelined.map((x, i) => x / sequential[i]!);
  console.log(`unit ${unit} ms, ${runs} runs each; deploys 1×/3×/5× unit, suite of ${FILES * TESTS} tests = ${suiteUnits} units of lease time on 3 accounts`);
  console.log(`uber deploy && uber test: median ${s(seq)}   (${sequential.map(s).join(', ')})`);
  console.log(`uber run:                 median ${s(pipe)}   (${pipelined.map(s).join(', ')})`);
  console.log(`ratio of medians ${(pipe / seq).toFixed(3)}; median of paired ratios ${median(paired).toFixed(3)} (${paired.map((r) => r.toFixed(3)).join(', ')})`);
  console.log(`target ≤ 0.75; ideal without start-up costs ${ideal.toFixed(2)}; ${os.availableParallelism()} cores, load average (1/5/15 min) before ${loadBefore}, after ${load()}`);
  if (process.env.TRACE) {
    rmSync(path.join(p.dir, '.uber', 'state.json'), { force: true });
    const r = await runUber(['run', '--branch', 'main', '--debug'], opts);
    const at = r.stderr.indexOf('phase trace');
    console.log(at >= 0 ? r.stderr.slice(r.stderr.lastIndexOf('\n', at) + 1) : r.stderr.slice(-3000));
  }
} finally {
  p.cleanup();
}
