// Builds the commander program: global flags, one sub-command per file, usage errors as UsageError.
import { Command, CommanderError, Option } from 'commander';
import type { Ctx } from '../context.js';
import { UsageError } from '../errors.js';
import { registerCi } from './ci.js';
import { registerDeploy } from './deploy.js';
import { registerDoctor } from './doctor.js';
import { registerReport } from './report.js';
import { registerSandbox } from './sandbox.js';
import { registerSync } from './sync.js';
import { registerTest } from './test.js';
import { VERSION } from './version.js';

/** What a command's action reports back to the entry point. */
export interface CommandResult {
  code: number;
}

/** Registers a sub-command; its action resolves to an exit code. */
export type Register = (program: Command, ctx: Ctx, result: CommandResult) => void;

export function buildProgram(ctx: Ctx, result: CommandResult): Command {
  const program = new Command('uber')
    .description('Multi-account parallel deploy-and-test orchestrator for serverless teams on AWS.')
    .version(VERSION)
    .addOption(new Option('--config <path>', 'path to uber.config.yaml (default: nearest one from the current folder up)'))
    .addOption(new Option('--debug', 'print stack traces for unexpected errors'))
    .showHelpAfterError(false)
    .exitOverride()
    .configureOutput({
      writeOut: (s) => ctx.stdout.write(s),
      writeErr: () => undefined, // usage errors are rethrown and printed once by bin.ts
    });
  for (const register of [registerSync, registerDeploy, registerTest, registerSandbox, registerCi, registerReport, registerDoctor]) {
    register(program, ctx, result);
  }
  program.commands.forEach((c) => c.exitOverride().configureOutput({ writeOut: (s) => ctx.stdout.write(s), writeErr: () => undefined }));
  return program;
}

/** Turns commander's own errors into uber's: help/version are success, anything else is a usage error. */
export function fromCommanderError(e: CommanderError): UsageError | number {
  if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return 0;
  // one line: commander puts its "(Did you mean deploy?)" hint on a line of its own
  const msg = e.message.replace(/^error:\s*/, '').replace(/\s*\n\s*/g, ' ').replace(/\.?\s*$/, '');
  const hint = e.code === 'commander.unknownCommand' || e.code === 'commander.unknownOption' ? 'run uber --help for the list' : 'run the command with --help for its usage';
  return new UsageError(`ERR_UBER_USAGE`, `${msg[0]?.toUpperCase() ?? ''}${msg.slice(1)}; ${hint}.`);
}
