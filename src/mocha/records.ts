// What each mocha worker writes for uber: per-file start/end markers and per-test results (JSONL), plus its output.
import { appendFileSync, openSync, writeSync } from 'node:fs';
import path from 'node:path';
import type Mocha from 'mocha';
import { now } from '../lease/clock.js';
import type { HeldLease } from '../lease/lease.js';
import type { TestRecord } from '../report/run.js';
import { isFileSuite } from './batch.js';
import { specKey, type PluginSettings } from './settings.js';

/** A test as the worker writes it: the run record's TestRecord (report/run.ts), tagged. */
export type WorkerTestRecord = { k: 'test' } & TestRecord;
/**
 * `cpu`: the worker's CPU time (ms) as the file began; its first file's is what starting the worker cost.
 * `bail`: mocha's --bail was on for this file (so files it never started were skipped, not crashed).
 */
export interface FileStartRecord { k: 'file-start'; file: string; pid: number; t: number; cpu?: number; bail?: boolean }
export interface FileEndRecord { k: 'file-end'; file: string; pid: number; t: number; failures: number }
/** The spec threw while mocha loaded it (a syntax error, a throwing import, `.only` in parallel mode). */
export interface LoadErrorRecord { k: 'load-error'; file: string; pid: number; t: number; error: { message: string; stack?: string } }
export type WorkerRecord = WorkerTestRecord | FileStartRecord | FileEndRecord | LoadErrorRecord;

function errorOf(err: unknown): { message: string; stack?: string } {
  const e = err as { message?: unknown; stack?: unknown } | null;
  const message = e && typeof e.message === 'string' ? e.message : String(err);
  return typeof e?.stack === 'string' ? { message, stack: e.stack } : { message };
}

/** The records file stays open for the worker's life: one write per record, no open and close each time. */
const open = new Map<string, number>();

function append(runDir: string, r: WorkerRecord): void {
  const file = recordsFile(runDir, process.pid);
  let fd = open.get(file);
  if (fd === undefined) {
    fd = openSync(file, 'a');
    open.set(file, fd);
  }
  writeSync(fd, `${JSON.stringify(r)}\n`); // in the kernel at once: a crash right after loses nothing
}

function cpuMs(): number {
  const u = process.cpuUsage();
  return Math.round((u.user + u.system) / 1000);
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

/**
 * Subscribes to a runner and appends its records as they happen (so a crash loses nothing): one file per runner in a
 * parallel worker; all files in one runner when mocha runs serially (--jobs 1), each file marked as its tests begin;
 * a batch's files (`batch`: `files` are its real files) each from its own suite's start to its end (src/mocha/batch.ts).
 */
export function recordRunner(runner: Mocha.Runner, files: readonly string[], s: PluginSettings & { runDir: string }, lease: () => HeldLease | undefined, batch = false): void {
  const key = specKey(files[0], s.testCwd) ?? '(unknown file)';
  const serial = files.length > 1 && !batch;
  const root = runner.suite;
  const write = (r: WorkerRecord): void => append(s.runDir, r);
  const begun = new WeakMap<object, number>();
  const started = new Set<string>();
  let current: string | undefined;
  let failures = 0;
  const startFile = (f: string): void => {
    if (current === f) return;
    if (current !== undefined) endFile();
    current = f;
    started.add(f);
    failures = 0;
    write({ k: 'file-start', file: f, pid: process.pid, t: now(), cpu: cpuMs(), ...(runner.suite.bail() ? { bail: true } : {}) });
  };
  const endFile = (): void => {
    if (current !== undefined) write({ k: 'file-end', file: current, pid: process.pid, t: now(), failures });
    current = undefined;
  };
  const enter = (t: Mocha.Runnable): void => {
    if (serial) startFile(specKey(t.file, s.testCwd) ?? key);
  };
  const testRecord = (t: Mocha.Runnable, state: TestRecord['state'], err?: Error): WorkerTestRecord => {
    const l = lease();
    const end = now();
    const start = l?.start ?? begun.get(t) ?? end;
    return {
      k: 'test',
      // in a parallel worker: the run's own file (a unit's, for a split file), like its markers; in a batch, the file
      // whose suite is running (a failing hook of the batch's own root counts against its first file)
      file: batch ? (current ?? key) : serial ? (specKey(t.file, s.testCwd) ?? key) : key,
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
  runner.on('start', () => {
    if (!serial && !batch) startFile(key);
  });
  if (batch) {
    runner.on('suite', (suite: Mocha.Suite) => {
      if (isFileSuite(suite)) startFile(specKey(suite.file, s.testCwd) ?? key);
    });
    runner.on('suite end', (suite: Mocha.Suite) => {
      if (isFileSuite(suite)) endFile();
    });
  }
  runner.on('test', (t: Mocha.Test) => {
    enter(t);
    begun.set(t, now());
  });
  runner.on('pass', (t: Mocha.Test) => write(testRecord(t, 'passed')));
  runner.on('pending', (t: Mocha.Test) => {
    enter(t);
    write(testRecord(t, 'pending'));
  });
  runner.on('fail', (t: Mocha.Runnable, err: Error) => {
    enter(t);
    failures += 1;
    write(testRecord(t, 'failed', err));
  });
  runner.on('end', () => {
    endFile();
    if (batch) {
      // a batch's file that never started ran (and passed) only when none of its tests matched --grep; one that
      // --bail or a failing root hook kept from starting has no end, like a file mocha never ran
      const unmatched = root.suites.filter((f) => isFileSuite(f) && runner.grepTotal(f) === 0);
      for (const f of unmatched.map((x) => specKey(x.file, s.testCwd) ?? key).filter((x) => !started.has(x))) {
        startFile(f);
        endFile();
      }
      return;
    }
    // a serial run that reached its end ran every file; those without a test still ran (and passed)
    if (!serial) return;
    for (const f of files.map((x) => specKey(x, s.testCwd) ?? key).filter((x) => !started.has(x))) {
      startFile(f);
      endFile();
    }
  });
}
