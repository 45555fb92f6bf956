// The shared pool's lease items on dynalite: conditional takes, fencing tokens, heartbeats, expiry, reclaim, waiters in order.
import assert from 'node:assert/strict';
import { QueryCommand } from '@aws-sdk/client-dynamodb';
import type { Server } from 'node:http';
import path from 'node:path';
import { dynamoClient } from '../../src/dynamo/table.js';
import { LeaseTable, type Holder } from '../../src/dynamo/lease.js';
import { findOverlaps, readAudit } from '../../src/lease/audit.js';
import { now } from '../../src/lease/clock.js';
import { SharedPool } from '../../src/pool/pool.js';
import { Waiters } from '../../src/pool/waiters.js';
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

  it('three waiters, each placed behind those it read in line, are served in the order they came, one account each', async () => {
    const name = table();
    const [m1, m2, m3] = ['m1', 'm2', 'm3'].map((who) => pool(name, { profiles: ['a'], who }));
    const line = new Waiters(dynamoClient('pool', env), name);
    const inLine = async (n: number): Promise<void> => {
      for (let i = 0; (await line.list()).length < n; i += 1) {
        assert.ok(i < 500, `never ${n} in line`);
        await new Promise((r) => setTimeout(r, 10));
      }
    };
    const held = await m1!.acquire({ test: 'first' });
    const order: string[] = [];
    const wait = (p: SharedPool, who: string): Promise<Awaited<ReturnType<SharedPool['acquire']>>> => p.acquire({ test: who }).then((l) => (order.push(who), l));
    const second = wait(m2!, 'm2');
    await inLine(1);
    const third = wait(m3!, 'm3');
    await inLine(2);
    const fourth = wait(m1!, 'm1 again');
    await inLine(3);
    await held.release();
    const l2 = await second;
    await new Promise((r) => setTimeout(r, 200)); // the others would take the account now if it were theirs
    assert.deepEqual(order, ['m2']);
    await l2.release();
    const l3 = await third;
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(order, ['m2', 'm3']);
    await l3.release();
    await (await fourth).release();
    assert.deepEqual(order, ['m2', 'm3', 'm1 again']);
  });

  it('a waiter whose only one ahead is served (its take landed, its ticket not yet gone) takes the next freed account as the head, without reading the line again', async () => {
    const name = table();
    const t = new LeaseTable({ client: dynamoClient('pool', env), table: name });
    await t.ensure();
    const line = new Waiters(dynamoClient('pool', env), name);
    // the waiter ahead: in line first, then it took `a` (the item names its ticket); its ticket has not gone yet
    const ahead = await line.enter('served', ['a', 'b'], now());
    const at = { now: now(), leaseMs: 60_000, cutoff: now() };
    assert.equal((await t.take('a', undefined, holder('served'), { ...at, ticket: ahead.sk })).ok, true);
    const other = pool(name, { who: 'other' });
    const held = await other.acquire({ test: 'holds b' });
    assert.equal(held.profile, 'b');
    // m2 counts the line readings it makes
    const client = dynamoClient('pool', env, { maxAttempts: 1 });
    let readings = 0;
    const send = client.send.bind(client) as (...a: unknown[]) => Promise<unknown>;
    (client as unknown as { send: (...a: unknown[]) => Promise<unknown> }).send = (...a) => ((readings += a[0] instanceof QueryCommand ? 1 : 0), send(...a));
    const m2 = new SharedPool({ client, table: name, profiles: ['a', 'b'], leaseMs: 60_000, who: 'm2', audit: path.join(dir, `${name}-m2.jsonl`) });
    const order: string[] = [];
    const second = m2.acquire({ test: 'm2' }).then((l) => (order.push('m2'), l));
    // its first reading, then one from after its ticket was in (the served ticket counts for nothing): the head
    for (let i = 0; readings < 2 || (await line.list()).length < 2; i += 1) {
      assert.ok(i < 500, 'm2 never waited in line');
      await new Promise((r) => setTimeout(r, 10));
    }
    const m3 = pool(name, { who: 'm3', audit: path.join(dir, `${name}-m3.jsonl`) });
    const third = m3.acquire({ test: 'm3' }).then((l) => (order.push('m3'), l));
    for (let i = 0; (await line.list()).length < 3; i += 1) {
      assert.ok(i < 500, 'm3 never waited in line');
      await new Promise((r) => setTimeout(r, 10));
    }
    const before = readings;
    await held.release();
    const l2 = await second;
    assert.deepEqual([l2.profile, order, readings - before], ['b', ['m2'], 0], 'm2 took b as the head, with no reading of the line between');
    await l2.release();
    const l3 = await third;
    assert.deepEqual([l3.profile, order], ['b', ['m2', 'm3']]);
    await l3.release();
    await line.leave(ahead.sk);
    assert.deepEqual(findOverlaps([...readAudit(path.join(dir, `${name}-m2.jsonl`)), ...readAudit(path.join(dir, `${name}-m3.jsonl`))]), []);
  });

  it("a served waiter's ticket leaves the line as its test starts, and a refresh that lands after it left does not bring it back", async () => {
    const name = table();
    const m1 = pool(name, { profiles: ['a'], who: 'm1' });
    const m2 = pool(name, { profiles: ['a'], who: 'm2' });
    const line = new Waiters(dynamoClient('pool', env), name);
    const held = await m1.acquire();
    const waiting = m2.acquire();
    let ticket: string | undefined;
    for (let i = 0; ticket === undefined; i += 1) {
      assert.ok(i < 500, 'm2 never waited in line');
      ticket = (await line.list())[0]?.sk;
      await new Promise((r) => setTimeout(r, 10));
    }
    await held.release();
    const got = await waiting;
    for (let i = 0; (await line.list()).length > 0; i += 1) {
      assert.ok(i < 500, "the served waiter's ticket never left the line");
      await new Promise((r) => setTimeout(r, 10));
    }
    await assert.rejects(line.touch(ticket, now()), { name: 'ConditionalCheckFailedException' });
    assert.deepEqual(await line.list(), []);
    await got.release();
  });
});
