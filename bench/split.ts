// A suite whose longest file is twice the fair share (total / workers): plain `mocha --parallel` must wait for that
// file; `uber test` splits it into units from the second run on (it needs the timing history of the first).
// Wall time (uber starting to uber exiting) and makespan (first test start to last test end), interleaved runs,
// medians, against the test-level lower bound max(longest test, total / workers).
// Usage: npx tsx bench/split.ts [rounds=3]   (needs a build: node dist/bin.js)
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { mochaBin } from '../src/testrun/argv.js';

const ROUNDS = Number(process.argv[2] ?? 3);
const UBER = process.env.UBER_BIN ?? path.join(path.resolve(fileURLToPath(new URL('..', import.meta.url))), 'dist', 'bin.js'); // UBER_BIN: another build
const JOBS = 4;
const TEST_MS = 250;
// one file of 16 tests (4 s) and 8 files of 2 tests (0.5 s each): total 8 s, fair share 2 s, the big file 2x that
const SUITE: Record<string, number> = { 'big.spec.mjs': 16 };
for (let i = 1; i <= 8; i++) SUITE[`small-${i}.spec.mjs`] = 2;

const dir = mkdtempSync(path.join(os.tmpdir(), 'uber-bench-split-'));
const log = path.join(dir, 'spans.jsonl');
mkdirSync(path.join(dir, 'test'));
for (const [file, n] of Object.entries(SUITE)) {
  writeFileSync(
    path.join(dir, 'test', file),
    `import { appendFileSync } from 'node:fs';\nconst sleep = (ms) => new Promise((r) => setTimeout(r, ms));\n` +
      `describe(${JSON.stringify(file)}, () => {\n  before(() => sleep(20));\n` +
      Array.from({ length: n }, (_, t) => `  it('t${t}', async () => { const s = Date.now(); await sleep(${TEST_MS}); appendFileSync(${JSON.stringify(log)}, JSON.stringify({ s, e: Date.now() }) + '\\n'); });`).join('\n') +
      '\n});\n',
  );
}
const profiles = Array.from({ length: JOBS }, (_, i) => `p${i + 1}`);
writeFileSync(path.join(dir, 'aws'), profiles.map((p) => `[profile ${p}]\nregion = us-east-1\n`).join(''));
writeFileSync(path.join(dir, 'uber.config.yaml'), `profiles: [${profiles.join(', ')}]\ntest:\n  spec: ["test/*.spec.mjs"]\n`);
const env = { PATH: process.env.PATH, HOME: dir, CI: '1', AWS_CONFIG_FILE: path.join(dir, 'aws'), AWS_SHARED_CREDENTIALS_FILE: path.join(dir, 'none') };
const tests = Object.values(SUITE).reduce((a, b) => a + b, 0);

function measure(argv: string[]): { wall: number; span: number } {
  writeFileSync(log, '');
  const t = performance.now();
  const r = spawnSync(process.execPath, argv, { cwd: dir, env, stdio: ['ignore', 'ignore', 'pipe'], timeout: 300_000 });
  const wall = performance.now() - t;
  const spans = readFileSync(log, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { s: number; e: number });
  if (r.status !== 0 || spans.length !== tests) throw new Error(`${path.basename(argv[0]!)} failed (${r.status}, ${spans.length}/${tests} tests): ${r.stderr.toString().slice(-2000)}`);
  return { wall, span: Math.max(...spans.map((x) => x.e)) - Math.min(...spans.map((x) => x.s)) };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const sec = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;

const plainArgv = [mochaBin(), '--parallel', '--jobs', String(JOBS), '--reporter', 'dot', 'test/*.spec.mjs'];
const uberArgv = [UBER, 'test', '--reporter', 'dot'];
const rows = { plain: [] as { wall: number; span: number }[], first: [] as { wall: number; span: number }[], second: [] as { wall: number; span: number }[] };
try {
  for (let i = 0; i < ROUNDS; i++) {
    rows.plain.push(measure(plainArgv));
    rmSync(path.join(dir, '.uber'), { recursive: true, force: true });
    rows.first.push(measure(uberArgv));
    rows.second.push(measure(uberArgv));
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
const bound = Math.max(TEST_MS, (tests * TEST_MS) / JOBS);
const plainWall = median(rows.plain.map((r) => r.wall));
console.log(`${Object.keys(SUITE).length} files, ${tests} tests of ${TEST_MS} ms, ${JOBS} workers; longest file ${sec(16 * TEST_MS)} = 2x the fair share; test-level lower bound ${sec(bound)}; ${ROUNDS} interleaved rounds, medians`);
for (const [name, rs] of [['plain mocha --parallel --jobs 4', rows.plain], ['uber test, 1st run (no history)', rows.first], ['uber test, 2nd run (big file split)', rows.second]] as const) {
  const wall = median(rs.map((r) => r.wall));
  const span = median(rs.map((r) => r.span));
  console.log(`${name.padEnd(38)} wall ${sec(wall)} (x${(wall / plainWall).toFixed(2)} of plain)  makespan ${sec(span)} (x${(span / bound).toFixed(2)} of bound)`);
}
console.log(`load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
