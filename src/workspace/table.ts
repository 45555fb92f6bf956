// Renders sync outcomes for people: the one-line-per-repo form (CI) and the summary table.
import { table } from '../util/format.js';
import type { SyncOutcome } from './types.js';

/** "cloned", "skipped: <reason>", "failed: <reason>". */
export function statusText(o: SyncOutcome): string {
  return o.reason && (o.status === 'skipped' || o.status === 'failed') ? `${o.status}: ${o.reason}` : o.status;
}

/** One plain line for a finished repo, for logs that are not a terminal. */
export function outcomeLine(o: SyncOutcome): string {
  const where = o.branch ? `${o.branch}${o.fallback ? ' (fallback)' : ''} @ ${o.commit?.slice(0, 7) ?? '-'}` : '-';
  return `sync ${o.repo}: ${statusText(o)} [${where}]`;
}

/** The summary table: repo, branch, fallback, commit, status. */
export function summaryTable(outcomes: readonly SyncOutcome[]): string {
  const rows = outcomes.map((o) => [o.repo, o.branch ?? '-', o.fallback ? 'yes' : 'no', o.commit?.slice(0, 7) ?? '-', statusText(o)]);
  const lines = table(['REPO', 'BRANCH', 'FALLBACK', 'COMMIT', 'STATUS'], rows, { left: true });
  const counts = new Map<string, number>();
  for (const o of outcomes) counts.set(o.status, (counts.get(o.status) ?? 0) + 1);
  const total = [...counts].map(([s, n]) => `${n} ${s}`).join(', ');
  return `${lines}\n${outcomes.length} repo${outcomes.length === 1 ? '' : 's'}: ${total}\n`;
}
