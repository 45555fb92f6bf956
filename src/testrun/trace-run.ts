// The trace of one `uber test` run: on with UBER_TRACE=1 or --debug; printed to stderr when the run ends.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { say, type Ctx } from '../context.js';
import { mark, readTrace, renderTrace, TRACE_ENV } from './trace.js';

export interface RunTrace {
  mark(phase: string): void;
  /** Prints the merged timeline of uber, mocha and the workers, then removes the trace file. */
  finish(): void;
}

const OFF: RunTrace = { mark: () => undefined, finish: () => undefined };

/** Starts tracing when asked to; the trace file travels to mocha and its workers in ctx.env (UBER_TRACE_FILE). */
export function startTrace(ctx: Ctx): RunTrace {
  const on = ctx.debug || (ctx.env.UBER_TRACE !== undefined && ctx.env.UBER_TRACE !== '' && ctx.env.UBER_TRACE !== '0');
  if (!on) return OFF;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'uber-trace-'));
  const file = path.join(dir, 'trace.jsonl');
  ctx.env[TRACE_ENV] = file;
  mark('uber', 'process started', performance.timeOrigin, ctx.env);
  mark('uber', 'command parsed', undefined, ctx.env);
  return {
    mark: (phase) => mark('uber', phase, undefined, ctx.env),
    finish: () => {
      mark('uber', 'run finished', undefined, ctx.env);
      say(ctx, `uber: phase trace (ms since uber started):\n${renderTrace(readTrace(file), performance.timeOrigin)}`);
      delete ctx.env[TRACE_ENV];
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
