// What each mocha worker writes for uber: per-file start/end markers and per-test results (JSONL), plus its output.
import { appendFileSync } from 'node:fs';
import path from 'node:path';
import type Mocha from 'mocha';
import { now } from '../lease/clock.js';
import type { Lease } from '../lease/lease.js';
import type { TestRecord } from '../report/run.js';
import { specKey, type PluginSettings } from './settings.js';

/** A test as the worker writes it: the run record's TestRecord (report/run.ts), tagged. */
export type WorkerTestRecord = { k: 'test' } & TestRecord;
/** `bail`: mocha's --bail was on for this file (so files it never started were skipped, not crashed). */
export interface FileStartRecord { k: 'file-start'; file: string; pid: number; t: number; bail?: boolean }
export interface FileEndRecord { k: 'file-end'; file: string; pid: number; t: number; failures: number }
/** The spec threw while mocha loaded it (a syntax error, a throwing import, `.only` in parallel mode). */
export interface LoadErrorRecord { k: 'load-error'; file: string; pid: number; t: number; error: { message: string; stack?: string } }
export type WorkerRecord = WorkerTestRecord | FileStartRecord | FileEndRecord | LoadErrorRecord;

function errorOf(err: unknown): { message: string; stack?: string } {
  const e = err as { message?: unknown; stack?: unknown } | null;
  const message = e && typeof e.message === 'string' ? e.message : String(err);
  return typeof e?.stack === 'string' ? { message, stack: e.stack } : { message };
}

function append(runDir: string, r: WorkerRecord): void {
  appendFileSync(recordsFile(runDir, process.pid), `${JSON.stringify(r)}\n`);
}

/** Notes that mocha could not load `file` in this worker. */
export function recordLoadError(runDir: string, file: string | null, err: unknown): void {
  append(runDir, { k: 'load-error', file: file ?? '(unknown file)', pid: process.pid, t: now(), error: errorOf(err) });
}

export function recordsFile(runDir: string, pid: number): string {
  return path.join(runDir, `w-${pid}.jsonl`);
}
export function outputFile(runDir: string, pid: number): string {
  return path.join(runDir, `w-${pid}.out`);
}

/** Copies everything this worker prints into its output file (for a crash report), still printing it. */
export function teeOutput(runDir: string): void {
  const file = outputFile(runDir, process.pid);
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream) as (...a: unknown[]) => boolean;
    stream.write = ((chunk: unknown, ...rest: unknown[]) => {
      try {
        appendFileSync(file, typeof chunk === 'string' ? chunk : (chunk as Uint8Array));
      } catch {
        // output capture is best effort
      }
      return write(chunk, ...rest);
    });
  }
}

/** Subscribes to one file's runner in a worker and appends its records as they happen (so a crash loses nothing). */
export function recordRunner(runner: Mocha.Runner, file: string | undefined, s: PluginSettings & { runDir: string }, lease: () => Lease | undefined): void {
  const key = specKey(file, s.testCwd) ?? '(unknown file)';
  const write = (r: WorkerRecord): void => append(s.runDir, r);
  const begun = new WeakMap<object, number>();
  let failures = 0;
  const testRecord = (t: Mocha.Runnable, state: TestRecord['state'], err?: Error): WorkerTestRecord => {
    const l = lease();
    const end = now();
    const start = l?.start ?? begun.get(t) ?? end;
    return {
      k: 'test',
      file: specKey(t.file, s.testCwd) ?? key,
      title: t.title,
      fullTitle: t.fullTitle(),
      state,
      profile: state === 'pending' ? null : (l?.profile ?? null),
      leaseId: state === 'pending' ? null : (l?.leaseId ?? null),
      pid: process.pid,
      start: state === 'pending' ? end : Math.min(start, end),
      end,
      durationMs: t.duration ?? Math.max(0, end - (begun.get(t) ?? end)),
      leaseWaitMs: state === 'pending' || s.scope === 'file' ? 0 : (l?.waitMs ?? 0),
      ...(err ? { error: errorOf(err) } : {}),
    };
  };
  runner.on('start', () => write({ k: 'file-start', file: key, pid: process.pid, t: now(), ...(runner.suite.bail() ? { bail: true } : {}) }));
  runner.on('test', (t: Mocha.Test) => begun.set(t, now()));
  runner.on('pass', (t: Mocha.Test) => write(testRecord(t, 'passed')));
  runner.on('pending', (t: Mocha.Test) => write(testRecord(t, 'pending')));
  runner.on('fail', (t: Mocha.Runnable, err: Error) => {
    failures += 1;
    write(testRecord(t, 'failed', err));
  });
  runner.on('end', () => write({ k: 'file-end', file: key, pid: process.pid, t: now(), failures }));
}
