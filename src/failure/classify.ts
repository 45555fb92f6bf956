// Classifies how one deploy attempt ended (why it ended, exit code, signal, output) with the failure table.
import type { RunResult } from '../exec/run.js';
import { DEFAULT_FAILURE, RULES, type FailureClass, type Rule } from './rules.js';

export interface Classification {
  readonly class: FailureClass;
  /** The rule that decided, e.g. "throttled", "credentials", "timeout". */
  readonly rule: string;
  readonly lowerConcurrency: boolean;
}

function matches(rule: Rule, r: RunResult): boolean {
  if (rule.signal !== undefined && r.signal !== rule.signal) return false;
  if (rule.exitCode === 'nonzero' && (r.exitCode === undefined || r.exitCode === 0)) return false;
  if (typeof rule.exitCode === 'number' && r.exitCode !== rule.exitCode) return false;
  if (rule.output && !rule.output.test(r.output)) return false;
  return true;
}

const make = (rule: Rule): Classification => ({ class: rule.class, rule: rule.id, lowerConcurrency: rule.lowerConcurrency ?? false });

/** First cause wins: a cancel or timeout is never retried; otherwise the first matching rule decides. */
export function classify(r: RunResult, rules: readonly Rule[] = RULES): Classification {
  if (r.reason === 'cancelled') return { class: 'cancelled', rule: 'cancelled', lowerConcurrency: false };
  if (r.reason === 'timeout') return { class: 'permanent', rule: 'timeout', lowerConcurrency: false };
  if (r.reason === 'spawn-error') return { class: 'permanent', rule: 'command-not-started', lowerConcurrency: false };
  for (const rule of rules) if (matches(rule, r)) return make(rule);
  return make(DEFAULT_FAILURE);
}
