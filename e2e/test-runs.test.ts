// `uber test` never reports a run green that did not run (.only, --bail, load errors); runs at once keep their own records; history stays bounded.
import assert from 'node:assert/strict';
import { appendFileSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readAuditAll } from '../src/lease/audit.js';
import type { TestRun } from '../src/report/run.js';
import type { RunSummary } from '../src/run/finish.js';
import { ROOT, runUber, startUber } from './support/uber.js';

const SUITES = path.join(ROOT, 'test', 'fixtures', 'suites');

describe('uber test: separate runs, honest outcomes (built binary)', function () {
  this.timeout(300_000);
  let root: string;
  let env: NodeJS.ProcessEnv;

  before(() => {
    root = mkdtempSync(path.join(os.tmpdir(), 'uber-e2e-runs-'));
    writeFileSync(path.join(root, 'config'), ['p-1', 'p-2', 'p-3'].map((p) => `[profile ${p}]\nregion = eu-west-1\n`).join('\n'));
    env = { PATH: process.env.PATH, HOME: root, AWS_CONFIG_FILE: path.join(root, 'config'), AWS_SHARED_CREDENTIALS_FILE: path.join(root, 'credentials') };
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  function project(name: string, files: Record<string, string>, extraConfig = ''): string {
    const dir = path.join(root, name);
    mkdirSync(path.join(dir, 'test'), { recursive: true });
    writeFileSync(path.join(dir, 'uber.config.yaml'), `profiles: [p-1, p-2, p-3]\ntest:\n  spec: ["test/*.spec.mjs"]\n${extraConfig}`);
    for (const [file, fixture] of Object.entries(files)) copyFileSync(path.join(SUITES, fixture), path.join(dir, 'test', file));
    return dir;
  }
  const record = (dir: string): TestRun => JSON.parse(readFileSync(path.join(dir, '.uber/reports/tests.json'), 'utf8')) as TestRun;
  const states = (run: TestRun): Record<string, string> => Object.fromEntries(run.files.map((f) => [f.file, `${f.state}/${f.attempts}`]));

  it('item 1: `.only` in a parallel run fails that file as mocha --parallel does; the others run; exit 1, never re-run alone', async () => {
    const dir = project('only', { 'a-only.spec.mjs': 'runs/only.spec.mjs', 'b.spec.mjs': 'crash/ok.spec.mjs', 'c.spec.mjs': 'crash/ok.spec.mjs' });
    const r = await runUber(['test', '--jobs', '2', '--reporter', 'dot'], { cwd: dir, env, timeoutMs: 280_000 });
    assert.equal(r.code, 1, r.stderr + r.stdout);
    assert.match(r.stderr, /test\/a-only\.spec\.mjs failed to load:\n.*`\.only` is not supported in parallel mode/);
    assert.doesNotMatch(r.stderr, /crashed|re-running/);
    const run = record(dir);
    assert.deepEqual(states(run), { 'test/a-only.spec.mjs': 'load-failed/1', 'test/b.spec.mjs': 'passed/1', 'test/c.spec.mjs': 'passed/1' });
    assert.equal(run.tests.filter((t) => t.file === 'test/a-only.spec.mjs').length, 0, 'the focused test never ran');
    assert.equal(run.tests.length, 6);
    assert.deepEqual(run.mocha, [{ attempt: 1, files: 3, reason: 'exit', exitCode: 1 }], 'one mocha, its end reason recorded; no re-run');
    assert.match(readFileSync(path.join(dir, '.uber/reports/junit.xml'), 'utf8'), /name="file failed to load" file="test\/a-only\.spec\.mjs"[^>]*>\n\s*<failure message="Error: `\.only` is not supported in parallel mode"/);
  });

  it('item 1: with --jobs 1 (mocha runs serially) `.only` is refused too: the others still run, exit 1', async () => {
    const dir = project('only-serial', { 'a-only.spec.mjs': 'runs/only.spec.mjs', 'b.spec.mjs': 'crash/ok.spec.mjs', 'c.spec.mjs': 'crash/ok.spec.mjs' });
    const r = await runUber(['test', '--jobs', '1', '--reporter', 'dot'], { cwd: dir, env, timeoutMs: 280_000 });
    assert.equal(r.code, 1, r.stderr + r.stdout);
    assert.match(r.stderr, /test\/a-only\.spec\.mjs failed to load:\n.*`\.only` forbidden/);
    assert.doesNotMatch(r.stderr, /crashed/);
    const run = record(dir);
    assert.equal(run.files.find((f) => f.file === 'test/a-only.spec.mjs')?.state, 'load-failed');
    assert.deepEqual(run.files.filter((f) => f.file !== 'test/a-only.spec.mjs').map((f) => f.state), ['passed', 'passed']);
    assert.equal(run.tests.length, 6, 'the other files ran; the focused test did not');
  });

  it('items 2 + 3: a spec that throws while loading is "failed to load" with its error, not a crash, not re-run; damaged timings: one warning', async () => {
    const dir = project('load', { 'a-broken.spec.mjs': 'runs/load-error.spec.mjs', 'b.spec.mjs': 'crash/ok.spec.mjs' });
    mkdirSync(path.join(dir, '.uber'));
    writeFileSync(path.join(dir, '.uber/timings.json'), '{"version":1,"files":{"test/b.spec.mjs":{"ms":1'); // item 3: a damaged cache
    const r = await runUber(['test', '--jobs', '2', '--reporter', 'dot'], { cwd: dir, env, timeoutMs: 280_000 });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /test\/a-broken\.spec\.mjs failed to load:\n\s*Error: cannot load me: the fixture throws at load time/);
    assert.doesNotMatch(r.stderr, /crashed|re-running/);
    assert.deepEqual(states(record(dir)), { 'test/a-broken.spec.mjs': 'load-failed/1', 'test/b.spec.mjs': 'passed/1' });
    assert.match(r.stderr, /1 file failed to load/);
    assert.equal(r.stderr.match(/uber: ignoring .*timings\.json: it is damaged/g)?.length, 1, 'one warning for the damaged timings');
    assert.ok(JSON.parse(readFileSync(path.join(dir, '.uber/timings.json'), 'utf8')), 'and the run rewrote it');
  });

  it('item 2: `-- --bail`: the files bail skipped are "not run (bail)", not crashed, not re-run, never passed', async () => {
    const slow = Object.fromEntries(['b', 'c', 'd', 'e', 'f'].map((n) => [`${n}-slow.spec.mjs`, 'runs/slow.spec.mjs']));
    const dir = project('bail', { 'a-fails.spec.mjs': 'runs/fails.spec.mjs', ...slow });
    // history puts the failing file first (longest first; below the fair share, so it runs whole): bail then stops the rest
    const files = { 'test/a-fails.spec.mjs': { ms: 3000, tests: {} }, ...Object.fromEntries(Object.keys(slow).map((f) => [`test/${f}`, { ms: 1000, tests: {} }])) };
    mkdirSync(path.join(dir, '.uber'), { recursive: true });
    writeFileSync(path.join(dir, '.uber/timings.json'), JSON.stringify({ version: 1, updatedAt: '', files }));
    const r = await runUber(['test', '--jobs', '2', '--reporter', 'dot', '--', '--bail'], { cwd: dir, env, timeoutMs: 280_000 });
    assert.equal(r.code, 1, r.stderr);
    assert.doesNotMatch(r.stderr, /crashed|re-running/);
    const run = record(dir);
    assert.equal(run.files.find((f) => f.file === 'test/a-fails.spec.mjs')?.state, 'failed');
    const skipped = run.files.filter((f) => f.state === 'bail');
    assert.ok(skipped.length >= 2, `at least two slow files never started: ${JSON.stringify(states(run))}`);
    assert.ok(run.files.every((f) => f.attempts === 1 && ['passed', 'failed', 'bail'].includes(f.state)), JSON.stringify(states(run)));
    for (const f of skipped) assert.equal(run.tests.filter((t) => t.file === f.file && t.state === 'passed').length, 0, `${f.file} reported no passed test`);
    assert.match(r.stderr, new RegExp(`uber: ${skipped.length} files not run \\(bail\\): `));
    assert.match(readFileSync(path.join(dir, '.uber/reports/junit.xml'), 'utf8'), /name="file not run \(bail\)"[^>]*>\n\s*<skipped /);
  });

  it('item 8: two uber test at once keep their own run folders, records and lease counts; latest is the one that finished last', async () => {
    const files = { 'a1.spec.mjs': 'crash/ok.spec.mjs', 'a2.spec.mjs': 'crash/ok.spec.mjs', 'b1.spec.mjs': 'crash/ok.spec.mjs', 'b2.spec.mjs': 'crash/ok.spec.mjs', 'b3.spec.mjs': 'crash/ok.spec.mjs' };
    const dir = project('twice', files);
    const a = startUber(['test', '--jobs', '2', '--reporter', 'dot', 'test/a*.spec.mjs'], { cwd: dir, env, timeoutMs: 280_000 });
    const b = startUber(['test', '--jobs', '2', '--reporter', 'dot', 'test/b*.spec.mjs'], { cwd: dir, env, timeoutMs: 280_000 });
    const [ra, rb] = await Promise.all([a.done, b.done]);
    assert.equal(ra.code, 0, ra.stderr);
    assert.equal(rb.code, 0, rb.stderr);
    // each summary counts this run's leases only (3 tests a file)
    assert.match(ra.stderr, /6 tests in 2 files .*; 6 leases, no overlap/);
    assert.match(rb.stderr, /9 tests in 3 files .*; 9 leases, no overlap/);
    const runs = readdirSync(path.join(dir, '.uber/runs')).filter((n) => /-test-/.test(n));
    assert.equal(runs.length, 2);
    const byRun = runs.map((id) => {
      const run = JSON.parse(readFileSync(path.join(dir, '.uber/runs', id, 'reports/tests.json'), 'utf8')) as TestRun;
      const summary = JSON.parse(readFileSync(path.join(dir, '.uber/runs', id, 'summary.json'), 'utf8')) as RunSummary;
      const leases = readFileSync(path.join(dir, '.uber/runs', id, 'leases.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { run: string });
      assert.equal(run.id, id);
      assert.ok(leases.every((l) => l.run === id));
      assert.equal(leases.length, run.tests.length);
      assert.ok(existsSync(path.join(dir, '.uber/runs', id, 'reports/junit.xml')) && existsSync(path.join(dir, '.uber/runs', id, 'reports/waterfall.html')));
      return { id, files: run.files.map((f) => f.file).sort(), endedAt: summary.endedAt };
    });
    assert.deepEqual(byRun.map((x) => x.files).sort((x, y) => x.length - y.length), [['test/a1.spec.mjs', 'test/a2.spec.mjs'], ['test/b1.spec.mjs', 'test/b2.spec.mjs', 'test/b3.spec.mjs']]);
    const last = byRun.reduce((x, y) => (y.endedAt > x.endedAt ? y : x));
    const latest = JSON.parse(readFileSync(path.join(dir, '.uber/runs/latest-test.json'), 'utf8')) as { id: string };
    assert.equal(latest.id, last.id);
    assert.equal(record(dir).id, last.id, '.uber/reports/ holds the newest finished run');
    const report = await runUber(['report', '--tests', '--json'], { cwd: dir, env });
    assert.equal(report.code, 0, report.stderr);
    assert.equal((JSON.parse(report.stdout) as { tests: { record: string } }).tests.record, path.join(dir, '.uber/runs', last.id, 'reports/tests.json'));
  });

  /** 20,000 old lines (~4 MB) whose ends lie in the future (a reader that takes the whole log, or filters by time, counts them), then a torn line. */
  function oldAudit(dir: string): string {
    const audit = path.join(dir, '.uber/leases/audit.jsonl');
    mkdirSync(path.dirname(audit), { recursive: true });
    const future = Date.now() + 86_400_000;
    const old = Array.from({ length: 20_000 }, (_, i) => JSON.stringify({ leaseId: `old-${i}`, profile: `old-${i % 7}`, pid: 1, file: 'old.spec.js', test: `old ${i}`, start: future - 1000 + i, end: future + i, ended: 'released', host: 'old' }));
    writeFileSync(audit, `${old.join('\n')}\n`);
    appendFileSync(audit, '{"leaseId":"torn-by-a-crash","profile":"p-1","pi'); // a crash mid-write
    return audit;
  }

  it('items 4 + 10: with a large old audit ending in a torn line, the run counts only its own leases and its first line survives', async () => {
    const dir = project('old-audit', { 'a.spec.mjs': 'crash/ok.spec.mjs' });
    const audit = oldAudit(dir);
    const r = await runUber(['test', '--reporter', 'dot'], { cwd: dir, env, timeoutMs: 280_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /3 tests in 1 file .*; 3 leases, no overlap/);
    const all = readAuditAll(audit);
    assert.equal(all.torn, 1, 'only the torn line is skipped');
    assert.equal(all.records.length, 20_000 + 3, "the run's first lease was not swallowed by the torn line");
  });

  it('item 10: history is bounded: the audit rotates past history.auditMB, run folders past history.runs', async () => {
    const dir = project('history', { 'a.spec.mjs': 'crash/ok.spec.mjs' }, 'history:\n  auditMB: 1\n  auditFiles: 2\n  runs: 2\n  days: 36500\n');
    const audit = oldAudit(dir);
    const before = statSync(audit).size;
    const oldRuns = ['20200101T000000000Z-test-aaaaaa', '20200102T000000000Z-deploy-bbbbbb', '20200103T000000000Z-test-cccccc'];
    for (const id of oldRuns) {
      mkdirSync(path.join(dir, '.uber/runs', id), { recursive: true });
      writeFileSync(path.join(dir, '.uber/runs', id, 'summary.json'), '{}');
    }
    const r = await runUber(['test', '--reporter', 'dot'], { cwd: dir, env, timeoutMs: 280_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /3 leases, no overlap/);
    const rotated = readdirSync(path.dirname(audit)).filter((n) => /^audit-.*\.jsonl$/.test(n));
    assert.equal(rotated.length, 1);
    assert.ok(!existsSync(audit) || statSync(audit).size < before, 'the live log starts again small');
    const runId = (JSON.parse(readFileSync(path.join(dir, '.uber/runs/latest-test.json'), 'utf8')) as { id: string }).id;
    assert.equal(readAuditAll(path.join(path.dirname(audit), rotated[0]!)).records.filter((x) => x.run === runId).length, 3);
    assert.deepEqual(readdirSync(path.join(dir, '.uber/runs')).filter((n) => !n.endsWith('.json')).sort(), [oldRuns[2], runId].sort(), 'the newest two run folders are kept');
  });
});
