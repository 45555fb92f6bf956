// A known test run and a known deploy state, for the summary and waterfall tests.
import type { TestRun } from '../../src/report/run.js';
import type { UberState } from '../../src/state/state.js';

export const T0 = 1_700_000_000_000;

/** 2 workers, 3 profiles, 6 tests in 3 files: 4 passed, 1 failed, 1 pending; one test waited 300 ms for an account. */
export function knownRun(): TestRun {
  const test = (file: string, title: string, state: 'passed' | 'failed' | 'pending', profile: string | null, pid: number, start: number, end: number, leaseWaitMs = 0) => ({
    file, title, fullTitle: `${file.replace(/\.spec\.js$/, '')} ${title}`, state, profile, leaseId: profile ? `lease-${start}` : null, pid,
    start: T0 + start, end: T0 + end, durationMs: end - start, leaseWaitMs,
  });
  return {
    version: 1,
    startedAt: T0,
    endedAt: T0 + 5200,
    jobs: 2,
    profiles: ['ci-1', 'ci-2', 'ci-3'],
    shard: null,
    tests: [
      test('orders.spec.js', 'creates an order <b>', 'passed', 'ci-1', 101, 200, 1200),
      test('orders.spec.js', 'rejects a bad order', 'failed', 'ci-2', 101, 1300, 2000),
      test('orders.spec.js', 'refunds later', 'pending', null, 101, 2000, 2000),
      test('users.spec.js', 'signs up', 'passed', 'ci-2', 202, 250, 1250),
      test('users.spec.js', 'logs in', 'passed', 'ci-1', 202, 1600, 2600, 300),
      test('billing.spec.js', 'charges', 'passed', 'ci-3', 202, 2800, 4800),
    ],
    files: [
      { file: 'orders.spec.js', pid: 101, start: T0 + 100, end: T0 + 2100, state: 'failed', attempts: 1 },
      { file: 'users.spec.js', pid: 202, start: T0 + 150, end: T0 + 2700, state: 'passed', attempts: 1 },
      { file: 'billing.spec.js', pid: 202, start: T0 + 2700, end: T0 + 5000, state: 'passed', attempts: 1 },
    ],
  };
}

/** Two profiles; api into ci-1 retried once (transient, then ok); web into ci-2 failed permanently. */
export function knownState(): UberState {
  return {
    version: 1,
    branch: 'feature/x',
    finishedAt: new Date(T0 + 9000).toISOString(),
    interrupted: false,
    repos: { shop: { commit: 'abc', branch: 'feature/x', fallback: false } },
    profiles: { 'ci-1': { healthy: true, failed: [] }, 'ci-2': { healthy: false, failed: ['shop/services/web'] } },
    deploys: [
      {
        repo: 'shop', service: 'services/api', profile: 'ci-1', status: 'ok', durationMs: 8000, log: '.uber/logs/ci-1/shop--services-api.log',
        attempts: [
          { start: T0, end: T0 + 2000, outcome: 'transient' },
          { start: T0 + 3000, end: T0 + 8000, outcome: 'ok' },
        ],
      },
      {
        repo: 'shop', service: 'services/web', profile: 'ci-2', status: 'failed', failureClass: 'permanent', durationMs: 1500, log: '.uber/logs/ci-2/shop--services-web.log',
        attempts: [{ start: T0 + 500, end: T0 + 2000, outcome: 'permanent' }],
      },
      {
        repo: 'shop', service: '.', profile: 'ci-1', status: 'no-op', durationMs: 1000, log: '.uber/logs/ci-1/shop.log',
        attempts: [{ start: T0 + 1000, end: T0 + 2000, outcome: 'no-op' }],
      },
    ],
  };
}
