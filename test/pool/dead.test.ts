// A dead process on a shared pool: its waiting ticket does not hold up the line, and the account it held on this machine
// comes back at once (not after its lease); a dead holder elsewhere, or a live one here, is waited out as before.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { dynamoClient } from '../../src/dynamo/table.js';
import { LeaseTable, type Holder } from '../../src/dynamo/lease.js';
import { describeOverlap, findOverlaps, readAudit } from '../../src/lease/audit.js';
import { now } from '../../src/lease/clock.js';
import { LeaseTimeoutError } from '../../src/lease/pool.js';
import { SPACE } from '../../src/pool/here.js';
import { SharedPool } from '../../src/pool/pool.js';
import { Waiters } from '../../src/pool/waiters.js';
import { profileFiles, startDynalite, tmp } from '../mocha/support.js';
import { machineBin } from './chaos/harness.js';
import { deadPid } from '../support/dead-pid.js';

/** Far longer than any of these tests may take: an account that came back came back without waiting it out. */
const LEASE_MS = 600_000;


describe('shared pool: dead processes', function () {
  this.timeout(60_000);
  let db: { server: Server; url: string };
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let n = 0;
  const children: ChildProcess[] = [];
  before(async () => {
    db = await startDynalite();
    dir = tmp('uber-pool-dead-');
    env = { PATH: process.env.PATH, NODE_NO_WARNINGS: '1', ...profileFiles(dir, { pool: db.url }) };
  });
  after(() => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    db.server.close();
  });

  const table = (): string => `dead-${(n += 1)}`;
  const pool = (name: string, who: string, audit?: string): SharedPool =>
    new SharedPool({ client: dynamoClient('pool', env, { maxAttempts: 1 }), table: name, profiles: ['a'], leaseMs: LEASE_MS, who, audit });

  /** Another machine: a process of its own that leases `a` from `name` (HOLD=stdin: it keeps the first lease until told). */
  async function machine(name: string, hold: boolean): Promise<{ child: ChildProcess; home: string; lines: AsyncIterator<string> }> {
    const home = path.join(dir, `m-${name}-${children.length}`);
    mkdirSync(home, { recursive: true });
    const child = spawn(process.execPath, [await machineBin(), home, name, '["a"]', String(LEASE_MS), '1', 'uber', '1'], { env: { ...env, ...(hold ? { HOLD: 'stdin' } : {}) }, stdio: ['pipe', 'pipe', 'inherit'] });
    children.push(child);
    return { child, home, lines: createInterface({ input: child.stdout })[Symbol.asyncIterator]() };
  }
  const killed = (c: ChildProcess): Promise<void> => new Promise((r) => (c.exitCode !== null || c.signalCode !== null ? r() : (c.once('exit', () => r()), c.kill('SIGKILL'))));

  it("a SIGKILLed machine's waiting ticket does not keep its place: the live waiter behind it gets the account when it is freed", async () => {
    const name = table();
    const holder = await pool(name, 'holder').acquire({ test: 'holds' });
    const ghost = await machine(name, false);
    const line = new Waiters(dynamoClient('pool', env), name);
    for (let i = 0; (await line.list()).length < 1; i += 1) {
      assert.ok(i < 600, 'the other machine never waited in line');
      await new Promise((r) => setTimeout(r, 20));
    }
    await killed(ghost.child);
    const [ticket] = await line.list();
    assert.ok(ticket, 'its ticket is still in the line, at the head');
    const live = pool(name, 'live');
    const waiting = live.acquire({ test: 'next' });
    // the live waiter came after the dead one and waits in line before the account is freed
    for (let i = 0; !(await line.list()).some((t) => t.who === 'live'); i += 1) {
      assert.ok(i < 600, 'the live waiter never joined the line');
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.ok((await line.list()).find((t) => t.who === 'live')!.sk > ticket.sk, 'the live waiter came later');
    const freedAt = now();
    await holder.release();
    const lease = await waiting;
    console.log(`      the live waiter had the account ${(now() - freedAt).toFixed(0)} ms after it was freed (lease ${LEASE_MS / 1000} s)`);
    assert.equal(lease.token, 2);
    await lease.release();
    assert.deepEqual(await line.list(), [], "the dead machine's ticket was dropped");
  });

  it('an account held by a SIGKILLed process of this machine is taken back at once, audited as reclaimed', async () => {
    const name = table();
    const m = await machine(name, true);
    const held = (await m.lines.next()).value as string;
    assert.match(held, /^H a \S+ 1$/);
    await killed(m.child);
    const audit = path.join(dir, `${name}-audit.jsonl`);
    const next = pool(name, 'the next test', audit);
    const lease = await next.acquire({ test: 'next' });
    assert.equal(lease.token, 2);
    assert.equal((await next.table.read('a'))?.reclaimedFrom, `machine ${path.basename(m.home)} pid ${m.child.pid}`);
    await lease.release();
    const lines = readAudit(audit);
    assert.deepEqual(lines.map((r) => r.ended).sort(), ['reclaimed', 'released']);
    const reclaimed = lines.find((r) => r.ended === 'reclaimed')!;
    assert.equal(reclaimed.pid, m.child.pid);
    assert.ok(reclaimed.end < reclaimed.start + LEASE_MS, 'its lease is logged as ended when it was taken back, not at its expiry');
    assert.deepEqual(findOverlaps(lines).map(describeOverlap), []);
  });

  it('a dead holder in another pid space (another machine or container), and a live one here, are waited out', async () => {
    const name = table();
    const t = new LeaseTable({ client: dynamoClient('pool', env), table: name });
    await t.ensure();
    const holder = (space: string, pid: number): Holder => ({ leaseId: `h-${space}-${pid}`, who: `h ${pid}`, host: 'h', pid, space, pidStart: null, test: null, file: null, kind: 'test', run: null });
    const p = pool(name, 'waiter');
    for (const h of [holder(`elsewhere/pid:[1]`, deadPid()), holder(SPACE, process.pid)]) {
      const seen = await t.read('a');
      const took = await t.take('a', seen, h, { now: now(), leaseMs: LEASE_MS, cutoff: now() });
      assert.ok(took.ok);
      await assert.rejects(p.acquire({}, { timeoutMs: 300 }), LeaseTimeoutError, `${h.space} pid ${h.pid} is not taken from`);
      assert.equal(await t.release('a', h.leaseId, took.token, { dirty: false }), 'ok');
    }
    // the same dead pid in this pid space is taken back
    const gone = holder(SPACE, deadPid());
    const took = await t.take('a', await t.read('a'), gone, { now: now(), leaseMs: LEASE_MS, cutoff: now() });
    assert.ok(took.ok);
    const lease = await p.acquire({}, { timeoutMs: 30_000 });
    assert.equal((await t.read('a'))?.reclaimedFrom, gone.who);
    await lease.release();
  });
});
