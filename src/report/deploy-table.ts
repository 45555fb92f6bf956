// The end-of-deploy table: one row per service, one column per profile, each cell the verdict, attempts and time.
import type { PairOutcome } from '../deploy/events.js';
import { seconds, serviceName, verdictText } from '../deploy/format.js';

function cell(o: PairOutcome | undefined): string {
  if (!o) return '-';
  if ((o.status === 'cancelled' || o.status === 'unchanged') && o.attempts.length === 0) return o.status;
  return `${verdictText(o)} ${o.attempts.length}× ${seconds(o.durationMs)}`;
}

/** Renders the service × profile table as aligned text lines (no trailing newline). */
export function summaryTable(outcomes: readonly PairOutcome[], profiles: readonly string[]): string {
  const services = [...new Set(outcomes.map((o) => serviceName(o.pair)))];
  const byKey = new Map(outcomes.map((o) => [`${serviceName(o.pair)}\u0000${o.pair.profile}`, o]));
  const rows: string[][] = [['service', ...profiles]];
  for (const s of services) rows.push([s, ...profiles.map((p) => cell(byKey.get(`${s}\u0000${p}`)))]);
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const line = (r: string[]): string => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  const rule = widths.map((w) => '─'.repeat(w)).join('  ');
  const count = (st: PairOutcome['status']): number => outcomes.filter((o) => o.status === st).length;
  const ran = outcomes.length - count('unchanged');
  const same = count('unchanged') > 0 ? `; ${count('unchanged')} unchanged (not deployed)` : '';
  const totals = `${ran} deploy${ran === 1 ? '' : 's'}: ${count('ok')} ok, ${count('no-op')} no-op, ${count('failed')} failed, ${count('cancelled')} cancelled${same}`;
  return [line(rows[0]!), rule, ...rows.slice(1).map(line), rule, totals].join('\n');
}
