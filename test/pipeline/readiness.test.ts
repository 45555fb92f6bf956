// An account is ready for tests only once all of its deploys ended well; one failed or cancelled pair makes it failed.
import assert from 'node:assert/strict';
import type { PairOutcome } from '../../src/deploy/events.js';
import type { Pair } from '../../src/deploy/plan.js';
import { Readiness } from '../../src/pipeline/readiness.js';

const pair = (profile: string, service: string): Pair => ({ repo: 'r', repoDir: '/r', service, profile, id: `${profile}/r/${service}`, argv: [], slug: service });
const outcome = (p: Pair, status: PairOutcome['status']): PairOutcome => ({ pair: p, status, attempts: [], durationMs: 0, log: '', tail: [], kept: [] });

describe('pipeline/readiness', () => {
  const pairs = [pair('a', 's1'), pair('a', 's2'), pair('b', 's1'), pair('b', 's2')];

  it('marks an account ready after its last pair, not before, and a failed pair fails the account', () => {
    const r = new Readiness(['a', 'b'], pairs, 0);
    assert.equal(r.settle(outcome(pairs[0]!, 'ok'), 1), undefined);
    assert.equal(r.state('a'), 'deploying');
    assert.deepEqual(r.settle(outcome(pairs[1]!, 'no-op'), 2), { profile: 'a', state: 'ready', at: 2 });
    assert.equal(r.settle(outcome(pairs[2]!, 'failed'), 3), undefined);
    assert.equal(r.state('b'), 'deploying', 'still deploying its other service');
    assert.equal(r.done, false);
    assert.deepEqual(r.settle(outcome(pairs[3]!, 'ok'), 4), { profile: 'b', state: 'failed', at: 4 });
    assert.deepEqual([r.ready, r.failed, r.done], [['a'], ['b'], true]);
  });

  it('counts a cancelled pair as not deployed, and never counts an outcome twice', () => {
    const r = new Readiness(['a'], pairs.slice(0, 2));
    r.settle(outcome(pairs[0]!, 'cancelled'));
    assert.equal(r.settle(outcome(pairs[1]!, 'ok'))?.state, 'failed');
    assert.equal(r.settle(outcome(pairs[1]!, 'ok')), undefined);
    assert.deepEqual(r.failed, ['a']);
  });

  it('an account with a skipped pair (its repo did not sync) is skipped, not ready; a failed pair beside it makes it failed', () => {
    const r = new Readiness(['a', 'b'], pairs);
    r.settle(outcome(pairs[0]!, 'skipped'));
    assert.equal(r.settle(outcome(pairs[1]!, 'ok'))?.state, 'skipped');
    r.settle(outcome(pairs[2]!, 'skipped'));
    assert.equal(r.settle(outcome(pairs[3]!, 'failed'))?.state, 'failed');
    assert.deepEqual([r.ready, r.failed], [[], ['a', 'b']]);
  });

  it('makes an account with nothing to deploy ready at once', () => {
    const r = new Readiness(['a', 'c'], pairs.slice(0, 2), 5);
    assert.deepEqual(r.settled, [{ profile: 'c', state: 'ready', at: 5 }]);
    assert.deepEqual(r.ready, ['c']);
  });
});
