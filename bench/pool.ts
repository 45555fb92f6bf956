// Shared pool (DynamoDB on the sandbox's dynalite, in its own process): per-lease cost, hand-off between machines, and the
// long chaos run (≥ 5,000 leases, 3 machines × 3 workers, kills and stops) with its unconditional-write control.
// Usage: npx tsx bench/pool.ts [chaosLeases=5000] [faults=0|1] (chaosLeases 0 skips the chaos run)
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { dynamoClient } from '../src/dynamo/table.js';
import { describeOverlap } from '../src/lease/audit.js';
import { now } from '../src/lease/clock.js';
import { LeasePool } from '../src/lease/pool.js';
import { LeaseStore } from '../src/lease/store.js';
import { SharedPool } from '../src/pool/pool.js';
import { profileFiles } from '../test/mocha/support.js';
import { runPoolChaos } from '../test/pool/chaos/harness.js';

const [chaosLeases = 5000, withFaults = 0] = process.argv.slice(2).map(Number);
const q = (xs: readonly number[], f: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(f * xs.length))] ?? NaN;
const ms = (v: number): string => `${v.toFixed(2)} ms`;
const line = (what: string, xs: readonly number[]): void => console.log(`${what} (${xs.length}x): p50 ${ms(q(xs, 0.5))}, p99 ${ms(q(xs, 0.99))}, max ${ms(Math.max(...xs))}`);

// dynalite in a process of its own, as `uber sandbox up` runs it: the bench's clients do not share its event loop
const port = 20000 + Math.floor(Math.random() * 20000);
const dynalite = createRequire(import.meta.url).resolve('dynalite');
const server = spawn(process.execPath, ['-e', `require(${JSON.stringify(dynalite)})({ createTableMs: 0 }).listen(${port}, '127.0.0.1', () => console.log('up'))`], { stdio: ['ignore', 'pipe', 'inherit'] });
await new Promise((r) => server.stdout.once('data', r));
const dir = mkdtempSync(path.join(os.tmpdir(), 'uber-bench-pool-'));
const env = { ...process.env, ...profileFiles(dir, { pool: `http://127.0.0.1:${port}` }) };
const shared = (table: string, who: string, profiles = ['a', 'b', 'c', 'd']): SharedPool =>
  new SharedPool({ client: dynamoClient('pool', env, { maxAttempts: 1 }), table, profiles, leaseMs: 60_000, who, audit: path.join(dir, `${who}.jsonl`) });

// 1. per-lease cost when an account is free: acquire (read + waiters + conditional take) and release (conditional write)
const one = shared('bench-cost', 'm1');
await (await one.acquire()).release(); // creates the table, warms the client
const acquire: number[] = [];
const release: number[] = [];
for (let i = 0; i < 500; i += 1) {
  const t0 = performance.now();
  const lease = await one.acquire({ test: `bench ${i}` });
  const t1 = performance.now();
  await lease.release();
  acquire.push(t1 - t0);
  release.push(performance.now() - t1);
}
line('shared pool, free account: acquire', acquire);
line('shared pool, free account: release', release);
line('shared pool, free account: acquire+release', acquire.map((a, i) => a + release[i]!));
// the plugin ends each test's lease with park: while nobody waits, the next test follows on the kept account
const kept: number[] = [];
for (let i = 0; i < 500; i += 1) {
  const t = performance.now();
  await one.park(await one.acquire({ test: `kept ${i}` }));
  kept.push(performance.now() - t);
}
await one.releaseKept();
line('shared pool, one worker test after test (kept while nobody waits): acquire+park', kept);
const local = new LeasePool(new LeaseStore({ dir: path.join(dir, 'leases') }), ['a', 'b', 'c', 'd']);
const lockfile: number[] = [];
for (let i = 0; i < 500; i += 1) {
  const t = performance.now();
  await (await local.acquire({ test: `bench ${i}` })).release();
  lockfile.push(performance.now() - t);
}
local.close();
line('lock files (today), same loop: acquire+release', lockfile);

// 2. hand-off between machines: m1 holds the only account, m2 waits (polling with backoff + jitter); time from m1's release to m2's lease
const m1 = shared('bench-handoff', 'm1', ['only']);
const m2 = shared('bench-handoff', 'm2', ['only']);
const handoff: number[] = [];
const returned: number[] = [];
for (let i = 0; i < 40; i += 1) {
  const held = await m1.acquire();
  const waiting = m2.acquire().then((l) => ({ l, at: now() }));
  await new Promise((r) => setTimeout(r, 100 + Math.random() * 400)); // m2 is in line, at some point of its backoff
  const t = now();
  await held.release();
  const got = await waiting;
  handoff.push(got.l.start - t);
  returned.push(got.at - t);
  await got.l.release();
}
line('hand-off to a waiter on another machine (release → its lease)', handoff);
line('hand-off to a waiter on another machine (release → its acquire returned: its test starts)', returned);
console.log(`  goal: a freed account reaches a waiter on another machine within about 1 s: p99 ${ms(q(handoff, 0.99))} ${q(handoff, 0.99) <= 1000 ? 'ok' : 'MISSED'}`);
server.kill();

// 3. chaos: ≥ 5,000 leases, 3 machines × 3 workers on 4 accounts, SIGKILLs and SIGSTOPs past the lease (optionally faults)
if (chaosLeases > 0) {
  const faults = withFaults ? { throttle: 0.02, error500: 0.01, lostReply: 0.01, slowReply: 0.002 } : undefined;
  const r = await runPoolChaos({ leases: chaosLeases, machines: 3, workers: 3, profiles: ['p1', 'p2', 'p3', 'p4'], leaseMs: 2500, kills: 6, stops: 2, mode: 'uber', faults });
  console.log(
    `chaos: ${r.leases} leases, ${r.kills} SIGKILLs, ${r.stops} SIGSTOPs, ${r.reclaimed} reclaimed, ${r.overlaps.length} overlaps in ${(r.durationMs / 1000).toFixed(1)} s` +
      `${r.faults ? `; faults ${JSON.stringify(r.faults)}, ${r.retries} retries, ${r.rereads} re-reads` : ''}`,
  );
  console.log(`  recovery after a SIGKILL (lease 2500 ms): ${r.recoveryMs.map((m) => `${m.toFixed(0)} ms`).join(', ')}`);
  if (r.handoffMs.length > 0) line('  hand-offs between machines during chaos', r.handoffMs);
  for (const o of r.overlaps.slice(0, 5)) console.log(`  OVERLAP ${describeOverlap(o)}`);
  const control = await runPoolChaos({ leases: 300, machines: 3, workers: 3, profiles: ['p1', 'p2'], leaseMs: 2500, kills: 0, stops: 0, mode: 'naive' });
  console.log(`negative control (read, then an unconditional put): ${control.overlaps.length} overlaps flagged in ${control.leases} leases ${control.overlaps.length > 0 ? 'ok' : 'MISSED'}`);
}
