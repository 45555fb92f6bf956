// Sharding: every file exactly once across shards, LPT balance, disjoint profiles, strict parsing.
import assert from 'node:assert/strict';
import { UsageError } from '../../src/errors.js';
import { assignFiles, assignProfiles, orderLongestFirst, parseShard, planShards, shardFromEnv } from '../../src/shard/shard.js';
import type { Timings } from '../../src/timings/timings.js';

function timingsOf(ms: Record<string, number>): Timings {
  return { version: 1, updatedAt: '', files: Object.fromEntries(Object.entries(ms).map(([f, v]) => [f, { ms: v, tests: {} }])) };
}

function usageCode(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof UsageError, `expected a UsageError, got ${String(e)}`);
    assert.doesNotMatch(e.message, /\n/);
    return e.code;
  }
  return assert.fail('no error thrown');
}

const makespan = (shards: string[][], ms: Record<string, number>): number => Math.max(...shards.map((s) => s.reduce((a, f) => a + (ms[f] ?? 0), 0)));

describe('shard', () => {
  it('the union of all shards is the suite, each file once (n = 1..8, odd and even counts)', () => {
    for (const count of [0, 1, 3, 7, 9, 10, 13, 25]) {
      const files = Array.from({ length: count }, (_, i) => `test/f${i}.spec.js`);
      const history = timingsOf(Object.fromEntries(files.filter((_, i) => i % 3 !== 0).map((f, i) => [f, ((i * 37) % 11) * 100 + 5])));
      for (const timings of [undefined, history]) {
        for (let n = 1; n <= 8; n++) {
          const all = Array.from({ length: n }, (_, i) => assignFiles(files, timings, { index: i + 1, total: n })).flat();
          assert.equal(all.length, files.length, `count ${count}, n ${n}: no duplicates`);
          assert.deepEqual([...all].sort(), [...files].sort(), `count ${count}, n ${n}: every file`);
        }
      }
    }
  });

  it('is deterministic regardless of input order', () => {
    const files = ['c', 'a', 'b', 'e', 'd'];
    const t = timingsOf({ a: 5, b: 5, c: 5 });
    assert.deepEqual(assignFiles(files, t, { index: 2, total: 2 }), assignFiles([...files].reverse(), t, { index: 2, total: 2 }));
  });

  it('orders longest first and gives files without history the median', () => {
    const t = timingsOf({ a: 100, b: 300, c: 200 });
    assert.deepEqual(orderLongestFirst(['new', 'a', 'b', 'c'], t), ['b', 'c', 'new', 'a']);
    assert.deepEqual(orderLongestFirst(['./test/x.js'], timingsOf({ 'test/x.js': 1 })), ['./test/x.js']);
  });

  it('balances a skewed suite better than round-robin', () => {
    const ms: Record<string, number> = { s1: 9000, s2: 8000, s3: 1000, s4: 1000 };
    for (let i = 0; i < 16; i++) ms[`q${String(i).padStart(2, '0')}`] = 500;
    const files = Object.keys(ms).sort();
    const n = 3;
    const lpt = planShards(files, timingsOf(ms), n).map((s) => s.files);
    const rr = Array.from({ length: n }, (_, i) => files.filter((_, j) => j % n === i));
    const lower = Math.max(9000, Object.values(ms).reduce((a, b) => a + b, 0) / n);
    assert.ok(makespan(lpt, ms) < makespan(rr, ms), `LPT ${makespan(lpt, ms)} vs round-robin ${makespan(rr, ms)}`);
    assert.ok(makespan(lpt, ms) <= (4 / 3) * lower, 'within the LPT bound');
  });

  it('splits profiles disjointly and balanced', () => {
    const profiles = ['p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'p7'];
    for (let n = 1; n <= 7; n++) {
      const parts = Array.from({ length: n }, (_, i) => assignProfiles(profiles, { index: i + 1, total: n }));
      assert.deepEqual(parts.flat(), profiles, `n ${n}: disjoint and complete`);
      const sizes = parts.map((p) => p.length);
      assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1 && Math.min(...sizes) >= 1, `n ${n}: balanced ${sizes.join(',')}`);
    }
  });

  it('refuses fewer profiles than shards', () => {
    assert.equal(usageCode(() => assignProfiles(['a', 'b'], { index: 1, total: 3 })), 'ERR_UBER_SHARD_PROFILES');
    assert.equal(usageCode(() => assignProfiles(['a', 'a', 'b'], { index: 1, total: 3 })), 'ERR_UBER_SHARD_PROFILES');
  });

  it('parses i/n and rejects the rest', () => {
    assert.deepEqual(parseShard('2/3'), { index: 2, total: 3 });
    assert.deepEqual(parseShard('1/1'), { index: 1, total: 1 });
    for (const bad of ['0/3', '4/3', 'a/b', '1/0', '', '1/', '-1/3', '1.5/3']) {
      assert.equal(usageCode(() => parseShard(bad)), 'ERR_UBER_SHARD_INVALID', bad);
    }
  });

  it('maps CIRCLE_NODE_INDEX (0-based) to a 1-based shard', () => {
    assert.deepEqual(shardFromEnv({ CIRCLE_NODE_INDEX: '0', CIRCLE_NODE_TOTAL: '4' }), { index: 1, total: 4 });
    assert.deepEqual(shardFromEnv({ CIRCLE_NODE_INDEX: '3', CIRCLE_NODE_TOTAL: '4' }), { index: 4, total: 4 });
    assert.equal(shardFromEnv({}), undefined);
    assert.equal(shardFromEnv({ CIRCLE_NODE_INDEX: '0' }), undefined);
    assert.equal(usageCode(() => shardFromEnv({ CIRCLE_NODE_INDEX: '4', CIRCLE_NODE_TOTAL: '4' })), 'ERR_UBER_SHARD_INVALID');
    assert.equal(usageCode(() => shardFromEnv({ CIRCLE_NODE_INDEX: 'x', CIRCLE_NODE_TOTAL: '4' })), 'ERR_UBER_SHARD_INVALID');
  });
});
