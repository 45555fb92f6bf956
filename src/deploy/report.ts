// The end of a deploy on screen: each failure's last lines and log path, the summary table, --json on stdout.
import type { Ctx } from '../context.js';
import type { Redactor } from '../redact.js';
import type { UberState } from '../state/state.js';
import type { PairOutcome } from './events.js';
import { serviceName, verdictText } from './format.js';
import { summaryTable } from './summary.js';

export interface ReportInput {
  readonly outcomes: readonly PairOutcome[];
  readonly profiles: readonly string[];
  readonly state: UberState;
  readonly redactor: Redactor;
  readonly json: boolean;
  readonly statePath: string;
}

export function printReport(ctx: Pick<Ctx, 'stderr' | 'stdout'>, r: ReportInput): void {
  const err = (text: string): void => void ctx.stderr.write(`${r.redactor.redact(text)}\n`);
  for (const o of r.outcomes.filter((x) => x.status === 'failed')) {
    err(`\n✖ ${serviceName(o.pair)} → ${o.pair.profile}: ${verdictText(o)} after ${o.attempts.length} attempt${o.attempts.length === 1 ? '' : 's'}; last ${o.tail.length} lines:`);
    err(o.tail.map((l) => `  │ ${l}`).join('\n'));
    err(`  full log: ${o.log}`);
  }
  const kept = r.outcomes.flatMap((o) => o.kept);
  if (kept.length > 0) err(`\nkept temp dirs (--keep-temp):\n${kept.map((k) => `  ${k}`).join('\n')}`);
  err(`\n${summaryTable(r.outcomes, r.profiles)}`);
  const unhealthy = Object.entries(r.state.profiles).filter(([, p]) => !p.healthy).map(([n]) => n);
  err(`${unhealthy.length ? `unhealthy profiles (uber test skips them): ${unhealthy.join(', ')}` : 'all profiles healthy'}; state: ${r.statePath}`);
  if (r.json) ctx.stdout.write(`${r.redactor.redact(JSON.stringify(r.state, null, 2))}\n`);
}
