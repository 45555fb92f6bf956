// Reads what the workers recorded and decides each queued file's fate: passed, failed, or crashed (no result).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { outputFile, type FileEndRecord, type FileStartRecord, type TestRecord, type WorkerRecord } from '../mocha/records.js';

export interface FileResult {
  file: string;
  pid: number | null;
  start: number;
  end: number;
  state: 'passed' | 'failed' | 'crashed';
  attempts: number;
  tests: TestRecord[];
  /** For a crashed file: the last lines its worker (or mocha) printed. */
  crashOutput?: string | undefined;
  /** "2/3" when this is the second of three units of a split file (src/testrun/units.ts). */
  unit?: string | undefined;
}

export interface AttemptRecords {
  starts: Map<string, FileStartRecord>;
  ends: Map<string, FileEndRecord>;
  tests: Map<string, TestRecord[]>;
  pids: Set<number>;
}

export function readAttempt(runDir: string): AttemptRecords {
  const out: AttemptRecords = { starts: new Map(), ends: new Map(), tests: new Map(), pids: new Set() };
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
      if (r.k === 'file-start') out.starts.set(r.file, r);
      else if (r.k === 'file-end') out.ends.set(r.file, r);
      else out.tests.set(r.file, [...(out.tests.get(r.file) ?? []), r]);
    }
  }
  return out;
}

/** Queued files with no end marker: their worker crashed (or mocha stopped) before they finished. */
export function missingFiles(queued: readonly string[], rec: AttemptRecords): string[] {
  return queued.filter((f) => !rec.ends.has(f));
}

function lastLines(text: string, n: number): string {
  return text.split('\n').filter((l) => l.trim() !== '').slice(-n).join('\n');
}

/** The file's result in one attempt; `fallbackOutput` is mocha's own tail when the file never started. */
export function fileResult(file: string, rec: AttemptRecords, runDir: string, attempts: number, fallbackOutput: string, window: { start: number; end: number }): FileResult {
  const start = rec.starts.get(file);
  const end = rec.ends.get(file);
  const tests = rec.tests.get(file) ?? [];
  const lastTestEnd = tests.reduce((m, t) => Math.max(m, t.end), 0);
  if (!end) {
    const out = start && existsSync(outputFile(runDir, start.pid)) ? readFileSync(outputFile(runDir, start.pid), 'utf8') : fallbackOutput;
    return {
      file,
      pid: start?.pid ?? null,
      start: start?.t ?? window.start,
      end: Math.max(lastTestEnd, start?.t ?? window.end),
      state: 'crashed',
      attempts,
      tests,
      crashOutput: lastLines(out, 20),
    };
  }
  const failed = end.failures > 0 || tests.some((t) => t.state === 'failed');
  return { file, pid: end.pid, start: start?.t ?? end.t, end: end.t, state: failed ? 'failed' : 'passed', attempts, tests };
}
