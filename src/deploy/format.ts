// Small text helpers shared by the deploy views and the summary: pair names, outcome words (durations: util/format secs).
import type { PairOutcome } from './events.js';
import type { Pair } from './plan.js';

/** "orders/services/api" or "orders" for a service at the repo root. */
export function serviceName(p: Pick<Pair, 'repo' | 'service'>): string {
  return p.service === '.' ? p.repo : `${p.repo}/${p.service}`;
}

/** "ok", "no-op", "failed: permanent (credentials)", "cancelled", "skipped (repo-busy)". */
export function verdictText(o: PairOutcome): string {
  if (o.status === 'failed') return `failed: ${o.failureClass ?? 'permanent'}${o.rule ? ` (${o.rule})` : ''}`;
  if (o.status === 'skipped') return `skipped${o.rule ? ` (${o.rule})` : ''}`;
  return o.status;
}
