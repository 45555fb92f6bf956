// The two kinds of error uber knows: user mistakes (stable code, a fix, exit 2) and run outcomes.

/** Exit codes, as DESIGN.md promises them. */
export const EXIT = { ok: 0, failed: 1, usage: 2, interrupted: 130 } as const;

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
    readonly code: string,
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
  readonly code = 'ERR_UBER_RUN_FAILED';
}

/** The run was interrupted by SIGINT/SIGTERM; cleanup has happened. Exit 130. */
export class InterruptedError extends Error {
  static override [Symbol.hasInstance] = byName('InterruptedError');
  override readonly name = 'InterruptedError';
  readonly code = 'ERR_UBER_INTERRUPTED';
  constructor(message = 'Interrupted; cleaned up what was running.') {
    super(message);
  }
}

export function isUsageError(e: unknown): e is UsageError {
  return e instanceof UsageError;
}
