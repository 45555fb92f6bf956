// Lease speed and safety: acquire+release when free, hand-off to a waiter, and the long chaos run with its negative control.
// Usage: npx tsx bench/lease.ts [chaosLeases=2000] (0 skips the chaos run)
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describeOverlap } from '../src/lease/audit.js';
import { LeasePool } from '../src/lease/pool.js';
import { LeaseStore } from '../src/lease/store.js';
import { runChaos } from '../test/lease/chaos/harness.js';

const [chaosLeases = 2000] = process.argv.slice(2).map(Number);
const q = (xs: readonly number[], f: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(f * xs.length))] ?? NaN;
const ms = (v: number): string => `${v.toFixed(2)} ms`;

// 1. a free profile: acquire + release in one process (what every test pays when accounts are not scarce)
const dir = mkdtempSync(path.join(os.tmpdir(), 'uber-bench-lease-'));
const pool = new LeasePool(new LeaseStore({ dir }), ['a', 'b', 'c', 'd']);
const free: number[] = [];
for (let i = 0; i < 2000; i += 1) {
  const t = performance.now();
  const lease = await pool.acquire({ test: `bench ${i}` });
  await lease.release();
  free.push(performance.now() - t);
}
pool.close();
rmSync(dir, { recursive: true, force: true });
const freeOk = q(free, 0.5) <= 2 && q(free, 0.99) <= 10;
console.log(`acquire+release, free profile (2000x): p50 ${ms(q(free, 0.5))} (goal <= 2), p99 ${ms(q(free, 0.99))} (goal <= 10)  ${freeOk ? 'ok' : 'MISSED'}`);

// 2. hand-off: 6 processes share one profile, so every release has waiters; time from release to the next start
const h = await runChaos({ leases: 600, contenders: 6, profiles: ['solo'], killRatio: 0, stops: 0, staleMs: 10_000, mode: 'uber' });
const handOk = q(h.handoffMs, 0.99) <= 25;
console.log(`hand-off to a waiting process (${h.handoffMs.length} hand-offs): p50 ${ms(q(h.handoffMs, 0.5))}, p99 ${ms(q(h.handoffMs, 0.99))} (goal <= 25)  ${handOk ? 'ok' : 'MISSED'}`);

// 3. chaos: kills and stops, zero overlaps; the same harness on plain proper-lockfile must show overlaps
let chaosOk = true;
if (chaosLeases > 0) {
  const r = await runChaos({ leases: chaosLeases, contenders: 8, profiles: ['a', 'b', 'c'], killRatio: 0.1, stops: 3, staleMs: 2500, mode: 'uber' });
  const c = await runChaos({ leases: 200, contenders: 8, profiles: ['a', 'b', 'c'], killRatio: 0, stops: 3, staleMs: 2500, mode: 'naive' });
  const back = r.recoveryMs.filter((x) => x <= 1000).length;
  chaosOk = r.overlaps.length === 0 && c.overlaps.length > 0 && r.recoveryMs.every(Number.isFinite);
  console.log(
    `chaos (uber):  ${r.leases} leases, 8 contenders, 3 profiles, ${r.kills} SIGKILLed holders, ${r.stops} SIGSTOPped past the stale window: ` +
      `${r.overlaps.length} overlaps; killed account back p50 ${ms(q(r.recoveryMs, 0.5))}, p99 ${ms(q(r.recoveryMs, 0.99))}, ${back}/${r.recoveryMs.length} within 1 s; ${(r.durationMs / 1000).toFixed(1)} s`,
  );
  for (const o of r.overlaps.slice(0, 5)) console.log(`  overlap: ${describeOverlap(o)}`);
  console.log(`chaos (plain proper-lockfile, negative control): ${c.leases} leases, ${c.stops} stops: ${c.overlaps.length} overlaps ${c.overlaps.length > 0 ? '(flagged, as it must be)' : '(NOT flagged: the checker is blind)'}`);
}
console.log(`machine: ${os.cpus().length} cores, load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
process.exitCode = chaosOk ? 0 : 1;
