// Worker records → file results: a file without an end marker is crashed (with its worker's output); JUnit escapes it all.
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { outputFile, recordsFile, type WorkerRecord } from '../../src/mocha/records.js';
import { junitXml } from '../../src/testrun/junit.js';
import { fileResult, missingFiles, readAttempt } from '../../src/testrun/results.js';

describe('testrun/results + junit', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'uber-results-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const write = (pid: number, recs: WorkerRecord[]): void => {
    for (const r of recs) appendFileSync(recordsFile(dir, pid), `${JSON.stringify(r)}\n`);
  };
  const test = (file: string, title: string, state: 'passed' | 'failed', extra: object = {}): WorkerRecord => ({ k: 'test', file, title, fullTitle: `suite <${title}>`, state, profile: 'p&1', leaseId: 'l', pid: 7, start: 1, end: 2, durationMs: 1, leaseWaitMs: 0, ...extra });

  it('classifies passed, failed and crashed files, keeping the crashed worker’s last output', () => {
    write(7, [{ k: 'file-start', file: 'a.spec.js', pid: 7, t: 1 }, test('a.spec.js', 'ok', 'passed'), { k: 'file-end', file: 'a.spec.js', pid: 7, t: 5, failures: 0 }]);
    write(8, [{ k: 'file-start', file: 'b.spec.js', pid: 8, t: 1 }, test('b.spec.js', 'bad "one"', 'failed', { error: { message: 'expected <1> & "2"', stack: 'Error: x\n  at y' } }), { k: 'file-end', file: 'b.spec.js', pid: 8, t: 9, failures: 1 }]);
    write(9, [{ k: 'file-start', file: 'c.spec.js', pid: 9, t: 3 }, test('c.spec.js', 'first', 'passed')]);
    writeFileSync(outputFile(dir, 9), 'line 1\nworker 9 says goodbye\n');
    // a torn last line (the worker died mid-write) is skipped
    appendFileSync(recordsFile(dir, 9), '{"k":"test","file":"c.sp');
    const rec = readAttempt(dir);
    const queued = ['a.spec.js', 'b.spec.js', 'c.spec.js', 'd.spec.js'];
    assert.deepEqual(missingFiles(queued, rec), ['c.spec.js', 'd.spec.js']);
    const results = queued.map((f) => fileResult(f, rec, dir, 2, 'mocha said: no such file', { start: 0, end: 10 }));
    assert.deepEqual(results.map((r) => r.record.state), ['passed', 'failed', 'crashed', 'crashed']);
    assert.equal(results[2]?.record.output, 'line 1\nworker 9 says goodbye');
    assert.equal(results[2]?.tests.length, 1);
    assert.equal(results[3]?.record.output, 'mocha said: no such file');
    const xml = junitXml(results);
    assert.match(xml, /<testsuites name="uber test" tests="5" failures="3">/);
    assert.match(xml, /<failure message="expected &lt;1&gt; &amp; &quot;2&quot;" type="Error">Error: x\n {2}at y<\/failure>/);
    assert.match(xml, /<property name="profile" value="p&amp;1"\/>/);
    assert.match(xml, /name="file crashed its worker \(no result after 2 attempts\)" file="d\.spec\.js"/);
  });
});
