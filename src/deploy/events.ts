// What a deploy run reports as it goes (typed, keyed by kind) and what it returns per pair.
import type { DeployAttempt, DeployStatus } from '../state/state.js';
import type { Pair } from './plan.js';

/**
 * A pair's end: a DeployStatus, or skipped: never tried because its repo did not sync (a test run uses it, it is not
 * a clone). A skipped pair writes no record: the account keeps what it ran, and its health stands.
 */
export type PairStatus = DeployStatus | 'skipped';

export interface PairOutcome {
  readonly pair: Pair;
  readonly status: PairStatus;
  /** For failed: "transient" (retries used up) or "permanent". */
  readonly failureClass?: 'transient' | 'permanent' | undefined;
  /** The failure-table rule behind the last verdict (e.g. "throttled", "credentials"); for skipped, "repo-busy" or "not-synced". */
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
