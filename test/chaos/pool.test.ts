// Shared-pool safety, the standing version of bench/pool.ts: 3 machines × 3 workers on 4 accounts with SIGKILL, SIGSTOP and
// injected throttling, 5xx and lost replies (writes that succeeded but timed out): 0 overlaps; the unconditional-write control is flagged.
import assert from 'node:assert/strict';
import { describeOverlap } from '../../src/lease/audit.js';
import { runPoolChaos } from '../pool/chaos/harness.js';

const LEASES = Number(process.env.CHAOS_POOL_LEASES ?? 600);

describe('chaos: shared pool', function () {
  this.timeout(600_000);

  it(`${LEASES} leases over 3 machines with kills, a stop and injected faults: 0 overlaps, retried, never double-held`, async () => {
    const faults = { throttle: 0.03, error500: 0.02, lostReply: 0.02, slowReply: 0.004 };
    const r = await runPoolChaos({ leases: LEASES, machines: 3, workers: 3, profiles: ['p1', 'p2', 'p3', 'p4'], leaseMs: 2500, kills: 2, stops: 1, mode: 'uber', faults });
    console.log(
      `      ${r.leases} leases, ${r.kills} SIGKILLs, ${r.stops} SIGSTOP, ${r.reclaimed} reclaimed, ${r.overlaps.length} overlaps; faults ${JSON.stringify(r.faults)}; ` +
        `${r.retries} retries, ${r.rereads} re-reads; recovery after a kill ${r.recoveryMs.map((m) => m.toFixed(0)).join(', ')} ms (lease 2500 ms)`,
    );
    assert.ok(r.leases >= LEASES && r.kills === 2 && r.stops === 1, `${r.leases} leases, ${r.kills} kills, ${r.stops} stops`);
    assert.deepEqual(r.overlaps.map(describeOverlap), []);
    assert.ok(r.reclaimed >= 3, 'each killed or stopped holder’s account was taken back');
    assert.ok(r.recoveryMs.every(Number.isFinite), 'every killed holder’s account was leased again');
    // every kind of fault happened, and the store recovered from each by retrying or re-reading
    for (const k of ['throttle', 'error500', 'lostReply', 'slowReply'] as const) assert.ok((r.faults?.[k] ?? 0) > 0, `${k} injected`);
    assert.ok(r.retries > 0 && r.rereads > 0, `${r.retries} retries, ${r.rereads} re-reads`);
    // fencing tokens of one account never repeat: each take won once
    for (const p of ['p1', 'p2', 'p3', 'p4']) {
      const tokens = r.records.filter((x) => x.profile === p && x.ended !== 'reclaimed').map((x) => x.token);
      assert.equal(new Set(tokens).size, tokens.length, `${p}: a token held twice`);
    }
  });

  it('negative control: takes by a plain write (read, then an unconditional put) are flagged by the same checker', async () => {
    const r = await runPoolChaos({ leases: 200, machines: 3, workers: 3, profiles: ['p1', 'p2'], leaseMs: 2500, kills: 0, stops: 0, mode: 'naive' });
    console.log(`      control: ${r.overlaps.length} overlaps flagged in ${r.leases} leases`);
    assert.ok(r.overlaps.length > 0, 'the overlap checker sees what an unconditional write allows');
  });
});
