// Lease safety, the standing version of bench/chaos-leases.ts: 1,000 leases with SIGKILL and SIGSTOP, zero overlaps; the control is still flagged.
import assert from 'node:assert/strict';
import { describeOverlap } from '../../src/lease/audit.js';
import { runChaos } from '../lease/chaos/harness.js';

const LEASES = Number(process.env.CHAOS_LEASES ?? 1000);

describe('chaos: lease safety at scale', function () {
  this.timeout(600_000);

  it(`${LEASES} leases, 2% of holders SIGKILLed, 3 SIGSTOPped past the stale window: zero overlaps; negative control flagged`, async () => {
    const r = await runChaos({ leases: LEASES, contenders: 8, profiles: ['p1', 'p2', 'p3', 'p4'], killRatio: 0.02, stops: 3, staleMs: 2500, mode: 'uber' });
    // one profile: the run cannot finish until someone takes over the stopped holder's stale lock, however fast the machine
    const control = await runChaos({ leases: 60, contenders: 4, profiles: ['a'], killRatio: 0, stops: 1, staleMs: 2500, mode: 'naive' });
    console.log(`      leases: ${r.leases} leases, ${r.kills} SIGKILLs, ${r.stops} SIGSTOPs, ${r.overlaps.length} overlaps; negative control: ${control.overlaps.length} overlaps flagged in ${control.leases} leases`);
    assert.ok(r.leases >= LEASES && r.kills >= LEASES * 0.01 && r.stops === 3, `${r.leases} leases, ${r.kills} kills, ${r.stops} stops`);
    assert.deepEqual(r.overlaps.map(describeOverlap), []);
    assert.ok(r.recoveryMs.every(Number.isFinite), 'every killed holder’s account was leased again');
    assert.ok(control.overlaps.length > 0, 'the overlap checker still sees what plain stale takeover allows');
  });
});
