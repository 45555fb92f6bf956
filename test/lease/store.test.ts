// Lease store and pool on real lock files: take/free, dead and stale holders, compromise, timeouts, fair hand-off.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readAudit } from '../../src/lease/audit.js';
import { LeaseEndedError } from '../../src/lease/lease.js';
import { OWNER_FILE } from '../../src/lease/lockfs.js';
import { HOST, ownerJson } from '../../src/lease/owner.js';
import { LeasePool, LeaseTimeoutError } from '../../src/lease/pool.js';
import { LeaseStore } from '../../src/lease/store.js';
import { deadPid } from '../support/dead-pid.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A lock dir as another process would leave it: owner record inside, mtime as given. */
function plantLock(store: LeaseStore, profile: string, owner: { host: string; pid: number }, ageMs = 0): void {
  const lockPath = store.lockPath(profile);
  mkdirSync(lockPath);
  writeFileSync(path.join(lockPath, OWNER_FILE), ownerJson({ leaseId: `planted-${profile}`, profile, host: owner.host, pid: owner.pid, pidStart: null, file: 'x.spec.ts', test: 'planted', start: Date.now() - ageMs, confirmed: true }));
  const t = new Date(Date.now() - ageMs);
  utimesSync(lockPath, t, t);
}


describe('lease/store + pool', function () {
  this.timeout(20_000);
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'uber-lease-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('takes a free profile once, frees it, and logs the lease', async () => {
    const store = new LeaseStore({ dir });
    const a = await store.tryAcquire('p1', { file: 'f.spec.ts', test: 't1' });
    assert.ok(a);
    assert.equal(await store.tryAcquire('p1'), undefined, 'a held profile cannot be taken twice');
    assert.equal(a.stillOwned(), true);
    const rec = await a.release();
    assert.equal(rec?.profile, 'p1');
    assert.ok(rec && rec.end >= rec.start);
    assert.deepEqual(readdirSync(dir).filter((n) => n.endsWith('.lock')), []);
    const log = readAudit(path.join(dir, 'audit.jsonl'));
    assert.deepEqual(log.map((r) => [r.leaseId, r.profile, r.file, r.test, r.pid]), [[a.leaseId, 'p1', 'f.spec.ts', 't1', process.pid]]);
  });

  it('frees a profile whose holder died on this host (by pid), and logs it as ended by death', async () => {
    const store = new LeaseStore({ dir });
    plantLock(store, 'p1', { host: HOST, pid: deadPid() });
    const pool = new LeasePool(store, ['p1']);
    const lease = await pool.acquire({ test: 'next' }, { timeoutMs: 5000 });
    assert.equal(lease.profile, 'p1');
    await lease.release();
    pool.close();
    const log = readAudit(path.join(dir, 'audit.jsonl'));
    assert.deepEqual(log.map((r) => [r.leaseId, r.ended]), [['planted-p1', 'dead'], [lease.leaseId, 'released']]);
  });

  it('keeps a fresh lock of another host, breaks it once it is older than the stale window', async () => {
    const store = new LeaseStore({ dir, staleMs: 2000 });
    plantLock(store, 'fresh', { host: 'other-host', pid: 1 });
    plantLock(store, 'old', { host: 'other-host', pid: 1 }, 5000);
    const pool = new LeasePool(store, ['fresh', 'old']);
    const lease = await pool.acquire({}, { timeoutMs: 3000 });
    assert.equal(lease.profile, 'old');
    const v = store.view('fresh');
    assert.equal(v?.verdict, 'live');
    assert.equal(v?.owner?.host, 'other-host');
    await lease.release();
    pool.close();
  });

  it('a lease whose lock was broken is compromised: it refuses use, aborts its signal, and logs nothing itself', async () => {
    const holder = new LeaseStore({ dir, staleMs: 2000 });
    const lease = await holder.tryAcquire('p1', { test: 'victim' });
    assert.ok(lease);
    const t = new Date(Date.now() - 10_000);
    utimesSync(holder.lockPath('p1'), t, t); // as if the holder had been stopped past the stale window
    const other = new LeaseStore({ dir, staleMs: 2000 });
    const thief = await new LeasePool(other, ['p1']).acquire({ test: 'thief' }, { timeoutMs: 3000 });
    assert.throws(() => lease.assertActive('the dynamodb client'), LeaseEndedError);
    assert.equal(lease.signal.aborted, true);
    assert.equal(await lease.release(), undefined);
    assert.equal(thief.stillOwned(), true, 'the compromised holder did not free the new holder’s lock');
    await thief.release();
    const log = readAudit(path.join(dir, 'audit.jsonl'));
    assert.deepEqual(log.map((r) => [r.test, r.ended]), [['victim', 'stale'], ['thief', 'released']]);
  });

  it('proper-lockfile’s refresh notices a lost lock and marks the lease compromised', async () => {
    const store = new LeaseStore({ dir, staleMs: 3000 });
    const lease = await store.tryAcquire('p1');
    assert.ok(lease);
    const t = new Date(Date.now() - 10_000);
    utimesSync(store.lockPath('p1'), t, t);
    const aborted = new Promise<unknown>((resolve) => lease.signal.addEventListener('abort', () => resolve(lease.signal.reason)));
    const reason = await aborted;
    assert.ok(reason instanceof LeaseEndedError);
    assert.match(reason.message, /lease on profile "p1" was lost/);
    await lease.release();
    assert.equal(store.view('p1'), undefined, 'a lock that still names the lease is freed on release');
  });

  it('a wait past the lease timeout fails naming the pool and who holds it', async () => {
    const store = new LeaseStore({ dir });
    const held = await store.tryAcquire('only', { file: 'a.spec.ts', test: 'slow test' });
    assert.ok(held);
    const pool = new LeasePool(store, ['only']);
    await assert.rejects(pool.acquire({}, { timeoutMs: 300 }), (e: unknown) => {
      assert.ok(e instanceof LeaseTimeoutError);
      assert.match(e.message, /No profile of the pool \[only\] came free within 0\.30 s: only held by pid \d+ on .* \(test "slow test"/);
      return true;
    });
    await held.release();
    pool.close();
  });

  it('serves an older waiter before the releasing holder can take the profile again', async () => {
    const store = new LeaseStore({ dir });
    const a = new LeasePool(store, ['p1']);
    const b = new LeasePool(new LeaseStore({ dir }), ['p1']);
    const first = await a.acquire({ test: 'a1' });
    const order: string[] = [];
    const waiter = b.acquire({ test: 'b1' }).then(async (l) => {
      order.push('b1');
      await sleep(20);
      await l.release();
    });
    await sleep(100); // b is in line now
    await first.release();
    const again = await a.acquire({ test: 'a2' });
    order.push('a2');
    await again.release();
    await waiter;
    assert.deepEqual(order, ['b1', 'a2']);
    a.close();
    b.close();
  });
});
