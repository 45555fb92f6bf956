// Runs one uber command line and maps its outcome to an exit code (UsageError 2, run failure 1, interrupt 130).
import { CommanderError } from 'commander';
import type { Ctx } from '../context.js';
import { EXIT, InterruptedError, RunFailedError, UsageError } from '../errors.js';
import { redactText } from '../redact.js';
import { buildProgram, fromCommanderError, type CommandResult } from './program.js';

export async function main(args: readonly string[], signal: AbortSignal): Promise<number> {
  const debug = args.includes('--debug');
  const ctx: Ctx = {
    cwd: process.cwd(),
    env: process.env,
    stdout: process.stdout,
    stderr: process.stderr,
    signal,
    interactive: Boolean(process.stderr.isTTY) && !process.env.CI && process.env.TERM !== 'dumb',
    debug,
  };
  const fail = (message: string): void => {
    process.stderr.write(`uber: ${redactText(message, process.env)}\n`);
  };
  const result: CommandResult = { code: EXIT.ok };
  try {
    await (await buildProgram(ctx, result, args)).parseAsync(['node', 'uber', ...args]);
    return signal.aborted ? EXIT.interrupted : result.code;
  } catch (e) {
    let err: unknown = e;
    if (err instanceof CommanderError) {
      const mapped = fromCommanderError(err);
      if (typeof mapped === 'number') return mapped;
      err = mapped;
    }
    if (signal.aborted || err instanceof InterruptedError) {
      fail((err as Error).message);
      return EXIT.interrupted;
    }
    if (err instanceof UsageError) {
      fail(err.message);
      return EXIT.usage;
    }
    if (err instanceof RunFailedError) {
      fail(err.message);
      return EXIT.failed;
    }
    fail(`internal error (a bug in uber, please report it): ${(err as Error)?.message ?? String(err)}`);
    if (debug && err instanceof Error && err.stack) process.stderr.write(`${redactText(err.stack, process.env)}\n`);
    return EXIT.failed;
  }
}
