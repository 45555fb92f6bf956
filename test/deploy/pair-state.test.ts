// The deploy runner's pair lifecycle: the transition table is the only way a pair moves, and the counters follow it.
import assert from 'node:assert/strict';
import { PairStates, TRANSITIONS, type PairState } from '../../src/deploy/pair-state.js';

const ALL: PairState[] = ['queued', 'running', 'backoff', 'settled'];

describe('deploy/pair-state', () => {
  it('allows exactly the moves of the table and throws a bug error on every other', () => {
    const allowed = ALL.flatMap((from) => TRANSITIONS[from].map((to) => `${from}→${to}`));
    assert.deepEqual(allowed, ['queued→running', 'queued→settled', 'running→backoff', 'running→settled', 'backoff→running', 'backoff→settled']);
    for (const from of ALL) {
      for (const to of ALL) {
        const s = new PairStates(['k'], () => 'p');
        // reach `from` through legal moves
        const path: Record<PairState, PairState[]> = { queued: [], running: ['running'], backoff: ['running', 'backoff'], settled: ['settled'] };
        for (const step of path[from]) s.move('k', step);
        if (TRANSITIONS[from].includes(to)) s.move('k', to);
        else assert.throws(() => s.move('k', to), (e: Error) => e.name === 'PairStateBug' && /^bug: a deploy pair cannot go from/.test(e.message), `${from}→${to}`);
      }
    }
  });

  it('counts running pairs in all and per profile only through moves; a second settle cannot count down twice', () => {
    const s = new PairStates(['a1', 'a2', 'b1'], (k) => k[0]!);
    s.move('a1', 'running');
    s.move('a2', 'running');
    s.move('b1', 'running');
    assert.deepEqual([s.running, s.runningIn('a'), s.runningIn('b')], [3, 2, 1]);
    s.move('a1', 'backoff');
    assert.deepEqual([s.running, s.runningIn('a')], [2, 1]);
    s.move('a2', 'settled');
    assert.throws(() => s.move('a2', 'settled'), { name: 'PairStateBug' });
    assert.deepEqual([s.running, s.runningIn('a'), s.runningIn('b')], [1, 0, 1]);
    assert.equal(s.profileSettled('a'), false);
    s.move('a1', 'settled');
    assert.equal(s.profileSettled('a'), true);
    assert.equal(s.allSettled, false);
    s.move('b1', 'settled');
    assert.deepEqual([s.running, s.allSettled], [0, true]);
  });
});
