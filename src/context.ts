// The side effects a command may use, passed in so tests can swap them (cwd, env, streams, signal).
import type { Writable } from 'node:stream';

export interface Ctx {
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  readonly stdout: Writable;
  readonly stderr: Writable;
  /** Aborted on SIGINT/SIGTERM; every child process and git call takes it. */
  readonly signal: AbortSignal;
  /** A live TTY view (listr2) when true; one plain line per change otherwise. */
  readonly interactive: boolean;
  readonly debug: boolean;
}

/** Writes one line to stderr (progress) — stdout is kept for machine-readable output. */
export function say(ctx: Pick<Ctx, 'stderr'>, line: string): void {
  ctx.stderr.write(line.endsWith('\n') ? line : `${line}\n`);
}
