// The run summary: per-profile load, imbalance and makespan against its lower bound, for a known run.
import assert from 'node:assert/strict';
import { renderTestSummary, summariseTestRun } from '../../src/report/summary.js';
import { knownRun } from './fixtures.js';

describe('report/summary', () => {
  it('computes per-profile tests, busy time, utilisation and lease waits', () => {
    const s = summariseTestRun(knownRun());
    assert.deepEqual(s.tests, { total: 6, passed: 4, failed: 1, pending: 1 });
    assert.equal(s.makespanMs, 4900); // first file start 100 → last file end 5000
    const ci1 = s.profiles.find((p) => p.profile === 'ci-1');
    assert.deepEqual(
      { tests: ci1?.tests, busy: ci1?.busyMs, wait: ci1?.leaseWaitMs, max: ci1?.maxLeaseWaitMs },
      { tests: 2, busy: 2000, wait: 300, max: 300 },
    );
    assert.ok(Math.abs((ci1?.utilisation ?? 0) - 2000 / 4900) < 1e-9);
    assert.deepEqual(s.profiles.map((p) => p.profile), ['ci-1', 'ci-2', 'ci-3']);
  });

  it('measures imbalance as last worker finish minus first worker finish', () => {
    const s = summariseTestRun(knownRun());
    assert.deepEqual(s.workers.map((w) => [w.pid, w.finishMs]), [[101, 2000], [202, 4900]]);
    assert.equal(s.imbalanceMs, 2900);
  });

  it('bounds the makespan below by max(longest file, total / capacity)', () => {
    const s = summariseTestRun(knownRun());
    assert.equal(s.longestFileMs, 2550);
    assert.equal(s.totalFileMs, 2000 + 2550 + 2300);
    assert.equal(s.capacity, 2, 'two workers for three profiles');
    assert.equal(s.lowerBoundMs, 6850 / 2);
    assert.ok(Math.abs(s.ratio - 4900 / 3425) < 1e-9);
  });

  it('renders a readable table with every profile and the two figures', () => {
    const text = renderTestSummary(knownRun());
    assert.match(text, /6 tests in 3 files \(4 passed, 1 failed, 1 pending\)/);
    for (const p of ['ci-1', 'ci-2', 'ci-3']) assert.match(text, new RegExp(`^${p}\\s+\\d`, 'm'));
    assert.match(text, /^ci-1\s+2\s+2\.00 s\s+41%\s+0\.30 s/m);
    assert.match(text, /Imbalance: 2\.90 s/);
    assert.match(text, /Makespan: 4\.90 s against a lower bound of 3\.4[23] s .* 1\.43×/);
  });

  it('copes with an empty run', () => {
    const run = { ...knownRun(), tests: [], files: [] };
    const s = summariseTestRun(run);
    assert.equal(s.imbalanceMs, 0);
    assert.equal(s.ratio, 1);
    assert.match(renderTestSummary(run), /0 tests/);
  });
});
