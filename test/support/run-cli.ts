// Runs the uber CLI in-process with captured streams and a given cwd/env (no process exit).
import { PassThrough } from 'node:stream';
import { CommanderError } from 'commander';
import { buildProgram, fromCommanderError, type CommandResult } from '../../src/cli/program.js';
import type { Ctx } from '../../src/context.js';

export interface CliResult {
  code: number;
  out: string;
  err: string;
  error?: Error;
}

function collect(stream: PassThrough): () => string {
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  return () => Buffer.concat(chunks).toString('utf8');
}

/** Exit codes as bin.ts maps them: UsageError → 2, other errors → 1. */
export async function runCli(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const [out, err] = [collect(stdout), collect(stderr)];
  const ctx: Ctx = { cwd, env, stdout, stderr, signal: new AbortController().signal, interactive: false, debug: false };
  const result: CommandResult = { code: 0 };
  try {
    await (await buildProgram(ctx, result, args)).parseAsync(['node', 'uber', ...args]);
    return { code: result.code, out: out(), err: err() };
  } catch (e) {
    let error = e as Error;
    if (e instanceof CommanderError) {
      const mapped = fromCommanderError(e);
      if (typeof mapped === 'number') return { code: mapped, out: out(), err: err() };
      error = mapped;
    }
    return { code: error.name === 'UsageError' ? 2 : 1, out: out(), err: err(), error };
  }
}
