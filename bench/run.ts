// uber run (deploy and test pipelined per account) against `uber deploy && uber test` on the same work: median wall of N each.
// 3 accounts whose deploys take 1×, 3× and 5× a unit, and a suite as long as the deploys, read two ways:
//   - the suite's wall on the 3 accounts equals the deploys' wall (5 units: 15 units of lease time);
//   - the suite's lease time equals the deploys' account time (1 + 3 + 5 = 9 units).
// Usage: npx tsx bench/run.ts [unitMs=1000] [runs=3] [suiteUnits...=15 9] (suiteUnits: the suite's lease time in units).
// Needs dist/. The two ways alternate (sequential, pipelined, sequential, ...) so a shared machine's load falls on both
// alike; the figure is the median of the per-pair ratios beside the ratio of the medians, with the load average before
// and after, and the ratio a zero-cost uber would reach. TRACE=1: one more `uber run --debug` per suite, printing its
// phase trace (when each account was ready, its first test, the last test, the exit).
import { rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { makeChaosProject } from '../e2e/support/project.js';
import { writeSuite } from '../e2e/support/suite.js';
import { runUber } from '../e2e/support/uber.js';

const [unit = 1000, runs = 3, ...asked] = process.argv.slice(2).map(Number);
const readings = asked.length > 0 ? asked : [15, 9];
const PROFILES = ['ci-1', 'ci-2', 'ci-3'];
const TESTS = 3; // per file: a suite of `suiteUnits` files × 3 tests of unit/3 each

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
const s = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
const load = (): string => os.loadavg().map((x) => x.toFixed(2)).join(' ');

async function measure(suiteUnits: number): Promise<void> {
  const p = makeChaosProject({
    profiles: PROFILES,
    repos: [{ name: 'orders', services: ['services/a'] }],
    deploy: { concurrency: 3, perProfile: 1 },
    env: { SLS_FIXTURE_SLEEP_BY_PROFILE: `ci-1=${unit},ci-2=${3 * unit},ci-3=${5 * unit}` },
  });
  writeSuite(p, suiteUnits, TESTS, Math.round(unit / TESTS));
  const opts = { cwd: p.dir, env: p.env, timeoutMs: 600_000 };
  const timed = async (steps: string[][]): Promise<number> => {
    rmSync(path.join(p.dir, '.uber', 'state.json'), { force: true });
    const t = performance.now();
    for (const args of steps) {
      const r = await runUber(args, opts);
      if (r.code !== 0) throw new Error(`uber ${args.join(' ')} exited ${r.code}:\n${r.stderr.slice(-2000)}`);
    }
    return performance.now() - t;
  };
  try {
    const loadBefore = load();
    await timed([['sync', '--branch', 'main']]); // clone once: both ways then fetch an up-to-date workspace
    const sequential: number[] = [];
    const pipelined: number[] = [];
    for (let i = 0; i < runs; i++) {
      sequential.push(await timed([['deploy', '--branch', 'main'], ['test', '--parallel']]));
      pipelined.push(await timed([['run', '--branch', 'main']]));
    }
    const [seq, pipe] = [median(sequential), median(pipelined)];
    const paired = pipelined.map((x, i) => x / sequential[i]!);
    const reading = suiteUnits === 15 ? ' (its wall on the 3 accounts = the deploys\' wall)' : suiteUnits === 9 ? ' (its lease time = the deploys\' account time, 1 + 3 + 5)' : '';
    console.log(`suite of ${suiteUnits * TESTS} tests = ${suiteUnits} units of lease time${reading}; unit ${unit} ms, deploys 1×/3×/5× unit, ${runs} runs each`);
    console.log(`  uber deploy && uber test: median ${s(seq)}   (${sequential.map(s).join(', ')})`);
    console.log(`  uber run:                 median ${s(pipe)}   (${pipelined.map(s).join(', ')})`);
    console.log(`  ratio of medians ${(pipe / seq).toFixed(3)}; median of paired ratios ${median(paired).toFixed(3)} (${paired.map((r) => r.toFixed(3)).join(', ')})`);
    console.log(`  target ≤ 0.75; a zero-cost uber: ${idealRatio(suiteUnits).toFixed(2)}; ${os.availableParallelism()} cores, load average (1/5/15 min) before ${loadBefore}, after ${load()}`);
    if (process.env.TRACE) {
      rmSync(path.join(p.dir, '.uber', 'state.json'), { force: true });
      const r = await runUber(['run', '--branch', 'main', '--debug'], opts);
      const at = r.stderr.indexOf('phase trace');
      console.log(at >= 0 ? r.stderr.slice(r.stderr.lastIndexOf('\n', at) + 1) : r.stderr.slice(-3000));
    }
  } finally {
    p.cleanup();
  }
}

for (const suiteUnits of readings) await measure(suiteUnits);
