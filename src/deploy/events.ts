// What a deploy run reports as it goes (typed, keyed by kind) and what it returns per pair.
import type { DeployAttempt, DeployStatus } from '../state/state.js';
import type { Pair } from './plan.js';

export interface PairOutcome {
  readonly pair: Pair;
  readonly status: DeployStatus;
  /** For failed: "transient" (retries used up) or "permanent". */
  readonly failureClass?: 'transient' | 'permanent' | undefined;
  /** The failure-table rule behind the last verdict (e.g. "throttled", "credentials"). */
  readonly rule?: string | undefined;
  readonly attempts: readonly DeployAttempt[];
  readonly durationMs: number;
  readonly log: string;
  /** Last 20 lines of the last attempt's output, redacted. */
  readonly tail: readonly string[];
  /** Temp dirs left on disk with --keep-temp. */
  readonly kept: readonly string[];
}

export type DeployEvent =
  | { readonly kind: 'start'; readonly pair: Pair; readonly attempt: number }
  | { readonly kind: 'retry'; readonly pair: Pair; readonly attempt: number; readonly delayMs: number; readonly rule: string }
  | { readonly kind: 'concurrency'; readonly limit: number; readonly rule: string }
  /** The account is held by someone else (a test, another deploy): this run waits for it. */
  | { readonly kind: 'wait'; readonly profile: string; readonly holder: string; readonly timeoutMs: number }
  | { readonly kind: 'done'; readonly outcome: PairOutcome };

/** Epoch ms, comparable across processes (performance.timeOrigin + performance.now()). */
export const epochMs = (): number => performance.timeOrigin + performance.now();
