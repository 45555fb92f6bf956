#!/usr/bin/env node
// Entry point: one signal handler, run the CLI, map errors to exit codes. The only place that exits.
import { CommanderError } from 'commander';
import type { Ctx } from './context.js';
import { EXIT, InterruptedError, RunFailedError, UsageError } from './errors.js';
import { buildProgram, fromCommanderError, type CommandResult } from './cli/program.js';
import { redactText } from './redact.js';

const controller = new AbortController();
let signals = 0;
const onSignal = (sig: NodeJS.Signals): void => {
  signals += 1;
  if (signals === 1) {
    process.stderr.write(`\nuber: ${sig} received; stopping and cleaning up (press Ctrl-C again to force).\n`);
    controller.abort(new InterruptedError(`Interrupted by ${sig}.`));
  } else {
    process.exit(EXIT.interrupted);
  }
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

const debug = process.argv.includes('--debug');
const ctx: Ctx = {
  cwd: process.cwd(),
  env: process.env,
  stdout: process.stdout,
  stderr: process.stderr,
  signal: controller.signal,
  interactive: Boolean(process.stderr.isTTY) && !process.env.CI && process.env.TERM !== 'dumb',
  debug,
};

function fail(message: string): void {
  process.stderr.write(`uber: ${redactText(message, process.env)}\n`);
}

async function main(): Promise<number> {
  const result: CommandResult = { code: EXIT.ok };
  try {
    await (await buildProgram(ctx, result, process.argv.slice(2))).parseAsync(process.argv);
    if (controller.signal.aborted) return EXIT.interrupted;
    return result.code;
  } catch (e) {
    let err: unknown = e;
    if (err instanceof CommanderError) {
      const mapped = fromCommanderError(err);
      if (typeof mapped === 'number') return mapped;
      err = mapped;
    }
    if (controller.signal.aborted || err instanceof InterruptedError) {
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

const code = await main();
process.exitCode = code;
// Output flushes on a natural exit; a stray handle must not keep uber alive after its work is done.
setTimeout(() => process.exit(code), 1500).unref();
