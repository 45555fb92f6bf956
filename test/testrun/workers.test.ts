// The worker count: as many mocha workers as pay for their start-up by the history's estimates, and what a start-up cost.
import assert from 'node:assert/strict';
import type { FileStartRecord } from '../../src/mocha/records.js';
import type { RunItem } from '../../src/testrun/units.js';
import { expectedMs, makespanMs, workersThatPay, workerStartMs } from '../../src/testrun/workers.js';

const items = (...ms: number[]): RunItem[] => ms.map((estimateMs, i) => ({ file: `test/f${i}.spec.mjs`, estimateMs }));
const same = (queue: RunItem[]) => (): RunItem[] => queue;

describe('testrun/workers', () => {
  it('estimates the makespan longest first onto the least loaded worker', () => {
    // 5 → w0, 4 → w1, 3 → w1 (7), 3 → w0 (8), 3 → w1 (10)
    assert.equal(makespanMs(items(5, 4, 3, 3, 3), 2), 10);
    assert.equal(makespanMs(items(5, 4, 3, 3, 3), 5), 5);
    assert.equal(makespanMs([], 3), 0);
  });

  it('counts start-up in parallel up to the cores, then shared by them', () => {
    const c = { cores: 2, startMs: 300 };
    assert.equal(expectedMs(c, items(100, 100), 2), 300 + 100);
    assert.equal(expectedMs(c, items(100, 100, 100, 100), 4), 600 + 100);
  });

  it('a suite of short files on 2 cores: two workers, not one per profile (never one: mocha would run serially)', () => {
    assert.equal(workersThatPay({ most: 4, cores: 2, startMs: 250, plan: same(items(20, 20, 20, 20)) }), 2);
    assert.equal(workersThatPay({ most: 8, cores: 2, startMs: 250, plan: same(items(5, 5, 5, 5, 5, 5, 5, 5)) }), 2);
  });

  it('on 8 cores the same files each get a worker: their start-ups run side by side', () => {
    assert.equal(workersThatPay({ most: 4, cores: 8, startMs: 250, plan: same(items(20, 20, 20, 20)) }), 4);
  });

  it('a long suite: every profile a worker, even on 2 cores (the tests mostly wait on AWS)', () => {
    const long = items(...Array.from({ length: 60 }, () => 300));
    assert.equal(workersThatPay({ most: 4, cores: 2, startMs: 250, plan: same(long) }), 4);
  });

  it('between: one more worker only while it shortens the run by more than it costs to start', () => {
    // 1.2 s of work: 2 workers 0.25 + 0.6 = 0.85 s; 3 workers 0.375 + 0.4 = 0.775 s; 4 workers 0.5 + 0.3 = 0.8 s
    assert.equal(workersThatPay({ most: 4, cores: 2, startMs: 250, plan: same(items(...Array.from({ length: 12 }, () => 100))) }), 3);
  });

  it('weighs the queue each count would run: a straggler that splits across more workers keeps them', () => {
    // one 4 s file of 16 tests: whole on 2 workers, in as many units as workers otherwise
    const plan = (jobs: number): RunItem[] => Array.from({ length: jobs }, (_, index) => ({ file: 'test/big.spec.mjs', unit: { index, count: jobs }, estimateMs: 4000 / jobs }));
    assert.equal(workersThatPay({ most: 4, cores: 2, startMs: 250, plan }), 4);
  });

  it('one profile stays one worker', () => {
    assert.equal(workersThatPay({ most: 1, cores: 2, startMs: 250, plan: same(items(5)) }), 1);
  });

  it('a start-up costs the median, over workers, of their CPU as their first file began', () => {
    const start = (pid: number, cpu: number | undefined, file = `f${pid}-${cpu}`): FileStartRecord => ({ k: 'file-start', file, pid, t: 0, ...(cpu !== undefined ? { cpu } : {}) });
    assert.equal(workerStartMs([start(1, 300), start(1, 420), start(2, 280), start(3, 310), start(3, 500)]), 300);
    assert.equal(workerStartMs([start(1, 300), start(2, 200)]), 250);
    assert.equal(workerStartMs([start(1, undefined)]), undefined, 'records from before uber measured it');
    assert.equal(workerStartMs([]), undefined);
  });
});
