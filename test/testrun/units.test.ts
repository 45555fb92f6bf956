// Straggler files split into units: the plan (which files, how many units), the partition of a file's tests, and
// real `uber test` runs whose spec files keep a journal of every test and hook they ran.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { partition } from '../../src/mocha/unit.js';
import { readTestRun } from '../../src/report/run.js';
import type { FileResult } from '../../src/testrun/results.js';
import { mergeUnits, planUnits, unitCount } from '../../src/testrun/units.js';
import { writeTimings, type Timings } from '../../src/timings/timings.js';
import { runCli } from '../support/run-cli.js';

const timings = (files: Record<string, { ms: number; tests?: Record<string, number> }>): Timings => ({
  version: 1,
  updatedAt: '',
  files: Object.fromEntries(Object.entries(files).map(([f, t]) => [f, { ms: t.ms, tests: t.tests ?? {} }])),
});
const sixTests = { 'big t0': 500, 'big t1': 500, 'big t2': 500, 'big t3': 500, 'big t4': 500, 'big t5': 500 };

describe('testrun/units: the plan', () => {
  it('splits a file longer than the fair share into the fewest units that fit it, at most one per worker and test', () => {
    assert.equal(unitCount(3000, [500, 500, 500, 500, 500, 500], 1100, 3), 3);
    assert.equal(unitCount(3000, [1500, 1500], 1100, 4), 2); // only two tests
    assert.equal(unitCount(900, [300, 300, 300], 1100, 3), 1); // fits already
    assert.equal(unitCount(3000, [3000], 1100, 3), 1); // one test cannot be shared
    assert.equal(unitCount(3000, [100, 100], 1100, 3), 1); // all in hooks: a second unit would only repeat them
  });

  it('queues units and whole files longest first; never splits --lease-scope file, test.noSplit or a file without history', () => {
    const t = timings({ 'big.spec.js': { ms: 3000, tests: sixTests }, 'a.spec.js': { ms: 200 }, 'b.spec.js': { ms: 100 } });
    const files = ['big.spec.js', 'a.spec.js', 'b.spec.js', 'new.spec.js'];
    const items = planUnits(files, t, { jobs: 3, scope: 'test', noSplit: new Set() });
    assert.deepEqual(
      items.map((i) => `${i.file}${i.unit ? ` ${i.unit.index + 1}/${i.unit.count}` : ''}`),
      ['big.spec.js 1/3', 'big.spec.js 2/3', 'big.spec.js 3/3', 'a.spec.js', 'new.spec.js', 'b.spec.js'], // new: the median of known files
    );
    assert.deepEqual(items[0]?.weights, sixTests);
    for (const o of [{ scope: 'file' as const, noSplit: new Set<string>() }, { scope: 'test' as const, noSplit: new Set(['big.spec.js']) }]) {
      assert.deepEqual(planUnits(files, t, { jobs: 3, ...o }).filter((i) => i.unit).length, 0);
    }
  });

  it('partitions tests in file order into contiguous, disjoint units that cover them all, by weight', () => {
    const titles = ['a', 'b', 'c', 'd', 'e', 'f'];
    assert.deepEqual(partition(titles, 3, {}), [0, 0, 1, 1, 2, 2]);
    assert.deepEqual(partition(titles, 2, { a: 900, b: 100, c: 100, d: 100, e: 100, f: 100 }), [0, 1, 1, 1, 1, 1]);
    assert.deepEqual(partition(['x'], 3, {}), [1]); // more units than tests: the others get none
  });

  it('puts a split file back together for JUnit and timings: its tests, its time as if run whole', () => {
    const part = (unit: string | undefined, start: number, end: number, titles: string[], state: FileResult['record']['state'] = 'passed', file = 'big.spec.js'): FileResult => ({
      record: { file, ...(unit ? { unit } : {}), pid: 1, start, end, state, attempts: 1 },
      tests: titles.map((title) => ({ file, title, fullTitle: title, state: 'passed', profile: 'p', leaseId: 'l', pid: 1, start, end, durationMs: 100, leaseWaitMs: 0 })),
    });
    const merged = mergeUnits([part('1/2', 0, 250, ['a', 'b']), part(undefined, 5, 6, ['z'], 'passed', 'z.spec.js'), part('2/2', 10, 260, ['c', 'd'], 'failed')]);
    assert.deepEqual(
      merged.map((m) => [m.record.file, m.tests.length, m.record.state, m.record.end - m.record.start]),
      [
        ['big.spec.js', 4, 'failed', 450], // 4 × 100 ms of tests + 50 ms of hooks, once
        ['z.spec.js', 1, 'passed', 1],
      ],
    );
  });
});

describe('testrun/units: real runs of a split file', function () {
  this.timeout(240_000);
  let dir: string;
  let env: NodeJS.ProcessEnv;
  const journal = (): string[] => readFileSync(path.join(dir, 'journal.txt'), 'utf8').split('\n').filter(Boolean);
  const count = (lines: string[], what: string): number => lines.filter((l) => l === what).length;

  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'uber-units-'));
    mkdirSync(path.join(dir, 'test'));
    const log = JSON.stringify(path.join(dir, 'journal.txt'));
    // the journal is the spec files' own: every test and hook appends a line when it runs
    writeFileSync(
      path.join(dir, 'test', 'big.spec.mjs'),
      `import { appendFileSync, existsSync, writeFileSync } from 'node:fs';
const j = (s) => appendFileSync(${log}, s + '\\n');
before(() => j('root before'));
describe('big', function () {
  before(() => j('big before'));
  after(() => j('big after'));
  for (let i = 0; i < 6; i++) it('t' + i, () => {
    if (i === 2 && process.env.CRASH_ONCE && !existsSync(process.env.CRASH_ONCE)) { writeFileSync(process.env.CRASH_ONCE, ''); process.exit(3); }
    j('big t' + i);
  });
});
`,
    );
    for (const s of ['s1', 's2']) writeFileSync(path.join(dir, 'test', `${s}.spec.mjs`), `import { appendFileSync } from 'node:fs';\ndescribe('${s}', () => { it('x', () => appendFileSync(${log}, '${s} x\\n')); });\n`);
    writeFileSync(path.join(dir, 'aws'), ['p1', 'p2', 'p3'].map((p) => `[profile ${p}]\nregion = us-east-1\n`).join(''));
    writeFileSync(path.join(dir, 'uber.config.yaml'), 'profiles: [p1, p2, p3]\ntest:\n  spec: ["test/*.spec.mjs"]\n');
    // history that makes big.spec.mjs 3 units of 2 tests: 3 s of 3.2 s in all, fair share 1.07 s on 3 workers
    writeTimings(path.join(dir, '.uber', 'timings.json'), timings({ 'test/big.spec.mjs': { ms: 3000, tests: sixTests }, 'test/s1.spec.mjs': { ms: 100 }, 'test/s2.spec.mjs': { ms: 100 } }));
    env = { PATH: process.env.PATH, HOME: dir, AWS_CONFIG_FILE: path.join(dir, 'aws'), AWS_SHARED_CREDENTIALS_FILE: path.join(dir, 'none') };
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const run = async (extraEnv: NodeJS.ProcessEnv = {}, args: string[] = []): Promise<{ code: number; err: string }> => {
    const r = await runCli(['test', '--reporter', 'dot', ...args], dir, { ...env, ...extraEnv });
    return { code: r.code, err: r.err };
  };
  const tests = ['big t0', 'big t1', 'big t2', 'big t3', 'big t4', 'big t5', 's1 x', 's2 x'];

  it('runs every test exactly once and the hooks once per unit; tests.json and JUnit count as an unsplit run, with the real path', async () => {
    const split = await run();
    assert.equal(split.code, 0, split.err);
    assert.match(split.err, /8 tests in 3 files .* no overlap/);
    const lines = journal();
    for (const t of tests) assert.equal(count(lines, t), 1, `${t} ran ${count(lines, t)} times`);
    for (const h of ['root before', 'big before', 'big after']) assert.equal(count(lines, h), 3, h);
    const record = readTestRun(path.join(dir, '.uber', 'reports', 'tests.json'))!;
    assert.deepEqual(record.files.filter((f) => f.file === 'test/big.spec.mjs').map((f) => f.unit), ['1/3', '2/3', '3/3']);
    assert.equal(new Set(record.files.filter((f) => f.unit).map((f) => f.pid)).size > 1, true, 'units ran on more than one worker');
    const junit = readFileSync(path.join(dir, '.uber', 'reports', 'junit.xml'), 'utf8');
    assert.match(junit, /<testsuite name="test\/big.spec.mjs" file="test\/big.spec.mjs" tests="6" failures="0"/);
    assert.doesNotMatch(junit, /uber-run-|of3\.mjs/);

    // the same suite with the file marked never-split: one whole file, its hooks once, the same counts
    writeFileSync(path.join(dir, 'uber.config.yaml'), 'profiles: [p1, p2, p3]\ntest:\n  spec: ["test/*.spec.mjs"]\n  noSplit: ["test/big*.mjs"]\n');
    writeFileSync(path.join(dir, 'journal.txt'), '');
    const whole = await run();
    assert.equal(whole.code, 0, whole.err);
    const again = journal();
    for (const t of tests) assert.equal(count(again, t), 1, t);
    for (const h of ['root before', 'big before', 'big after']) assert.equal(count(again, h), 1, h);
    const wholeRecord = readTestRun(path.join(dir, '.uber', 'reports', 'tests.json'))!;
    assert.deepEqual(wholeRecord.files.filter((f) => f.file === 'test/big.spec.mjs').map((f) => f.unit), [undefined]);
    assert.equal(wholeRecord.tests.length, record.tests.length);
    assert.equal(readFileSync(path.join(dir, '.uber', 'reports', 'junit.xml'), 'utf8').match(/<testcase /g)?.length, junit.match(/<testcase /g)?.length);
  });

  it("re-runs only the unit whose worker crashed; --grep keeps mocha's meaning across units", async () => {
    const marker = path.join(dir, 'crashed-once');
    const r = await run({ CRASH_ONCE: marker });
    assert.equal(r.code, 0, r.err);
    assert.ok(existsSync(marker));
    assert.match(r.err, /re-running 1 crashed file/);
    const lines = journal();
    for (const t of tests) assert.equal(count(lines, t), 1, `${t} ran ${count(lines, t)} times`);
    assert.equal(count(lines, 'root before'), 4); // 3 units, and the crashed one again
    const record = readTestRun(path.join(dir, '.uber', 'reports', 'tests.json'))!;
    assert.deepEqual(record.files.filter((f) => f.unit).map((f) => `${f.unit} ${f.attempts}`), ['1/3 1', '2/3 2', '3/3 1']);

    writeFileSync(path.join(dir, 'journal.txt'), '');
    writeTimings(path.join(dir, '.uber', 'timings.json'), timings({ 'test/big.spec.mjs': { ms: 3000, tests: sixTests }, 'test/s1.spec.mjs': { ms: 100 }, 'test/s2.spec.mjs': { ms: 100 } }));
    const grep = await run({}, ['--', '--grep', 't[2-5]$']);
    assert.equal(grep.code, 0, grep.err);
    assert.deepEqual(journal().filter((l) => l.startsWith('big t')).sort(), ['big t2', 'big t3', 'big t4', 'big t5']);
    assert.equal(readTestRun(path.join(dir, '.uber', 'reports', 'tests.json'))!.files.filter((f) => f.unit).length, 3);
  });
});
