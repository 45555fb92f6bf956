// `uber test` through the built binary: 12×5 leased tests on 3 profiles, short files in batches, crashing workers, and bad input that runs nothing.
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findOverlaps, readAudit } from '../src/lease/audit.js';
import type { TestRun } from '../src/report/run.js';
import { processesWithEnv, ROOT, runUber } from './support/uber.js';

const SUITES = path.join(ROOT, 'test', 'fixtures', 'suites');

describe('uber test (built binary)', function () {
  this.timeout(300_000);
  let root: string;
  let env: NodeJS.ProcessEnv;

  before(() => {
    root = mkdtempSync(path.join(os.tmpdir(), 'uber-e2e-test-'));
    writeFileSync(path.join(root, 'config'), ['p-1', 'p-2', 'p-3'].map((p) => `[profile ${p}]\nregion = eu-west-1\n`).join('\n'));
    env = { PATH: process.env.PATH, HOME: root, AWS_CONFIG_FILE: path.join(root, 'config'), AWS_SHARED_CREDENTIALS_FILE: path.join(root, 'credentials'), SAMPLES_FILE: path.join(root, 'samples.jsonl') };
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  /** A project folder with uber.config.yaml and the given spec files (name → fixture path). */
  function project(name: string, files: Record<string, string>): string {
    const dir = path.join(root, name);
    mkdirSync(path.join(dir, 'test'), { recursive: true });
    writeFileSync(path.join(dir, 'uber.config.yaml'), 'profiles: [p-1, p-2, p-3]\ntest:\n  spec: ["test/*.spec.mjs"]\n');
    for (const [file, fixture] of Object.entries(files)) copyFileSync(path.join(SUITES, fixture), path.join(dir, 'test', file));
    return dir;
  }

  const locksLeft = (dir: string): string[] => readdirSync(path.join(dir, '.uber', 'leases')).filter((n) => n.includes('.lock'));

  it('12 files × 5 tests on 3 profiles, --jobs 6: all pass, no overlap, each test saw only its own lease', async () => {
    const files = Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`s${String(i + 1).padStart(2, '0')}.spec.mjs`, 'sampling/sample.spec.mjs']));
    const dir = project('twelve', files);
    const r = await runUber(['test', '--parallel', '--jobs', '6', '--reporter', 'dot'], { cwd: dir, env, timeoutMs: 280_000 });
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.match(r.stderr, /60 tests in 12 files on 3 profiles \(jobs 6\): 60 passed, 0 failed, 0 pending; 60 leases, no overlap/);

    const run = JSON.parse(readFileSync(path.join(dir, '.uber/reports/tests.json'), 'utf8')) as TestRun;
    assert.equal(run.jobs, 6);
    assert.deepEqual(run.profiles, ['p-1', 'p-2', 'p-3']);
    assert.equal(run.tests.length, 60);
    assert.ok(run.tests.every((t) => t.state === 'passed' && ['p-1', 'p-2', 'p-3'].includes(t.profile ?? '')));
    assert.deepEqual(new Set(run.files.map((f) => `${f.state}/${f.attempts}`)), new Set(['passed/1']));

    const audit = readAudit(path.join(dir, '.uber/leases/audit.jsonl'));
    assert.equal(audit.length, 60);
    assert.deepEqual(findOverlaps(audit), []);
    const byLease = new Map(audit.map((a) => [a.leaseId, a]));
    const samples = readFileSync(env.SAMPLES_FILE!, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { leaseId: string; profile: string; samples: number });
    assert.equal(samples.length, 60);
    for (const s of samples) {
      assert.equal(byLease.get(s.leaseId)?.profile, s.profile, 'AWS_PROFILE was the lease’s profile');
      assert.ok(s.samples > 0);
    }
    const junit = readFileSync(path.join(dir, '.uber/reports/junit.xml'), 'utf8');
    assert.equal(junit.match(/<testcase /g)?.length, 60);
    assert.equal(junit.match(/<property name="profile" value="p-\d"\/>/g)?.length, 60);
    const timings = JSON.parse(readFileSync(path.join(dir, '.uber/timings.json'), 'utf8')) as { files: Record<string, { tests: object }>; workerStartMs: number };
    assert.equal(Object.keys(timings.files).length, 12);
    assert.ok(timings.workerStartMs > 0 && timings.workerStartMs < 30_000, `a worker's start-up measured in CPU ms: ${timings.workerStartMs}`);
    assert.deepEqual(locksLeft(dir), []);
  });

  it('--jobs 1 (mocha runs the files itself): a crash quotes the last output of mocha\'s own process', async () => {
    const dir = project('crash-serial', { 'exit.spec.mjs': 'crash/exit.spec.mjs' });
    const r = await runUber(['test', '--jobs', '1'], { cwd: dir, env, timeoutMs: 120_000 });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /test\/exit\.spec\.mjs crashed its worker and has no result after 2 attempts; last output:\n(.*\n)*.*about to call process\.exit/);
    assert.deepEqual(locksLeft(dir), []);
  });

  it('two files that crash their workers at once (process.exit, SIGKILL): exit 1 naming both, the rest pass, no lock left', async () => {
    const dir = project('crash', { 'exit.spec.mjs': 'crash/exit.spec.mjs', 'kill.spec.mjs': 'crash/kill.spec.mjs', 'ok1.spec.mjs': 'crash/ok.spec.mjs', 'ok2.spec.mjs': 'crash/ok.spec.mjs' });
    const r = await runUber(['test', '--jobs', '3'], { cwd: dir, env, timeoutMs: 280_000 });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /test\/exit\.spec\.mjs crashed its worker and has no result after 2 attempts; last output:\n.*about to call process\.exit/);
    assert.match(r.stderr, /test\/kill\.spec\.mjs crashed its worker and has no result after 2 attempts; last output:\n.*kills itself/);
    const run = JSON.parse(readFileSync(path.join(dir, '.uber/reports/tests.json'), 'utf8')) as TestRun;
    const states = Object.fromEntries(run.files.map((f) => [f.file, f.state]));
    assert.deepEqual(states, { 'test/exit.spec.mjs': 'crashed', 'test/kill.spec.mjs': 'crashed', 'test/ok1.spec.mjs': 'passed', 'test/ok2.spec.mjs': 'passed' });
    assert.match(readFileSync(path.join(dir, '.uber/reports/junit.xml'), 'utf8'), /name="file crashed its worker \(no result after 2 attempts\)" file="test\/kill\.spec\.mjs"/);
    assert.deepEqual(findOverlaps(readAudit(path.join(dir, '.uber/leases/audit.jsonl'))), []);
    assert.deepEqual(locksLeft(dir), []);
  });

  it('40 short files with history run in batches: every test once, each file reported under its real path, no overlap, no lock left', async () => {
    const dir = project('batches', {});
    const log = path.join(dir, 'journal.txt');
    for (let i = 0; i < 40; i++) {
      writeFileSync(path.join(dir, 'test', `t${String(i).padStart(2, '0')}.spec.mjs`), `import { appendFileSync } from 'node:fs';\ndescribe('t${i}', () => { it('one', () => appendFileSync(${JSON.stringify(log)}, 't${i} one\\n')); it('two', () => appendFileSync(${JSON.stringify(log)}, 't${i} two\\n')); });\n`);
    }
    // a history of 20 ms a file: batches of 3 (fair share 267 ms on 3 workers, a batch under a quarter of it)
    const history = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`test/t${String(i).padStart(2, '0')}.spec.mjs`, { ms: 20, tests: {} }]));
    mkdirSync(path.join(dir, '.uber'), { recursive: true });
    writeFileSync(path.join(dir, '.uber', 'timings.json'), JSON.stringify({ version: 1, updatedAt: '', files: history }));
    const r = await runUber(['test', '--jobs', '3', '--reporter', 'dot'], { cwd: dir, env, timeoutMs: 280_000 }); // 3 workers, as the batches above assume
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.match(r.stderr, /80 tests in 40 files on 3 profiles \(jobs 3\): 80 passed, 0 failed, 0 pending; 80 leases, no overlap/);
    const run = JSON.parse(readFileSync(path.join(dir, '.uber/reports/tests.json'), 'utf8')) as TestRun;
    assert.ok((run.mocha?.[0]?.files ?? 40) < 40, `mocha was given ${run.mocha?.[0]?.files} files for 40`);
    assert.equal(run.files.length, 40);
    assert.ok(run.files.every((f) => f.state === 'passed' && /^test\/t\d\d\.spec\.mjs$/.test(f.file)));
    const lines = readFileSync(log, 'utf8').trim().split('\n');
    assert.equal(lines.length, 80);
    assert.equal(new Set(lines).size, 80, 'every test ran once');
    const junit = readFileSync(path.join(dir, '.uber/reports/junit.xml'), 'utf8');
    assert.equal(junit.match(/<testsuite name="test\/t\d\d\.spec\.mjs" file="test\/t\d\d\.spec\.mjs" tests="2"/g)?.length, 40);
    assert.deepEqual(findOverlaps(readAudit(path.join(dir, '.uber/leases/audit.jsonl'))), []);
    assert.deepEqual(locksLeft(dir), []);
  });

  describe('bad input: one sentence, exit 2, nothing started', () => {
    const cases: Array<[string, string[], RegExp, (dir: string) => void, NodeJS.ProcessEnv?]> = [
      ['an unknown profile', ['--profiles', 'p-1,nope'], /^uber: Profile "nope" is not in .* known profiles: p-1, p-2, p-3\.\n$/, () => undefined],
      ['an empty pool', ['--profiles', ','], /^uber: --profiles names no profile; pass --profiles a,b,c\.\n$/, () => undefined],
      ['a deploy that left no healthy profile', [], /^uber: The last deploy \(.*state\.json\) left no healthy profile to test on; .*\.\n$/, (dir) => {
        mkdirSync(path.join(dir, '.uber'), { recursive: true });
        writeFileSync(path.join(dir, '.uber/state.json'), JSON.stringify({ version: 1, branch: 'b', finishedAt: '', interrupted: false, repos: {}, profiles: { 'p-1': { healthy: false, failed: ['x'] } }, deploys: [] }));
      }],
      ['a lease dir that cannot be written', [], /^uber: The lease folder .*leases is not writable \(E[A-Z]+\); fix its permissions .*\.\n$/, (dir) => {
        mkdirSync(path.join(dir, '.uber'), { recursive: true });
        writeFileSync(path.join(dir, '.uber/leases'), 'a file where the lease folder should be');
      }],
      ['a spec that matches no file', ['test/nothing-*.spec.mjs'], /^uber: The spec "test\/nothing-\*\.spec\.mjs" matches no file in .*; check the path or the glob .*\.\n$/, () => undefined],
      ['a bad --jobs', ['--jobs', '0'], /^uber: --jobs must be a whole number of at least 1, not "0"; e\.g\. --jobs 2\.\n$/, () => undefined],
      ['mocha\'s --jobs after --', ['--', '--jobs', '1'], /^uber: --jobs after -- would override how uber runs mocha; pass --jobs to uber test itself \(e\.g\. uber test --jobs 1 for one worker\)\.\n$/, () => undefined],
      ['a UBER_EARLY_WORKERS that is not a count', [], /^uber: UBER_EARLY_WORKERS must be a whole number of at least 0, not "two"; e\.g\. UBER_EARLY_WORKERS=2\.\n$/, () => undefined, { UBER_EARLY_WORKERS: 'two' }],
      ['a TMPDIR that does not exist', [], /^uber: The temp folder .*no-such-tmp \(TMPDIR\) cannot hold uber's run folder \(ENOENT\); point TMPDIR at a folder you can write, or free space there\.\n$/, () => undefined, { TMPDIR: path.join(os.tmpdir(), 'uber-e2e-no-such-tmp') }],
    ];
    for (const [what, args, message, prepare, more] of cases) {
      it(what, async () => {
        const dir = project(`bad-${what.replace(/\W+/g, '-')}`, { 'a.spec.mjs': 'crash/ok.spec.mjs' });
        prepare(dir);
        const mark = `${process.pid}-${what}`;
        const r = await runUber(['test', ...args], { cwd: dir, env: { ...env, ...more, UBER_E2E_MARK: mark }, timeoutMs: 60_000 });
        assert.equal(r.code, 2, r.stderr);
        assert.match(r.stderr, message);
        assert.equal(r.stdout, '', 'no mocha output: no worker started');
        assert.deepEqual(processesWithEnv('UBER_E2E_MARK', mark), [], 'the mocha uber started early exited with it');
        assert.equal(existsSync(path.join(dir, '.uber/reports/tests.json')), false);
      });
    }
  });
});
