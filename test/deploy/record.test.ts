// State records from outcomes (a profile is healthy only when all its services deployed; runs merge, newest per pair wins); the table is service × profile.
import assert from 'node:assert/strict';
import type { PairOutcome } from '../../src/deploy/events.js';
import type { Pair } from '../../src/deploy/plan.js';
import { markDeploying, mergeProfile, mergeRunEnd } from '../../src/deploy/record.js';
import { summaryTable } from '../../src/report/deploy-table.js';
import { healthyProfiles, type UberState } from '../../src/state/state.js';

const pair = (service: string, profile: string): Pair => ({ repo: 'orders', repoDir: '/r', service, profile, id: `${profile}/orders/${service}`, argv: [], slug: 'x' });
const outcome = (service: string, profile: string, status: PairOutcome['status'], extra: Partial<PairOutcome> = {}): PairOutcome => ({
  pair: pair(service, profile),
  status,
  attempts: status === 'cancelled' ? [] : [{ start: 1_700_000_000_000, end: 1_700_000_001_500, outcome: status === 'failed' ? 'permanent' : 'ok' }],
  durationMs: status === 'cancelled' ? 0 : 1500,
  log: '/logs/x.log',
  tail: [],
  kept: [],
  ...extra,
});

describe('deploy/record and summary', () => {
  const outcomes = [
    outcome('.', 'ci-1', 'ok'),
    outcome('.', 'ci-2', 'failed', { failureClass: 'permanent', rule: 'credentials' }),
    outcome('services/api', 'ci-1', 'no-op'),
    outcome('services/api', 'ci-2', 'cancelled'),
  ];

  it('marks a profile unhealthy when any of its deploys failed or was cancelled', () => {
    let s: UberState | undefined;
    for (const p of ['ci-1', 'ci-2']) s = mergeProfile(s, p, outcomes.filter((o) => o.pair.profile === p), 'run-1', 'feat/x');
    s = mergeRunEnd(s, { runId: 'run-1', branch: 'feat/x', repos: { orders: { commit: 'abc', branch: 'feat/x', fallback: false } }, interrupted: false });
    assert.deepEqual(s.profiles, {
      'ci-1': { healthy: true, failed: [], runId: 'run-1', branch: 'feat/x' },
      'ci-2': { healthy: false, failed: ['orders', 'orders/services/api'], runId: 'run-1', branch: 'feat/x' },
    });
    assert.equal(s.deploys[0]!.runId, 'run-1');
    assert.equal(s.deploys.length, 4);
    assert.equal(s.deploys.find((d) => d.profile === 'ci-2' && d.service === '.')!.failureClass, 'permanent');
    assert.deepEqual(s.deploys[0]!.attempts, [{ start: 1_700_000_000_000, end: 1_700_000_001_500, outcome: 'ok' }]);
  });

  it('merges runs: other profiles stay, the newest record per pair wins, a deploying mark keeps a profile out until its deploy completes', () => {
    const mark = { runId: 'run-2', pid: 1, pidStart: null, host: 'h', since: 'now' };
    let s = mergeProfile(undefined, 'ci-1', [outcome('.', 'ci-1', 'failed'), outcome('services/api', 'ci-1', 'ok')], 'run-1', 'main');
    s = mergeProfile(s, 'ci-2', [outcome('.', 'ci-2', 'ok')], 'run-1', 'main');
    s = markDeploying(s, ['ci-1'], mark, 'feat/x');
    assert.deepEqual(healthyProfiles(s), ['ci-2']);
    assert.equal(s.profiles['ci-1']!.deploying, mark);
    s = mergeProfile(s, 'ci-1', [outcome('.', 'ci-1', 'ok')], 'run-2', 'feat/x');
    assert.deepEqual(healthyProfiles(s), ['ci-1', 'ci-2']);
    assert.equal(s.profiles['ci-1']!.deploying, undefined);
    assert.deepEqual(s.deploys.map((d) => `${d.profile} ${d.service} ${d.status} ${d.runId}`).sort(), ['ci-1 . ok run-2', 'ci-1 services/api ok run-1', 'ci-2 . ok run-1']);
  });

  it('a skipped pair (its repo did not sync) writes no record and counts as its last record says', () => {
    const skipped = (service: string): PairOutcome => outcome(service, 'ci-1', 'skipped', { attempts: [], rule: 'repo-busy', tail: ['repo "orders" is busy'] });
    let s = mergeProfile(undefined, 'ci-1', [outcome('.', 'ci-1', 'ok'), outcome('services/api', 'ci-1', 'failed')], 'run-1', 'main');
    s = mergeProfile(s, 'ci-1', [skipped('.'), skipped('services/api')], 'run-2', 'feat/x');
    assert.deepEqual(s.profiles['ci-1']!.failed, ['orders/services/api'], 'the skipped service whose last deploy failed stays failed');
    assert.deepEqual(s.deploys.map((d) => `${d.service} ${d.status} ${d.runId}`), ['. ok run-1', 'services/api failed run-1'], 'the last records stand');
    s = mergeProfile(s, 'ci-1', [skipped('.'), outcome('services/api', 'ci-1', 'ok')], 'run-3', 'feat/x');
    assert.deepEqual(healthyProfiles(s), ['ci-1'], 'a skipped service that last deployed well does not make the account unhealthy');
    assert.deepEqual(s.deploys.map((d) => `${d.service} ${d.status} ${d.runId}`), ['. ok run-1', 'services/api ok run-3']);
    assert.equal(summaryTable([skipped('.')], ['ci-1']).split('\n').at(-1), '0 deploys: 0 ok, 0 no-op, 0 failed, 0 cancelled; 1 skipped (repo not synced, not deployed)');
  });

  it('renders one row per service and one column per profile', () => {
    const lines = summaryTable(outcomes, ['ci-1', 'ci-2']).split('\n');
    assert.match(lines[0]!, /^service\s+ci-1\s+ci-2$/);
    assert.match(lines[2]!, /^orders\s+ok 1× 1\.50 s\s+failed: permanent \(credentials\) 1× 1\.50 s$/);
    assert.match(lines[3]!, /^orders\/services\/api\s+no-op 1× 1\.50 s\s+cancelled$/);
    assert.equal(lines.at(-1), '4 deploys: 1 ok, 1 no-op, 1 failed, 1 cancelled');
  });
});
