// Bench: a skewed mocha suite run twice in parallel — first without history (name order), then longest first from it.
// Prints both makespans against the lower bound max(longest file, total / jobs).
// Run: npx tsx bench/slowest-first.ts [--jobs 3] [--trials 2] [--mocha]
//   default: the built `uber test --parallel` (node dist/bin.js), which reads and writes .uber/timings.json itself;
//   --mocha: plain `mocha --parallel`, the files passed in the order orderLongestFirst() gives from the first run.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { readTestRun } from '../src/report/run.js';
import { orderLongestFirst } from '../src/shard/shard.js';
import { mergeTimings, readTimings, writeTimings, type FileTiming } from '../src/timings/timings.js';

const args = process.argv.slice(2);
const flag = (name: string, dflt: number): number => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const JOBS = flag('jobs', 3);
const TRIALS = flag('trials', 2);
const MOCHA = createRequire(import.meta.url).resolve('mocha/bin/mocha.js');
const UBER = path.resolve(import.meta.dirname, '..', 'dist', 'bin.js');
const useUber = !args.includes('--mocha') && spawnSync(process.execPath, [UBER, 'test', '--help'], { encoding: 'utf8' }).status === 0;

/** 15 files: 12 short ones (200–480 ms) and 3 stragglers that happen to sort late by name. */
const SUITE: Record<string, number> = {};
for (let i = 1; i <= 15; i++) SUITE[`spec-${String(i).padStart(2, '0')}.spec.cjs`] = 200 + ((i * 7) % 8) * 40;
SUITE['spec-09.spec.cjs'] = 1600;
SUITE['spec-13.spec.cjs'] = 2000;
SUITE['spec-15.spec.cjs'] = 2400;

function writeSuite(dir: string, log: string): void {
  for (const [file, ms] of Object.entries(SUITE)) {
    // Hook time counts: half the file's time is in before(), as in integration suites.
    writeFileSync(
      path.join(dir, file),
      `const fs = require('node:fs');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
let start;
describe(${JSON.stringify(file)}, function () {
  before(async function () { start = performance.timeOrigin + performance.now(); await sleep(${Math.round(ms / 2)}); });
  it('works', async function () { await sleep(${ms - Math.round(ms / 2)}); });
  after(function () { fs.appendFileSync(${JSON.stringify(log)}, JSON.stringify({ file: ${JSON.stringify(file)}, start, end: performance.timeOrigin + performance.now() }) + '\\n'); });
});
`,
    );
  }
}

interface Measured {
  makespanMs: number;
  wallMs: number;
  fresh: Record<string, FileTiming>;
}

function runMocha(dir: string, log: string, files: readonly string[]): Measured {
  writeFileSync(log, '');
  const t = Date.now();
  const r = spawnSync(process.execPath, [MOCHA, '--no-config', '--parallel', '--jobs', String(JOBS), '--reporter', 'dot', ...files], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
  const wallMs = Date.now() - t;
  if (r.status !== 0) throw new Error(`mocha failed (${r.status}): ${r.stderr}${r.stdout}`);
  const rows = readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { file: string; start: number; end: number });
  if (rows.length !== files.length) throw new Error(`expected ${files.length} files to report, got ${rows.length}`);
  const fresh = Object.fromEntries(rows.map((x) => [x.file, { ms: Math.round(x.end - x.start), tests: {} }]));
  return { makespanMs: Math.max(...rows.map((x) => x.end)) - Math.min(...rows.map((x) => x.start)), wallMs, fresh };
}

/** `uber test --parallel` in a project whose three profiles exist only in a throwaway AWS config file. */
function runUber(dir: string): Measured {
  const env = { PATH: process.env.PATH, HOME: dir, CI: '1', AWS_CONFIG_FILE: path.join(dir, 'aws-config'), AWS_SHARED_CREDENTIALS_FILE: path.join(dir, 'aws-credentials') };
  const t = Date.now();
  const r = spawnSync(process.execPath, [UBER, 'test', '--parallel', '--jobs', String(JOBS)], { cwd: dir, env, encoding: 'utf8', timeout: 180_000 });
  const wallMs = Date.now() - t;
  if (r.status !== 0) throw new Error(`uber test failed (${r.status}): ${r.stderr}`);
  const run = readTestRun(path.join(dir, '.uber', 'reports', 'tests.json'));
  if (!run || run.files.length !== Object.keys(SUITE).length) throw new Error('uber test did not record every file');
  return { makespanMs: Math.max(...run.files.map((f) => f.end)) - Math.min(...run.files.map((f) => f.start)), wallMs, fresh: {} };
}

function writeUberProject(dir: string): void {
  const profiles = Array.from({ length: JOBS }, (_, i) => `bench-${i + 1}`);
  writeFileSync(path.join(dir, 'aws-config'), profiles.map((p) => `[profile ${p}]\nregion = us-east-1\n`).join(''));
  writeFileSync(path.join(dir, 'aws-credentials'), '');
  writeFileSync(path.join(dir, 'uber.config.yaml'), `profiles: [${profiles.join(', ')}]\ntest:\n  spec: ["*.spec.cjs"]\n  cwd: .\n`);
}

const s = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
const total = Object.values(SUITE).reduce((a, b) => a + b, 0);
const lower = Math.max(...Object.values(SUITE), total / JOBS);
const how = useUber ? `uber test --parallel --jobs ${JOBS} (${JOBS} profiles)` : `mocha --parallel --jobs ${JOBS}`;
console.log(`Suite: ${Object.keys(SUITE).length} files, ${s(total)} of work (3 stragglers: 1.6, 2.0, 2.4 s; half of each file in before()); ${how}; lower bound ${s(lower)}.`);

const first: number[] = [];
const second: number[] = [];
for (let trial = 1; trial <= TRIALS; trial++) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'uber-bench-'));
  try {
    const log = path.join(dir, 'times.jsonl');
    const timingsFile = path.join(dir, '.uber', 'timings.json');
    mkdirSync(path.dirname(timingsFile), { recursive: true });
    writeSuite(dir, log);
    const byName = Object.keys(SUITE).sort();
    let a: Measured;
    let b: Measured;
    let ordered: string[];
    if (useUber) {
      writeUberProject(dir);
      a = runUber(dir);
      ordered = orderLongestFirst(byName, readTimings(timingsFile));
      b = runUber(dir);
    } else {
      a = runMocha(dir, log, byName);
      writeTimings(timingsFile, mergeTimings(readTimings(timingsFile), a.fresh));
      ordered = orderLongestFirst(byName, readTimings(timingsFile));
      b = runMocha(dir, log, ordered);
    }
    first.push(a.makespanMs);
    second.push(b.makespanMs);
    console.log(`trial ${trial}: 1st run (name order) ${s(a.makespanMs)} [wall ${s(a.wallMs)}]; 2nd run (longest first: ${ordered.slice(0, 3).join(', ')}, …) ${s(b.makespanMs)} [wall ${s(b.wallMs)}]`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
const mean = (xs: number[]): number => xs.reduce((x, y) => x + y, 0) / xs.length;
const [m1, m2] = [mean(first), mean(second)];
console.log(`makespan 1st run ${s(m1)} = ${(m1 / lower).toFixed(2)}× lower bound`);
console.log(`makespan 2nd run ${s(m2)} = ${(m2 / lower).toFixed(2)}× lower bound`);
console.log(`slowest-first gain: 2nd/1st = ${(m2 / m1).toFixed(2)} (${Math.round((1 - m2 / m1) * 100)}% shorter)`);
