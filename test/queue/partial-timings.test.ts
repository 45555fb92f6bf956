// A queue machine that ran only some units of a split file keeps the whole file in the timing history.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestRecord } from '../../src/report/run.js';
import { testRunRecord, writeReports } from '../../src/testrun/reports.js';
import { readTimings, writeTimings } from '../../src/timings/timings.js';

const test = (fullTitle: string, durationMs: number): TestRecord => ({ file: 'big.spec.js', title: fullTitle, fullTitle, state: 'passed', profile: 'p', leaseId: 'l', pid: 1, start: 0, end: durationMs, durationMs, leaseWaitMs: 0 });

describe('queue: timing history of a split file run in part', () => {
  it('joins the tests this machine ran to the history of the others, and times the file whole; a file run whole is learnt as before', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'uber-partial-'));
    try {
      const timings = path.join(dir, 'timings.json');
      writeTimings(timings, { version: 1, updatedAt: '', files: { 'big.spec.js': { ms: 1700, tests: { a: 400, b: 400, c: 400, d: 400 } }, 'small.spec.js': { ms: 50, tests: { x: 40 } } } });
      const files = [
        { record: { file: 'big.spec.js', unit: '1/2', pid: 1, start: 0, end: 1000, state: 'passed' as const, attempts: 1 }, tests: [test('a', 450), test('b', 450)] },
        { record: { file: 'small.spec.js', pid: 1, start: 0, end: 80, state: 'passed' as const, attempts: 1 }, tests: [test('x', 70)] },
      ];
      const record = testRunRecord('r', files, { startedAt: 0, endedAt: 1, jobs: 1, profiles: ['p'], shard: null, mocha: [] });
      writeReports({ testRun: path.join(dir, 'tests.json'), junit: path.join(dir, 'junit.xml') }, timings, record, files, new Set(['big.spec.js']));
      const after = readTimings(timings)!.files;
      assert.deepEqual(after['big.spec.js'], { ms: 100 + 450 + 450 + 400 + 400, tests: { a: 450, b: 450, c: 400, d: 400 } });
      assert.deepEqual(after['small.spec.js'], { ms: 80, tests: { x: 70 } });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
