// Probe bench: N terminals run uber deploy / test / sync at seeded random moments on one project; leases, state, run folders, reports and the workspace are checked afterwards.
// Usage: npx tsx bench/chaos-runs.ts [runs=12] [terminals=3] [seed=1]   (needs `npm run build`); exit 1 when a check fails.
import { buildProbe, checkAll, disposeProbe, negativeControls, planSteps, runTerminals, tally, type Check, type Probe } from '../e2e/chaos/runs-harness.js';

const [runs, terminals, seed] = [Number(process.argv[2] ?? 12), Number(process.argv[3] ?? 3), Number(process.argv[4] ?? 1)];
if (![runs, terminals, seed].every((n) => Number.isInteger(n) && n >= 0) || terminals < 1) {
  console.error('usage: npx tsx bench/chaos-runs.ts [runs] [terminals] [seed] (whole numbers, terminals >= 1)');
  process.exit(2);
}

function print(title: string, checks: readonly Check[]): boolean {
  console.log(`\n${title}`);
  for (const c of checks) console.log(`  ${c.ok ? 'ok  ' : 'FAIL'} ${c.name}: ${c.detail}`);
  return checks.every((c) => c.ok);
}

let probe: Probe | undefined;
let ok = false;
try {
  const controls = negativeControls();
  const controlsOk = print('negative controls (each checker must fail on crafted bad data):', controls);
  const t0 = Date.now();
  probe = await buildProbe();
  const steps = planSteps(runs, terminals, seed);
  console.log(`chaos-runs: ${runs} commands over ${terminals} terminals, seed ${seed}; project ${probe.p.dir}`);
  for (const list of steps) console.log(`  terminal ${list[0]?.terminal ?? '-'}: ${list.map((s) => `+${s.delayMs}ms ${s.args.slice(0, s.args[0] === 'test' ? 2 : 3).join(' ')}`).join(' | ')}`);
  const t1 = Date.now();
  const ran = await runTerminals(probe, steps);
  const wall = Date.now() - t1;
  console.log(`\ncommands (wall ${(wall / 1000).toFixed(1)} s, set-up ${((t1 - t0) / 1000).toFixed(1)} s):`);
  for (const line of tally(ran)) console.log(`  ${line}`);
  for (const r of ran.filter((x) => x.code !== 0)) {
    const lines = r.stderr.trim().split('\n');
    const why = lines.filter((l) => /not synced|busy|no healthy|leaves out|damaged|error/i.test(l)).slice(0, 2);
    console.log(`  exit ${r.code ?? r.signal} in terminal ${r.terminal}, uber ${r.args.join(' ')}: ${(why.length > 0 ? why : lines.slice(-2)).map((l) => l.trim()).join(' / ')}`);
  }
  const checks = await checkAll(probe, ran);
  const checksOk = print('checks:', checks);
  ok = controlsOk && checksOk;
  console.log(`\nchaos-runs: ${ok ? 'all checks passed' : 'CHECKS FAILED'} (${checks.filter((c) => !c.ok).length + controls.filter((c) => !c.ok).length} failed)`);
} finally {
  disposeProbe(probe);
}
process.exit(ok ? 0 : 1);
