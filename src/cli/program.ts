// Builds the commander program: global flags, one sub-command per file, usage errors as UsageError.
import { Command, CommanderError, Option } from 'commander';
import type { Ctx } from '../context.js';
import { UsageError } from '../errors.js';
import { requestedCommand } from './requested.js';
import { VERSION } from './version.js';

/** What a command's action reports back to the entry point. */
export interface CommandResult {
  code: number;
}

/** Registers a sub-command; its action resolves to an exit code. */
export type Register = (program: Command, ctx: Ctx, result: CommandResult) => void;

/** Each command's module, loaded only when needed: a run of `uber deploy` never loads mocha or the AWS SDK. */
const COMMANDS: Record<string, () => Promise<Register>> = {
  sync: async () => (await import('./sync.js')).registerSync,
  deploy: async () => (await import('./deploy.js')).registerDeploy,
  test: async () => (await import('./test.js')).registerTest,
  run: async () => (await import('./run.js')).registerRun,
  sandbox: async () => (await import('./sandbox.js')).registerSandbox,
  ci: async () => (await import('./ci.js')).registerCi,
  report: async () => (await import('./report.js')).registerReport,
  doctor: async () => (await import('./doctor.js')).registerDoctor,
  pool: async () => (await import('./pool.js')).registerPool,
};

/**
 * Builds the program for `args` (the words after `uber`): only the requested command's module is loaded;
 * help, version and unknown commands load them all so the command list is complete.
 */
export async function buildProgram(ctx: Ctx, result: CommandResult, args: readonly string[] = []): Promise<Command> {
  const wanted = requestedCommand(args);
  const versionOnly = wanted === undefined && (args.includes('--version') || args.includes('-V'));
  const names = versionOnly ? [] : wanted !== undefined && wanted in COMMANDS ? [wanted] : Object.keys(COMMANDS);
  const registers = await Promise.all(names.map((n) => COMMANDS[n]!()));
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
  for (const register of registers) register(program, ctx, result);
  program.commands.forEach((c) => c.exitOverride().configureOutput({ writeOut: (s) => ctx.stdout.write(s), writeErr: () => undefined }));
  return program;
}

/** Turns commander's own errors into uber's: help/version are success, anything else is a usage error. */
export function fromCommanderError(e: CommanderError): UsageError | number {
  if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return 0;
  // one line: commander puts its "(Did you mean deploy?)" hint on a line of its own
  const msg = e.message.replace(/^error:\s*/, '').replace(/\s*\n\s*/g, ' ').replace(/\.?\s*$/, '');
  const hint = e.code === 'commander.unknownCommand' || e.code === 'commander.unknownOption' ? 'run uber --help for the list' : 'run the command with --help for its usage';
  return new UsageError('ERR_UBER_USAGE', `${msg[0]?.toUpperCase() ?? ''}${msg.slice(1)}; ${hint}.`);
}
