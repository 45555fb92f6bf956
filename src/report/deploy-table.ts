// The end-of-deploy table: one row per service, one column per profile, each cell the verdict, attempts and time.
import type { PairOutcome } from '../deploy/events.js';
import { serviceName, verdictText } from '../deploy/format.js';
import { secs, table } from '../util/format.js';

function cell(o: PairOutcome | undefined): string {
  if (!o) return '-';
  if ((o.status === 'cancelled' || o.status === 'unchanged' || o.status === 'skipped') && o.attempts.length === 0) return o.status;
  return `${verdictText(o)} ${o.attempts.length}× ${secs(o.durationMs)}`;
}

/** Renders the service × profile table as aligned text lines (no trailing newline). */
export function summaryTable(outcomes: readonly PairOutcome[], profiles: readonly string[]): string {
  const services = [...new Set(outcomes.map((o) => serviceName(o.pair)))];
  const byKey = new Map(outcomes.map((o) => [`${serviceName(o.pair)}\u0000${o.pair.profile}`, o]));
  const rows = services.map((s) => [s, ...profiles.map((p) => cell(byKey.get(`${s}\u0000${p}`)))]);
  const count = (st: PairOutcome['status']): number => outcomes.filter((o) => o.status === st).length;
  const ran = outcomes.length - count('unchanged') - count('skipped');
  const same = count('unchanged') > 0 ? `; ${count('unchanged')} unchanged (not deployed)` : '';
  const skipped = count('skipped') > 0 ? `; ${count('skipped')} skipped (repo not synced, not deployed)` : '';
  const totals = `${ran} deploy${ran === 1 ? '' : 's'}: ${count('ok')} ok, ${count('no-op')} no-op, ${count('failed')} failed, ${count('cancelled')} cancelled${same}${skipped}`;
  return `${table(['service', ...profiles], rows, { left: true, rule: true })}\n${totals}`;
}
