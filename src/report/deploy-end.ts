// The end of a deploy on screen: each failure's last lines and log path, the summary table, warnings, --json on stdout.
import type { Ctx } from '../context.js';
import type { DeployResult } from '../deploy/deploy.js';
import { serviceName, verdictText } from '../deploy/format.js';
import type { Redactor } from '../redact.js';
import { lastRun } from '../state/state.js';
import { summaryTable } from './deploy-table.js';

export function printDeployEnd(ctx: Pick<Ctx, 'stderr' | 'stdout'>, r: DeployResult, json: boolean, redactor: Redactor): void {
  const err = (text: string): void => void ctx.stderr.write(`${redactor.redact(text)}\n`);
  for (const o of r.outcomes.filter((x) => x.status === 'failed')) {
    err(`\n✖ ${serviceName(o.pair)} → ${o.pair.profile}: ${verdictText(o)} after ${o.attempts.length} attempt${o.attempts.length === 1 ? '' : 's'}; last ${o.tail.length} lines:`);
    err(o.tail.map((l) => `  │ ${l}`).join('\n'));
    if (o.attempts.length > 0) err(`  full log: ${o.log}`);
  }
  // a skipped repo is said once, not once per pair
  for (const why of new Set(r.outcomes.filter((x) => x.status === 'skipped').flatMap((o) => o.tail))) err(`\n⚠ ${why}`);
  const kept = r.outcomes.flatMap((o) => o.kept);
  if (kept.length > 0) err(`\nkept temp dirs (--keep-temp):\n${kept.map((k) => `  ${k}`).join('\n')}`);
  err(`\n${summaryTable(r.outcomes, r.profiles)}`);
  for (const w of r.warnings) err(w);
  const unhealthy = r.profiles.filter((p) => r.state.profiles[p]?.healthy === false);
  err(`${unhealthy.length ? `unhealthy profiles (uber test skips them): ${unhealthy.join(', ')}` : 'all profiles healthy'}; state: ${r.statePath}; logs: ${r.logs}`);
  if (json) {
    // this run's part, its accounts in its own order: state.json also keeps other runs' accounts, which are not this run's
    const mine = lastRun(r.state, r.runId);
    const profiles = Object.fromEntries(r.profiles.filter((p) => mine.profiles[p]).map((p) => [p, mine.profiles[p]]));
    ctx.stdout.write(`${redactor.redact(JSON.stringify({ ...mine, profiles }, null, 2))}\n`);
  }
}
