// A lease's lock kept for the holder's next test (LeasePool.park): own lease and audit line per test, no lock dir
// in between, freed at once for a waiter, after KEEP_MS, on exit; and a lost lock is never reused.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, utimesSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findOverlaps, readAudit } from '../../src/lease/audit.js';
import { breakLock } from '../../src/lease/breaker.js';
import { OWNER_FILE } from '../../src/lease/lockfs.js';
import { readOwner } from '../../src/lease/owner.js';
import { KEEP_MS, LeasePool } from '../../src/lease/pool.js';
import { LeaseStore } from '../../src/lease/store.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const locks = (dir: string): string[] => readdirSync(dir).filter((n) => n.endsWith('.lock'));

describe('lease/park: a lock kept between one worker’s tests', function () {
  this.timeout(20_000);
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'uber-park-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('gives each test its own lease and audit line on the same lock dir, and frees it KEEP_MS after the last', async () => {
    const store = new LeaseStore({ dir });
    const pool = new LeasePool(store, ['p1', 'p2']);
    const first = await pool.acquire({ file: 'a.spec.ts', test: 't1' });
    const lockDir = store.lockPath(first.profile);
    const born = statSync(lockDir).ino;
    await pool.park(first);
    assert.equal(first.signal.aborted, true, 'the first test’s clients stop when its lease ends');
    assert.equal(first.active, false);
    const second = await pool.acquire({ file: 'b.spec.ts', test: 't2' });
    assert.equal(second.profile, first.profile);
    assert.notEqual(second.leaseId, first.leaseId);
    assert.equal(statSync(lockDir).ino, born, 'the same lock dir: no lock was taken again');
    const owner = readOwner(path.join(lockDir, OWNER_FILE));
    assert.deepEqual([owner?.leaseId, owner?.test, owner?.file], [second.leaseId, 't2', 'b.spec.ts'], 'the lock names the test using it now');
    assert.ok(second.start >= first.start);
    await pool.park(second);
    assert.deepEqual(locks(dir), [path.basename(lockDir)], 'kept while the worker may have another test');
    await sleep(KEEP_MS + 150);
    assert.deepEqual(locks(dir), [], 'freed once no test came');
    const log = readAudit(path.join(dir, 'audit.jsonl'));
    assert.deepEqual(log.map((r) => [r.leaseId, r.test, r.ended]), [[first.leaseId, 't1', 'released'], [second.leaseId, 't2', 'released']]);
    assert.ok(log[0]!.end <= log[1]!.start, 'the two uses do not overlap');
    pool.close();
  });

  it('frees a kept lock at once when another process gets in line for a profile', async () => {
    const store = new LeaseStore({ dir });
    const mine = new LeasePool(store, ['p1']);
    const lease = await mine.acquire({ test: 'mine' });
    await mine.park(lease);
    const other = new LeasePool(new LeaseStore({ dir }), ['p1']);
    const t0 = Date.now();
    const theirs = await other.acquire({ test: 'theirs' }, { timeoutMs: 5000 });
    assert.ok(Date.now() - t0 < KEEP_MS, `the waiter got the account in ${Date.now() - t0} ms, before the keep time ran out`);
    const next = mine.acquire({ test: 'mine again' }, { timeoutMs: 5000 });
    await sleep(50);
    await theirs.release();
    await (await next).release();
    const log = readAudit(path.join(dir, 'audit.jsonl'));
    assert.deepEqual(log.map((r) => r.test), ['mine', 'theirs', 'mine again']);
    assert.deepEqual(findOverlaps(log), []);
    mine.close();
    other.close();
  });

  it('does not park while someone waits: the account goes to the waiter', async () => {
    const store = new LeaseStore({ dir });
    const mine = new LeasePool(store, ['p1']);
    const lease = await mine.acquire({ test: 'mine' });
    const other = new LeasePool(new LeaseStore({ dir }), ['p1']);
    const waiting = other.acquire({ test: 'theirs' }, { timeoutMs: 5000 });
    await sleep(100);
    await mine.park(lease);
    const theirs = await waiting;
    assert.equal(theirs.profile, 'p1');
    await theirs.release();
    mine.close();
    other.close();
  });

  it('never reuses a kept lock that was broken meanwhile: the next test takes a fresh lock', async () => {
    const store = new LeaseStore({ dir, staleMs: 1000 });
    const pool = new LeasePool(store, ['p1']);
    const first = await pool.acquire({ test: 't1' });
    await pool.park(first);
    const old = new Date(Date.now() - 5000); // as after a long freeze of this worker: no refresh for 5 s
    utimesSync(store.lockPath('p1'), old, old);
    const view = store.view('p1');
    assert.ok(view);
    assert.equal(view.verdict, 'stale');
    assert.ok(breakLock(store.lockPath('p1'), view, 1000), 'another process broke the kept lock');
    const second = await pool.acquire({ test: 't2' }, { timeoutMs: 5000 });
    assert.equal(readOwner(path.join(store.lockPath('p1'), OWNER_FILE))?.leaseId, second.leaseId);
    assert.equal(second.stillOwned(), true);
    await second.release();
    assert.deepEqual(locks(dir), []);
    pool.close();
  });

  it('a worker that exits with a kept lock frees it and logs no extra lease', async () => {
    const script = fileURLToPath(new URL('./park-exit.fixture.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', script, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    const code = await new Promise<number | null>((r) => child.on('exit', r));
    assert.equal(code, 0, out);
    assert.match(out, /parked/);
    assert.deepEqual(locks(dir), [], 'the lock went with the process');
    const log = readAudit(path.join(dir, 'audit.jsonl'));
    assert.deepEqual(log.map((r) => [r.test, r.ended]), [['only', 'released']]);
  });
});
