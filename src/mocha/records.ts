// What each mocha worker writes for uber: per-file start/end markers and per-test results (JSONL), plus its output.
import { appendFileSync } from 'node:fs';
import path from 'node:path';
import type Mocha from 'mocha';
import { now } from '../lease/clock.js';
import type { Lease } from '../lease/lease.js';
import { specKey, type PluginSettings } from './settings.js';

export interface TestRecord {
  k: 'test';
  file: string;
  title: string;
  fullTitle: string;
  state: 'passed' | 'failed' | 'pending';
  profile: string | null;
  leaseId: string | null;
  pid: number;
  start: number;
  end: number;
  durationMs: number;
  leaseWaitMs: number;
  error?: { message: string; stack?: string | undefined } | undefined;
}
export interface FileStartRecord { k: 'file-start'; file: string; pid: number; t: number }
export interface FileEndRecord { k: 'file-end'; file: string; pid: number; t: number; failures: number }
export type WorkerRecord = TestRecord | FileStartRecord | FileEndRecord;

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
  const out = recordsFile(s.runDir, process.pid);
  const key = specKey(file, s.testCwd) ?? '(unknown file)';
  const write = (r: WorkerRecord): void => appendFileSync(out, `${JSON.stringify(r)}\n`);
  const begun = new WeakMap<object, number>();
  let failures = 0;
  const testRecord = (t: Mocha.Runnable, state: TestRecord['state'], err?: Error): TestRecord => {
    const l = lease();
    const end = now();
    const start = l?.start ?? begun.get(t) ?? end;
    return {
      k: 'test',
      file: file !== undefined ? key : (specKey(t.file, s.testCwd) ?? key), // the run's file (a unit's own), like its markers
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
      error: err ? { message: String(err.message ?? err), stack: err.stack } : undefined,
    };
  };
  runner.on('start', () => write({ k: 'file-start', file: key, pid: process.pid, t: now() }));
  runner.on('test', (t: Mocha.Test) => begun.set(t, now()));
  runner.on('pass', (t: Mocha.Test) => write(testRecord(t, 'passed')));
  runner.on('pending', (t: Mocha.Test) => write(testRecord(t, 'pending')));
  runner.on('fail', (t: Mocha.Runnable, err: Error) => {
    failures += 1;
    write(testRecord(t, 'failed', err));
  });
  runner.on('end', () => write({ k: 'file-end', file: key, pid: process.pid, t: now(), failures }));
}
