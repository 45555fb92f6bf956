// The shared pool's lease items on dynalite: conditional takes, fencing tokens, heartbeats, expiry, reclaim, waiters in order.
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import path from 'node:path';
import { dynamoClient } from '../../src/dynamo/table.js';
import { LeaseTable, type Holder } from '../../src/dynamo/lease.js';
import { findOverlaps, readAudit } from '../../src/lease/audit.js';
import { now } from '../../src/lease/clock.js';
import { SharedPool } from '../../src/pool/pool.js';
import { profileFiles, startDynalite, tmp } from '../mocha/support.js';

const holder = (id: string): Holder => ({ leaseId: id, who: `tester ${id}`, host: 'h', pid: 1, space: '', pidStart: null, test: null, file: null, kind: 'test', run: null });

describe('shared pool store', function () {
  this.timeout(20_000);
  let db: { server: Server; url: string };
  let env: NodeJS.ProcessEnv;
  let dir: string;
  let n = 0;
  const table = (): string => `pool-${(n += 1)}`;
  before(async () => {
    db = await startDynalite();
    dir = tmp('uber-pool-store-');
    env = profileFiles(dir, { pool: db.url });
  });
  after(() => db.server.close());

  const pool = (name: string, o: { profiles?: string[]; leaseMs?: number; audit?: string; who?: string; cleanup?: (p: string) => Promise<void> } = {}): SharedPool =>
    new SharedPool({ client: dynamoClient('pool', env, { maxAttempts: 1 }), table: name, profiles: o.profiles ?? ['a', 'b'], leaseMs: o.leaseMs ?? 60_000, who: o.who ?? 'me', audit: o.audit, cleanup: o.cleanup });

  it('takes by conditional write: one winner per free item, and every take raises the fencing token', async () => {
    const name = table();
    const t = new LeaseTable({ client: dynamoClient('pool', env), table: name });
    await t.ensure();
    const at = { now: now(), leaseMs: 60_000, cutoff: now() };
    const takes = await Promise.all(['x1', 'x2', 'x3'].map((id) => t.take('a', undefined, holder(id), at)));
    assert.equal(takes.filter((r) => r.ok).length, 1);
    const first = await t.read('a');
    assert.equal(first?.token, 1);
    assert.equal(first?.state, 'held');
    // held and not expired: a take from what was seen fails
    assert.equal((await t.take('a', first, holder('y'), at)).ok, false);
    assert.equal(await t.release('a', first.leaseId, 1, { dirty: false }), 'ok');
    assert.equal(await t.release('a', first.leaseId, 1, { dirty: false }), 'ok', 'a release repeated after it landed is known to have landed');
    const freed = await t.read('a');
    const again = await t.take('a', freed, holder('z'), { ...at, now: now() });
    assert.deepEqual(again, { ok: true, token: 2, replaced: undefined });
    // the old holder is fenced: its heartbeat and release are refused
    assert.equal(await t.heartbeat('a', first.leaseId, 1, { now: now(), leaseMs: 60_000 }), 'fenced');
    assert.equal(await t.release('a', first.leaseId, 1, { dirty: false }), 'fenced');
    assert.equal((await t.read('a'))?.leaseId, 'z');
  });

  it('an expired holder is taken back (logged as reclaimed), and its late heartbeat and release are refused', async () => {
    const name = table();
    const audit = path.join(tmp('uber-pool-audit-'), 'audit.jsonl');
    const cleaned: string[] = [];
    const p = pool(name, { profiles: ['a'], leaseMs: 400, audit, cleanup: (x) => Promise.resolve(void cleaned.push(x)) });
    const l1 = await p.acquire({ test: 'one' });
    // stop l1 from heartbeating, as a frozen process would
    (l1 as unknown as { stopTimers(): void }).stopTimers();
    const l2 = await p.acquire({ test: 'two' });
    assert.equal(l2.token, 2);
    assert.deepEqual(cleaned, ['a']);
    assert.equal(l1.active, false);
    assert.throws(() => l1.assertActive(), /was lost while the test held it/);
    assert.equal(await p.table.heartbeat('a', l1.leaseId, 1, { now: now(), leaseMs: 400 }), 'fenced');
    assert.equal(l2.active, true);
    await l2.release();
    const lines = readAudit(audit);
    assert.deepEqual(lines.map((r) => r.ended).sort(), ['lost', 'reclaimed', 'released']);
    assert.equal(lines.find((r) => r.ended === 'released')?.reclaimedFrom, 'me');
    assert.deepEqual(findOverlaps(lines), []);
  });

  it('waiters on two machines are served oldest first', async () => {
    const name = table();
    const m1 = pool(name, { profiles: ['a'], who: 'm1' });
    const m2 = pool(name, { profiles: ['a'], who: 'm2' });
    const held = await m1.acquire();
    const order: string[] = [];
    const first = m2.acquire().then((l) => (order.push('m2'), l));
    await new Promise((r) => setTimeout(r, 300));
    const second = m1.acquire().then((l) => (order.push('m1'), l));
    await new Promise((r) => setTimeout(r, 300));
    await held.release();
    const l = await first;
    await new Promise((r) => setTimeout(r, 300));
    await l.release();
    await (await second).release();
    assert.deepEqual(order, ['m2', 'm1']);
  });
});
