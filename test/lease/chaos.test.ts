// Chaos, short version (the long one is bench/lease.ts): contender processes, SIGKILLed and SIGSTOPped holders, real lock files.
import assert from 'node:assert/strict';
import { describeOverlap } from '../../src/lease/audit.js';
import { runChaos } from './chaos/harness.js';

const quantile = (xs: number[], q: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))] ?? NaN;

describe('lease chaos', function () {
  this.timeout(180_000);

  it('uber leases: no two holders ever overlap, and every killed holder’s account comes back', async () => {
    const r = await runChaos({ leases: 300, contenders: 8, profiles: ['a', 'b', 'c'], killRatio: 0.1, stops: 2, staleMs: 2500, mode: 'uber' });
    assert.ok(r.leases >= 300, `granted ${r.leases} leases`);
    assert.ok(r.kills >= 20, `killed ${r.kills} holders`);
    assert.equal(r.stops, 2);
    assert.deepEqual(r.overlaps.map(describeOverlap), []);
    assert.ok(r.recoveryMs.every(Number.isFinite), 'each killed holder’s profile was leased again');
    console.log(`      ${r.leases} leases, ${r.kills} kills, ${r.stops} stops in ${(r.durationMs / 1000).toFixed(1)} s; killed account back after p50 ${quantile(r.recoveryMs, 0.5).toFixed(0)} ms, max ${Math.max(...r.recoveryMs).toFixed(0)} ms`);
  });

  it('negative control: plain proper-lockfile stale takeover shows overlaps in the same harness', async () => {
    const r = await runChaos({ leases: 120, contenders: 8, profiles: ['a', 'b', 'c'], killRatio: 0, stops: 2, staleMs: 2500, mode: 'naive' });
    assert.ok(r.overlaps.length > 0, 'the checker finds the overlaps that plain stale takeover allows');
  });
});
