// A shared pool keeps a worker's account between its consecutive tests while nobody waits: each test its own lease,
// token and audit line; a waiter that came meanwhile is served first; a kept item whose process died is taken back clean.
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import path from 'node:path';
import { dynamoClient } from '../../src/dynamo/table.js';
import { LeaseTable, type Holder } from '../../src/dynamo/lease.js';
import { describeOverlap, findOverlaps, readAudit } from '../../src/lease/audit.js';
import { now } from '../../src/lease/clock.js';
import { SPACE } from '../../src/pool/here.js';
import { SharedPool } from '../../src/pool/pool.js';
import { Waiters } from '../../src/pool/waiters.js';
import { profileFiles, startDynalite, tmp } from '../mocha/support.js';
import { deadPid } from '../support/dead-pid.js';


describe('shared pool: a kept account', function () {
  this.timeout(30_000);
  let db: { server: Server; url: string };
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let n = 0;
  before(async () => {
    db = await startDynalite();
    dir = tmp('uber-pool-keep-');
    env = profileFiles(dir, { pool: db.url });
  });
  after(() => db.server.close());

  const table = (): string => `keep-${(n += 1)}`;
  const pool = (name: string, who: string, profiles = ['a']): SharedPool =>
    new SharedPool({ client: dynamoClient('pool', env, { maxAttempts: 1 }), table: name, profiles, leaseMs: 60_000, who, audit: path.join(dir, `${name}-${who}.jsonl`) });
  const audit = (name: string, who: string): ReturnType<typeof readAudit> => readAudit(path.join(dir, `${name}-${who}.jsonl`));

  it('while nobody waits, the next test follows on the same account: a lease, token and audit line of its own each', async () => {
    const name = table();
    const p = pool(name, 'w', ['a', 'b']);
    // the account is never freed between the tests (a kept item follows on; it is not released and taken again)
    let releases = 0;
    const release = p.table.release.bind(p.table);
    p.table.release = (...args) => ((releases += 1), release(...args));
    const leases = [];
    for (let i = 0; i < 4; i += 1) {
      const l = await p.acquire({ test: `t${i}` });
      leases.push(l);
      assert.equal(l.active, true);
      await p.park(l);
      assert.equal(l.active, false, 'the test ended: its clients stop');
    }
    assert.deepEqual(leases.map((l) => l.profile), ['a', 'a', 'a', 'a']);
    assert.deepEqual(leases.map((l) => l.token), [1, 2, 3, 4]);
    assert.equal(new Set(leases.map((l) => l.leaseId)).size, 4);
    assert.equal(releases, 0);
    const lines = audit(name, 'w');
    assert.deepEqual(lines.map((r) => [r.test, r.token, r.ended]), [['t0', 1, 'released'], ['t1', 2, 'released'], ['t2', 3, 'released'], ['t3', 4, 'released']]);
    assert.deepEqual(findOverlaps(lines).map(describeOverlap), []);
    // nobody follows on: the account is freed after the keep
    const t = new LeaseTable({ client: dynamoClient('pool', env), table: name });
    for (let i = 0; (await t.read('a'))?.state !== 'free'; i += 1) {
      assert.ok(i < 500, 'the kept account was never freed');
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal((await t.read('a'))?.dirty, false);
  });

  it('a waiter that came while the account was kept is served before the keeper’s next test', async () => {
    const name = table();
    const m1 = pool(name, 'm1');
    const m2 = pool(name, 'm2');
    const first = await m1.acquire({ test: 'first' }); // nobody waited: m1 may keep it
    const order: string[] = [];
    const waiting = m2.acquire({ test: 'waiter' }).then((l) => (order.push('m2'), l));
    const line = new Waiters(dynamoClient('pool', env), name);
    for (let i = 0; (await line.list()).length === 0; i += 1) {
      assert.ok(i < 500, 'm2 never waited in line');
      await new Promise((r) => setTimeout(r, 20));
    }
    await m1.park(first); // kept: m1 took it when the line was empty
    const next = m1.acquire({ test: 'next' }).then((l) => (order.push('m1'), l));
    const got = await waiting;
    assert.equal(got.token, 2, 'the waiter had the account next, not the keeper');
    await got.release();
    const again = await next;
    assert.equal(again.token, 3);
    await again.release();
    assert.deepEqual(order, ['m2', 'm1']);
    assert.deepEqual(findOverlaps([...audit(name, 'm1'), ...audit(name, 'm2')]).map(describeOverlap), []);
  });

  it('a kept account whose process died is taken back clean: not reclaimed, not dirty, no cleanup', async () => {
    const name = table();
    const t = new LeaseTable({ client: dynamoClient('pool', env), table: name });
    await t.ensure();
    const cleaned: string[] = [];
    const gone: Holder = { leaseId: 'gone', who: 'a worker that ended', host: 'h', pid: deadPid(), space: SPACE, pidStart: null, test: 'its last test', file: null, kind: 'test', run: null };
    const took = await t.take('a', undefined, gone, { now: now(), leaseMs: 600_000, cutoff: now() });
    assert.ok(took.ok);
    assert.equal(await t.kept('a', 'gone', took.token), 'ok');
    const p = new SharedPool({ client: dynamoClient('pool', env, { maxAttempts: 1 }), table: name, profiles: ['a'], leaseMs: 60_000, who: 'next', audit: path.join(dir, `${name}-next.jsonl`), cleanup: (x) => Promise.resolve(void cleaned.push(x)) });
    const lease = await p.acquire({ test: 'next' });
    assert.equal(lease.token, 2);
    const item = await t.read('a');
    assert.deepEqual([item?.dirty, item?.reclaimedFrom, item?.kept], [false, '', false]);
    assert.deepEqual(cleaned, []);
    await lease.release();
    assert.deepEqual(audit(name, 'next').map((r) => r.ended), ['released'], 'nothing logged as taken back');
    // uber's sweep frees a dead worker's kept item the same way
    const again = await t.take('a', await t.read('a'), { ...gone, leaseId: 'gone-2' }, { now: now(), leaseMs: 600_000, cutoff: now() });
    assert.ok(again.ok);
    assert.equal(await t.kept('a', 'gone-2', again.token), 'ok');
    assert.deepEqual(await p.sweepDead(), ['a']);
    assert.deepEqual([(await t.read('a'))?.state, (await t.read('a'))?.dirty], ['free', false]);
    assert.deepEqual(audit(name, 'next').map((r) => r.ended), ['released']);
  });
});
