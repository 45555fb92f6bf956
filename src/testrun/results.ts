// Reads what the workers recorded and decides each queued file's fate: passed, failed, failed to load, not run (bail), or crashed.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { outputFile, type FileEndRecord, type FileStartRecord, type LoadErrorRecord, type WorkerRecord } from '../mocha/records.js';
import type { FileRecord, TestRecord } from '../report/run.js';

/** One file's record in the run and its tests (both the run record's own types). */
export interface FileResult {
  readonly record: FileRecord;
  readonly tests: TestRecord[];
}

export interface AttemptRecords {
  starts: Map<string, FileStartRecord>;
  ends: Map<string, FileEndRecord>;
  tests: Map<string, TestRecord[]>;
  loadErrors: Map<string, LoadErrorRecord>;
  pids: Set<number>;
  /** mocha's --bail was on in some worker (from the workers' own view of their options). */
  bail: boolean;
}

export function readAttempt(runDir: string): AttemptRecords {
  const out: AttemptRecords = { starts: new Map(), ends: new Map(), tests: new Map(), loadErrors: new Map(), pids: new Set(), bail: false };
  if (!existsSync(runDir)) return out;
  for (const name of readdirSync(runDir)) {
    const m = /^w-(\d+)\.(jsonl|out)$/.exec(name);
    if (!m) continue;
    out.pids.add(Number(m[1]));
    if (m[2] !== 'jsonl') continue;
    for (const line of readFileSync(path.join(runDir, name), 'utf8').split('\n')) {
      if (!line) continue;
      let r: WorkerRecord;
      try {
        r = JSON.parse(line) as WorkerRecord;
      } catch {
        continue; // a line torn by a crash
      }
      if (r.k === 'file-start') {
        out.starts.set(r.file, r);
        if (r.bail) out.bail = true;
      } else if (r.k === 'file-end') out.ends.set(r.file, r);
      else if (r.k === 'load-error') out.loadErrors.set(r.file, r);
      else {
        const { k: _k, ...test } = r;
        out.tests.set(r.file, [...(out.tests.get(r.file) ?? []), test]);
      }
    }
  }
  return out;
}

/** Whether this attempt stopped early because of --bail: bail was on and some file failed. */
export function bailed(rec: AttemptRecords, bailFlag: boolean): boolean {
  if (!rec.bail && !bailFlag) return false;
  return rec.loadErrors.size > 0 || [...rec.ends.values()].some((e) => e.failures > 0) || [...rec.tests.values()].some((ts) => ts.some((t) => t.state === 'failed'));
}

/** Queued files with no end marker and no load error: their worker crashed (or mocha or --bail stopped) before they finished. */
export function missingFiles(queued: readonly string[], rec: AttemptRecords): string[] {
  return queued.filter((f) => !rec.ends.has(f) && !rec.loadErrors.has(f));
}

function lastLines(text: string, n: number): string {
  return text.split('\n').filter((l) => l.trim() !== '').slice(-n).join('\n');
}

function firstLines(text: string, n: number): string {
  return text.split('\n').filter((l) => l.trim() !== '').slice(0, n).join('\n');
}

/** The file's result in one attempt; `fallbackOutput` is mocha's own tail when the file never started. */
export function fileResult(file: string, rec: AttemptRecords, runDir: string, attempts: number, fallbackOutput: string, window: { start: number; end: number }, stoppedByBail = false): FileResult {
  const start = rec.starts.get(file);
  const end = rec.ends.get(file);
  const tests = rec.tests.get(file) ?? [];
  const lastTestEnd = tests.reduce((m, t) => Math.max(m, t.end), 0);
  if (end) {
    const failed = end.failures > 0 || tests.some((t) => t.state === 'failed');
    return { record: { file, pid: end.pid, start: start?.t ?? end.t, end: end.t, state: failed ? 'failed' : 'passed', attempts }, tests };
  }
  const loadError = rec.loadErrors.get(file);
  if (loadError) {
    const output = firstLines(loadError.error.stack ?? loadError.error.message, 8);
    return { record: { file, pid: loadError.pid, start: loadError.t, end: loadError.t, state: 'load-failed', attempts, output }, tests };
  }
  if (stoppedByBail) {
    // never started: a zero-width mark at the end, so a skipped file adds no busy time to the summary
    const at = start?.t ?? window.end;
    return { record: { file, pid: start?.pid ?? null, start: at, end: Math.max(lastTestEnd, at), state: 'bail', attempts }, tests };
  }
  const span = { pid: start?.pid ?? null, start: start?.t ?? window.start, end: Math.max(lastTestEnd, start?.t ?? window.end) };
  const out = start && existsSync(outputFile(runDir, start.pid)) ? readFileSync(outputFile(runDir, start.pid), 'utf8') : fallbackOutput;
  return { record: { file, ...span, state: 'crashed', attempts, output: lastLines(out, 20) }, tests };
}
