// Runs one uber command line and maps its outcome to an exit code (from the code registry: usage 2, run failure 1, interrupt 130).
import type { Ctx } from '../context.js';
import { EXIT, exitCodeOf } from '../errors.js';
import type { CommandResult } from './program.js';
import { requestedCommand } from './requested.js';
import { dropEarlyMocha, MOCHA_GRACE_MS, startEarlyMochaFor } from '../testrun/early.js';
import { warmWorkerCount } from '../testrun/warm-hint.js';
import { wantsColour, type MaybeTty } from '../ui/colour.js';

/** What main needs from its surroundings: bin.ts passes the process's own, tests pass their own (never exits). */
export type MainCtx = Pick<Ctx, 'cwd' | 'env' | 'stdout' | 'stderr' | 'signal'>;

/** A live view only on a terminal that is not CI and not dumb. */
function isInteractive(io: MainCtx): boolean {
  return Boolean((io.stderr as { isTTY?: boolean }).isTTY) && !io.env.CI && io.env.TERM !== 'dumb';
}

export async function main(args: readonly string[], io: MainCtx): Promise<number> {
  const debug = args.includes('--debug');
  const ctx: Ctx = { cwd: io.cwd, env: io.env, stdout: io.stdout, stderr: io.stderr, signal: io.signal, interactive: isInteractive(io), debug };
  const result: CommandResult = { code: EXIT.ok };
  // `uber test`: mocha's process starts loading now, before uber's own modules (src/testrun/early.ts): this module
  // imports only what that needs, the rest loads below
  if (requestedCommand(args) === 'test' && !args.some((a) => a === '--help' || a === '-h')) {
    const workers = warmWorkerCount(args, io.cwd, io.env);
    startEarlyMochaFor({ cwd: io.cwd, env: io.env, signal: io.signal, graceMs: MOCHA_GRACE_MS, color: wantsColour(io.stdout as MaybeTty, io.env), workers });
  }
  const cli = Promise.all([import('commander'), import('../redact.js'), import('./program.js')]);
  try {
    const [, , { buildProgram }] = await cli;
    await (await buildProgram(ctx, result, args)).parseAsync(['node', 'uber', ...args]);
    return io.signal.aborted ? EXIT.interrupted : result.code;
  } catch (e) {
    const [{ CommanderError }, { redactText }, { fromCommanderError }] = await cli;
    const fail = (message: string): void => {
      io.stderr.write(`uber: ${redactText(message, io.env)}\n`);
    };
    let err: unknown = e;
    if (err instanceof CommanderError) {
      const mapped = fromCommanderError(err);
      if (typeof mapped === 'number') return mapped;
      err = mapped;
    }
    if (io.signal.aborted) {
      fail((err as Error).message);
      return EXIT.interrupted;
    }
    const code = exitCodeOf(err);
    if (code !== undefined) {
      fail((err as Error).message);
      return code;
    }
    fail(`internal error (a bug in uber, please report it): ${(err as Error)?.message ?? String(err)}`);
    if (debug && err instanceof Error && err.stack) io.stderr.write(`${redactText(err.stack, io.env)}\n`);
    return EXIT.failed;
  } finally {
    await dropEarlyMocha(); // a usage error, --help or no files: the waiting mocha exits unused
  }
}
