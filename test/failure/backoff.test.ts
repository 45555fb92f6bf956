// Backoff: exponential ceilings with full jitter, capped, deterministic with a swapped random source.
import assert from 'node:assert/strict';
import { backoff } from '../../src/failure/backoff.js';

const take = (g: Generator<number, never>, n: number): number[] => Array.from({ length: n }, (): number => g.next().value);

describe('failure/backoff', () => {
  it('doubles the ceiling each retry up to the cap (random = just below 1)', () => {
    assert.deepEqual(take(backoff({ baseMs: 100, capMs: 1000, random: () => 0.999999 }), 6), [99, 199, 399, 799, 999, 999]);
  });

  it('uses full jitter: any wait from 0 up to the ceiling', () => {
    assert.deepEqual(take(backoff({ baseMs: 100, random: () => 0 }), 3), [0, 0, 0]);
    const waits = take(backoff({ baseMs: 1000, capMs: 8000 }), 200);
    assert.ok(waits.every((w) => w >= 0 && w < 8000));
    assert.ok(new Set(waits).size > 50, 'jittered, not fixed');
  });
});
