// Small text helpers shared by the deploy views and the summary: durations, pair names, outcome words.
import type { PairOutcome } from './events.js';
import type { Pair } from './plan.js';

export function seconds(ms: number): string {
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const m = Math.floor(ms / 60_000);
  return `${m}m${String(Math.round((ms % 60_000) / 1000)).padStart(2, '0')}s`;
}

/** "orders/services/api" or "orders" for a service at the repo root. */
export function serviceName(p: Pick<Pair, 'repo' | 'service'>): string {
  return p.service === '.' ? p.repo : `${p.repo}/${p.service}`;
}

/** "ok", "no-op", "failed: permanent (credentials)", "cancelled". */
export function verdictText(o: PairOutcome): string {
  if (o.status === 'failed') return `failed: ${o.failureClass ?? 'permanent'}${o.rule ? ` (${o.rule})` : ''}`;
  return o.status;
}
