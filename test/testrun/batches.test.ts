// Short files in batches: the plan (which files, how many to a batch), and real `uber test` runs whose spec files
// keep a journal of every test and hook they ran.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findOverlaps, readAudit } from '../../src/lease/audit.js';
import { readTestRun } from '../../src/report/run.js';
import { BATCH_FILES, BATCH_MS, planUnits, type RunItem, type SplitOptions } from '../../src/testrun/units.js';
import { writeTimings, type Timings } from '../../src/timings/timings.js';
import { runCli } from '../support/run-cli.js';

const timings = (files: Record<string, number>): Timings => ({ version: 1, updatedAt: '', files: Object.fromEntries(Object.entries(files).map(([f, ms]) => [f, { ms, tests: {} }])) });
const names = (n: number, prefix = 's'): string[] => Array.from({ length: n }, (_, i) => `test/${prefix}${String(i).padStart(2, '0')}.spec.mjs`);
const batches = (items: readonly RunItem[]): (readonly string[])[] => items.flatMap((i) => (i.batch ? [i.batch] : []));

describe('testrun/units: batches in the plan', () => {
  const o: SplitOptions = { jobs: 3, scope: 'test', noSplit: new Set(), batch: true };
  // one long file makes the fair share (2720 / 3 ≈ 907 ms) large enough for batches of five 40 ms files
  const small = names(18);
  const files = ['test/long.spec.mjs', ...small];
  const t = timings({ 'test/long.spec.mjs': 2000, ...Object.fromEntries(small.map((f) => [f, 40])) });

  it('groups short files with history into batches under min(fair / 4, 250 ms), longest first, every file once', () => {
    const items = planUnits(files, t, o);
    const b = batches(items);
    assert.ok(b.length >= 3, JSON.stringify(items));
    for (const x of b) assert.ok(x.length >= 2 && x.length <= BATCH_FILES && x.length * 40 <= Math.min(2720 / 3 / 4, BATCH_MS), x.join());
    assert.deepEqual(items.flatMap((i) => i.batch ?? [i.file]).sort(), [...files].sort());
    assert.equal(items[0]?.file, 'test/long.spec.mjs');
    assert.ok(items.every((i, n) => n === 0 || items[n - 1]!.estimateMs >= i.estimateMs), 'longest expected first');
  });

  it('never batches --lease-scope file, test.noSplit files, files over 50 ms or without history beside known ones, few files per worker, one worker or a queue', () => {
    assert.deepEqual(batches(planUnits(files, t, { ...o, scope: 'file' })), []);
    assert.deepEqual(batches(planUnits(files, t, { ...o, batch: false })), []); // --queue, or mocha run serially
    assert.deepEqual(batches(planUnits(files, t, { ...o, jobs: 1 })), []);
    assert.deepEqual(batches(planUnits(files.slice(0, 12), t, o)), []); // 4 files per worker
    const noSplit = new Set(small.slice(0, 4));
    assert.ok(batches(planUnits(files, t, { ...o, noSplit })).every((x) => x.every((f) => !noSplit.has(f))));
    // files of 80 ms: mocha's cost per file is a small share of them, they run alone even where a batch would fit
    const longer = timings({ 'test/long.spec.mjs': 9000, ...Object.fromEntries(small.map((f) => [f, 80])) });
    assert.deepEqual(batches(planUnits(files, longer, o)), []);
    const fresh = [...files, 'test/new.spec.mjs'];
    assert.ok(batches(planUnits(fresh, t, o)).every((x) => !x.includes('test/new.spec.mjs')));
  });

  it('without any history, batches by size, at most 1/8 of a worker’s files to a batch', () => {
    const many = names(48);
    const items = planUnits(many, undefined, { ...o, sizeOf: () => 100 });
    const b = batches(items);
    assert.ok(b.length > 0 && b.every((x) => x.length === 2), JSON.stringify(b)); // 48 / (3 × 8)
    assert.deepEqual(batches(planUnits(names(20), undefined, { ...o, sizeOf: () => 100 })), []); // 20 / 24 < 2
  });
});

describe('testrun/units: real runs of batched files', function () {
  this.timeout(240_000);
  let dir: string;
  let env: NodeJS.ProcessEnv;
  const small = names(18);
  const history = timings({ 'test/long.spec.mjs': 2000, ...Object.fromEntries(small.map((f) => [f, 40])) });
  const journal = (): string[] => readFileSync(path.join(dir, 'journal.txt'), 'utf8').split('\n').filter(Boolean);
  const count = (lines: string[], what: string): number => lines.filter((l) => l === what).length;
  const testsOf = (f: string): string[] => [`${f} root test`, `${f} a`, `${f} b`];

  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'uber-batches-'));
    mkdirSync(path.join(dir, 'test'));
    const log = JSON.stringify(path.join(dir, 'journal.txt'));
    // each file: root-level hooks and a root-level test beside a describe; every test and hook appends a line
    for (const f of small) {
      const name = path.basename(f, '.spec.mjs');
      writeFileSync(
        path.join(dir, f),
        `import { appendFileSync, existsSync, writeFileSync } from 'node:fs';
const j = (s) => appendFileSync(${log}, s + '\\n');
before(() => j('${name} before'));
after(() => j('${name} after'));
beforeEach(function () { j('${name} beforeEach for ' + this.currentTest.file.split('/').pop().replace('.spec.mjs', '') + ' ' + this.currentTest.fullTitle()); });
it('root test', () => j('${name} root test'));
describe('${name}', function () {
  it('a', () => {
    if ('${name}' === process.env.CRASH_IN && !existsSync(process.env.CRASH_ONCE)) { writeFileSync(process.env.CRASH_ONCE, ''); process.exit(3); }
    j('${name} a');
  });
  it('b', () => j('${name} b'));
});
`,
      );
    }
    writeFileSync(path.join(dir, 'test', 'long.spec.mjs'), `import { appendFileSync } from 'node:fs';\ndescribe('long', () => { it('x', () => appendFileSync(${log}, 'long x\\n')); });\n`);
    writeFileSync(path.join(dir, 'aws'), ['p1', 'p2', 'p3'].map((p) => `[profile ${p}]\nregion = us-east-1\n`).join(''));
    writeFileSync(path.join(dir, 'uber.config.yaml'), 'profiles: [p1, p2, p3]\ntest:\n  spec: ["test/*.spec.mjs"]\n');
    writeTimings(path.join(dir, '.uber', 'timings.json'), history);
    env = { PATH: process.env.PATH, HOME: dir, AWS_CONFIG_FILE: path.join(dir, 'aws'), AWS_SHARED_CREDENTIALS_FILE: path.join(dir, 'none') };
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const run = async (args: string[] = [], extraEnv: NodeJS.ProcessEnv = {}): Promise<{ code: number; err: string }> => {
    writeFileSync(path.join(dir, 'journal.txt'), '');
    writeTimings(path.join(dir, '.uber', 'timings.json'), history); // every run plans from the same history
    // 3 workers as the tests' plans assume (without --jobs, this quick suite would get fewer: src/testrun/workers.ts)
    const r = await runCli(['test', '--jobs', '3', '--reporter', 'dot', ...args], dir, { ...env, ...extraEnv });
    return { code: r.code, err: r.err };
  };
  const record = (): NonNullable<ReturnType<typeof readTestRun>> => readTestRun(path.join(dir, '.uber', 'reports', 'tests.json'))!;
  const junit = (): string => readFileSync(path.join(dir, '.uber', 'reports', 'junit.xml'), 'utf8');
  /** How many spec files (generated ones included) mocha was given on its first attempt. */
  const mochaArgs = (): number | undefined => record().mocha?.[0]?.files;

  it('runs every test once, each root-level hook for its own file only; tests.json and JUnit count as an unbatched run, with real paths', async () => {
    const batched = await run();
    assert.equal(batched.code, 0, batched.err);
    assert.match(batched.err, /55 tests in 19 files .* no overlap/);
    assert.ok((mochaArgs() ?? 19) < 19, `mocha was given ${mochaArgs()} files for 19`);
    const lines = journal();
    for (const f of small.map((x) => path.basename(x, '.spec.mjs'))) {
      for (const t of testsOf(f)) assert.equal(count(lines, t), 1, `${t} ran ${count(lines, t)} times`);
      for (const h of [`${f} before`, `${f} after`]) assert.equal(count(lines, h), 1, h);
      const each = lines.filter((l) => l.startsWith(`${f} beforeEach`));
      // titles as if the file ran alone: no batch suite in the full title
      assert.deepEqual(each.sort(), [`${f} beforeEach for ${f} ${f} a`, `${f} beforeEach for ${f} ${f} b`, `${f} beforeEach for ${f} root test`].sort());
    }
    assert.equal(count(lines, 'long x'), 1);
    const rec = record();
    assert.equal(rec.files.length, 19);
    assert.ok(rec.files.every((f) => f.state === 'passed' && f.attempts === 1 && !f.file.includes('uber-run-')));
    assert.ok(rec.tests.every((t) => !t.file.includes('uber-run-') && !t.fullTitle.startsWith(' ')));
    const batchedJunit = junit();
    assert.doesNotMatch(batchedJunit, /uber-run-|files\.mjs/);
    assert.match(batchedJunit, /<testsuite name="test\/s00.spec.mjs" file="test\/s00.spec.mjs" tests="3" failures="0"/);
    assert.deepEqual(findOverlaps(readAudit(path.join(dir, '.uber', 'leases', 'audit.jsonl'))), []);

    // the same suite with --lease-scope file: never batched, the same counts
    const whole = await run(['--lease-scope', 'file']);
    assert.equal(whole.code, 0, whole.err);
    assert.equal(mochaArgs(), 19);
    assert.equal(record().tests.length, rec.tests.length);
    assert.equal(junit().match(/<testcase /g)?.length, batchedJunit.match(/<testcase /g)?.length);
    const again = journal();
    for (const f of small.map((x) => path.basename(x, '.spec.mjs'))) for (const t of testsOf(f)) assert.equal(count(again, t), 1, t);
  });

  it('never batches test.noSplit files; a file that fails to load fails alone; --grep keeps its meaning', async () => {
    writeFileSync(path.join(dir, 'uber.config.yaml'), 'profiles: [p1, p2, p3]\ntest:\n  spec: ["test/*.spec.mjs"]\n  noSplit: ["test/s*.spec.mjs"]\n');
    const alone = await run();
    assert.equal(alone.code, 0, alone.err);
    assert.equal(mochaArgs(), 19);

    writeFileSync(path.join(dir, 'uber.config.yaml'), 'profiles: [p1, p2, p3]\ntest:\n  spec: ["test/*.spec.mjs"]\n');
    writeFileSync(path.join(dir, 'test', 's03.spec.mjs'), `describe('s03', () => { it('a', () => {}); });\nthrow new Error('s03 cannot load');\n`);
    const broken = await run();
    assert.equal(broken.code, 1);
    assert.match(broken.err, /test\/s03\.spec\.mjs failed to load:\n\s+Error: s03 cannot load/);
    assert.doesNotMatch(broken.err, /crashed/);
    const rec = record();
    assert.deepEqual(rec.files.filter((f) => f.state !== 'passed').map((f) => `${f.file} ${f.state}`), ['test/s03.spec.mjs load-failed']);
    assert.equal(rec.tests.filter((t) => t.file === 'test/s03.spec.mjs').length, 0, 'what it registered before throwing did not run');
    assert.equal(journal().length, 17 * (3 + 3 + 2) + 1); // 17 files × (3 tests, 3 beforeEach, before, after) + long

    // only s1x's "a" tests match: the other files of their batches ran no test and passed, none re-ran
    const grep = await run(['--', '--grep', '^s1\\d a$']);
    assert.equal(grep.code, 1, grep.err); // s03 still fails to load
    assert.doesNotMatch(grep.err, /crashed|re-running/);
    assert.deepEqual(journal().filter((l) => /^s\d\d (a|b|root test)$/.test(l)).sort(), small.slice(10).map((f) => `${path.basename(f, '.spec.mjs')} a`));
    assert.deepEqual(record().files.filter((f) => f.state !== 'passed').map((f) => f.file), ['test/s03.spec.mjs']);
  });

  it('this.retries() in a batched file retries that test as mocha does', async () => {
    const plan = planUnits(['test/long.spec.mjs', ...small], history, { jobs: 3, scope: 'test', noSplit: new Set(), batch: true });
    const flaky = batches(plan)[0]![1]!;
    const log = JSON.stringify(path.join(dir, 'journal.txt'));
    writeFileSync(
      path.join(dir, flaky),
      `import { appendFileSync, readFileSync } from 'node:fs';\ndescribe('flaky', function () {\n  this.retries(2);\n  it('passes on its third try', () => {\n    appendFileSync(${log}, 'try\\n');\n    if (readFileSync(${log}, 'utf8').split('try').length < 4) throw new Error('not yet');\n  });\n});\n`,
    );
    const r = await run();
    assert.equal(r.code, 0, r.err);
    assert.equal(count(journal(), 'try'), 3);
    assert.equal(record().tests.find((t) => t.file === flaky)?.state, 'passed');
  });

  it('--bail: the files of a batch after a failing one are not run, none crashed', async () => {
    const plan = planUnits(['test/long.spec.mjs', ...small], history, { jobs: 3, scope: 'test', noSplit: new Set(), batch: true });
    const batch = batches(plan).find((b) => b.length >= 3)!;
    writeFileSync(path.join(dir, batch[0]!), `describe('fails', () => { it('at once', () => { throw new Error('boom'); }); });\n`);
    const r = await run(['--', '--bail']);
    assert.equal(r.code, 1);
    assert.doesNotMatch(r.err, /crashed|re-running/);
    const files = record().files;
    assert.equal(files.find((f) => f.file === batch[0])?.state, 'failed');
    for (const f of batch.slice(1)) assert.equal(files.find((x) => x.file === f)?.state, 'bail', f);
  });

  it("re-runs only the crashed batch's unfinished files; the rest keep their first result", async () => {
    const plan = planUnits(['test/long.spec.mjs', ...small], history, { jobs: 3, scope: 'test', noSplit: new Set(), batch: true });
    const batch = batches(plan).find((b) => b.length >= 3)!;
    const victim = batch[1]!; // the second file of a batch: the first ends before the crash
    const marker = path.join(dir, 'crashed-once');
    const r = await run([], { CRASH_IN: path.basename(victim, '.spec.mjs'), CRASH_ONCE: marker });
    assert.equal(r.code, 0, r.err);
    assert.ok(existsSync(marker));
    assert.match(r.err, /re-running \d+ crashed files? on a fresh worker/);
    const lines = journal();
    const crashed = path.basename(victim, '.spec.mjs');
    for (const f of small.map((x) => path.basename(x, '.spec.mjs'))) {
      // the crashed file runs again whole, as a crashed file does: its root test, run before the crash, runs twice
      for (const t of testsOf(f)) assert.equal(count(lines, t), t === `${crashed} root test` ? 2 : 1, `${t} ran ${count(lines, t)} times`);
    }
    const rerun = record().files.filter((f) => f.attempts === 2).map((f) => f.file);
    assert.ok(rerun.includes(victim), rerun.join());
    assert.ok(!rerun.includes(batch[0]!), 'the file that finished before the crash did not run again');
    assert.ok(rerun.every((f) => batch.includes(f)), `re-ran ${rerun.join()} of the batch ${batch.join()}`);
    assert.ok(record().files.every((f) => f.state === 'passed'));
    assert.deepEqual(findOverlaps(readAudit(path.join(dir, '.uber', 'leases', 'audit.jsonl'))), []);
  });
});
