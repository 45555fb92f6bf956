// Lease safety at scale: the test harness's chaos run grown to many leases with SIGKILL and SIGSTOP, plus its negative control.
// Usage: npx tsx bench/chaos-leases.ts [leases=20000] [contenders=8] [profiles=4] [killRatio=0.02] [stops=10] [staleMs=2500]
import { describeOverlap } from '../src/lease/audit.js';
import { runChaos } from '../test/lease/chaos/harness.js';

const [leases = 20000, contenders = 8, profileCount = 4, killRatio = 0.02, stops = 10, staleMs = 2500] = process.argv.slice(2).map(Number);
const profiles = Array.from({ length: profileCount }, (_, i) => `p${i + 1}`);
const q = (xs: number[], f: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(f * xs.length))] ?? NaN;

const r = await runChaos({ leases, contenders, profiles, killRatio, stops, staleMs, mode: 'uber' });
console.log(
  `lease chaos: ${r.leases} leases by ${contenders} contenders on ${profileCount} profiles, ${r.kills} SIGKILLs, ${r.stops} SIGSTOPs, ` +
    `${r.overlaps.length} overlaps in ${(r.durationMs / 1000).toFixed(1)} s (${((r.leases / r.durationMs) * 1000).toFixed(0)} leases/s); ` +
    `killed account back after p50 ${q(r.recoveryMs, 0.5).toFixed(0)} ms, p99 ${q(r.recoveryMs, 0.99).toFixed(0)} ms`,
);
for (const o of r.overlaps.slice(0, 5)) console.log(`  overlap: ${describeOverlap(o)}`);
// one profile: the run cannot end until someone takes over a stopped holder's stale lock, however fast the machine
const control = await runChaos({ leases: Math.min(400, leases), contenders, profiles: ['p1'], killRatio: 0, stops: 3, staleMs, mode: 'naive' });
console.log(`negative control (plain proper-lockfile stale takeover): ${control.leases} leases, ${control.overlaps.length} overlaps ${control.overlaps.length > 0 ? '(flagged, as it must be)' : '(NOT flagged: the checker is blind)'}`);
process.exitCode = r.overlaps.length === 0 && r.recoveryMs.every(Number.isFinite) && control.overlaps.length > 0 ? 0 : 1;
