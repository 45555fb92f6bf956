// Runs the uber CLI in-process through the real main (src/cli/main.ts) with captured streams, a given cwd/env and signal.
import { PassThrough } from 'node:stream';
import { main } from '../../src/cli/main.js';

export interface CliResult {
  /** The exit code bin.ts would exit with: main's own mapping, not a copy of it. */
  code: number;
  out: string;
  err: string;
}

function collect(stream: PassThrough): () => string {
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  return () => Buffer.concat(chunks).toString('utf8');
}

export async function runCli(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}, signal: AbortSignal = new AbortController().signal): Promise<CliResult> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const [out, err] = [collect(stdout), collect(stderr)];
  const code = await main(args, { cwd, env, stdout, stderr, signal });
  return { code, out: out(), err: err() };
}
