// The two kinds of error uber knows: user mistakes (stable code, a fix, exit 2) and run outcomes.
import { ERROR_CODES, type ErrorCode, type ExitCode, type UsageCode } from './errors/codes.js';

export { EXIT, type ErrorCode, type UsageCode } from './errors/codes.js';

/**
 * Matches by name, not by prototype: the same error class can be loaded twice (ESM and CJS copies under a
 * loader such as tsx, or two installs of uber), and an error must keep its meaning across those copies.
 */
function byName(name: string): (x: unknown) => boolean {
  return (x) => x instanceof Error && x.name === name;
}

/** "You did something wrong": one sentence naming the thing and the fix. Exit 2, nothing ran. */
export class UsageError extends Error {
  static override [Symbol.hasInstance] = byName('UsageError');
  override readonly name = 'UsageError';
  constructor(
    readonly code: UsageCode,
    message: string,
    readonly details: readonly string[] = [],
  ) {
    super(message);
  }
}

/** The run happened but something in it failed (a deploy, a test, a repo). Exit 1. */
export class RunFailedError extends Error {
  static override [Symbol.hasInstance] = byName('RunFailedError');
  override readonly name = 'RunFailedError';
  readonly code = 'ERR_UBER_RUN_FAILED' satisfies ErrorCode;
}

/** The run was interrupted by SIGINT/SIGTERM; cleanup has happened. Exit 130. */
export class InterruptedError extends Error {
  static override [Symbol.hasInstance] = byName('InterruptedError');
  override readonly name = 'InterruptedError';
  readonly code = 'ERR_UBER_INTERRUPTED' satisfies ErrorCode;
  constructor(message = 'Interrupted; cleaned up what was running.') {
    super(message);
  }
}

export function isUsageError(e: unknown): e is UsageError {
  return e instanceof UsageError;
}

/** The exit code of one of uber's own errors (from the code registry); undefined for anything else (a bug). */
export function exitCodeOf(e: unknown): ExitCode | undefined {
  if (!(e instanceof UsageError || e instanceof RunFailedError || e instanceof InterruptedError)) return undefined;
  return ERROR_CODES[e.code];
}
