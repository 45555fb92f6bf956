// Signals, long version: SIGINT and SIGTERM at random moments of `uber deploy` and `uber test` (needs a built dist/).
// Usage: npx tsx bench/chaos-signals.ts [runsPerSignal=20] [deploy|test|both=both] [seed=1]
import { interruptRun, type Interrupted } from '../e2e/support/interrupt.js';
import { makeChaosProject, type ChaosProject } from '../e2e/support/project.js';
import { writeSuite } from '../e2e/support/suite.js';
import { prng } from '../test/chaos/names.js';

const [runsText = '20', which = 'both', seedText = '1'] = process.argv.slice(2);
const RUNS = Number(runsText);
const rnd = prng(Number(seedText));

function summary(what: string, signal: string, rs: Interrupted[]): boolean {
  const hit = rs.filter((r) => !r.finishedFirst);
  const bad = hit.filter((r) => r.code !== 130 || r.leftProcesses.length || r.leftTemp.length || r.leftLeases.length);
  const sum = (f: (r: Interrupted) => number): number => hit.reduce((n, r) => n + f(r), 0);
  console.log(
    `signals (${what}, ${signal}): ${hit.length - bad.length}/${hit.length} runs clean (exit 130), ${sum((r) => r.leftProcesses.length)} descendants after 6 s, ` +
      `${sum((r) => r.leftTemp.length)} temp HOMEs, ${sum((r) => r.leftLeases.length)} leases; ${what === 'uber deploy' ? `${hit.filter((r) => r.deploysStarted > 0).length} landed mid-deploy; ` : ''}${rs.length - hit.length} moments after the run`,
  );
  for (const r of bad) console.log(`  bad: ${r.signal} at +${r.afterMs} ms → exit ${r.code}; left ${r.leftProcesses.join(', ')} ${r.leftTemp.join(', ')} ${r.leftLeases.join(', ')}`);
  return bad.length === 0;
}

async function lane(kind: 'deploy' | 'test', signal: NodeJS.Signals, projects: ChaosProject[]): Promise<boolean> {
  const p = makeChaosProject({ repos: [{ name: 'orders', services: ['services/a', 'services/b'] }], profiles: ['ci-1', 'ci-2'], env: { SLS_FIXTURE_SLEEP_MS: '1500' } });
  projects.push(p);
  if (kind === 'test') writeSuite(p, 3, 3, 400);
  const args = kind === 'deploy' ? ['deploy', '--branch', 'main'] : ['test', '--profiles', 'ci-1,ci-2', '--jobs', '2'];
  const rs: Interrupted[] = [];
  for (let i = 0; i < RUNS; i += 1) rs.push(await interruptRun(p, args, signal, Math.floor(rnd() * 3000)));
  return summary(kind === 'deploy' ? 'uber deploy' : 'uber test', signal, rs);
}

const projects: ChaosProject[] = [];
try {
  const kinds = which === 'both' ? (['deploy', 'test'] as const) : ([which] as ['deploy' | 'test']);
  let ok = true;
  for (const kind of kinds) ok = (await Promise.all([lane(kind, 'SIGINT', projects), lane(kind, 'SIGTERM', projects)])).every(Boolean) && ok;
  process.exitCode = ok ? 0 : 1;
} finally {
  for (const p of projects) p.cleanup();
}
