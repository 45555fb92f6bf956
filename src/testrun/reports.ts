// Writes a run's records: .uber/reports/tests.json (CONTRACTS.md shape), junit.xml and the timings history.
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { TestRun } from '../report/run.js';
import type { Shard } from '../shard/shard.js';
import type { UberPaths } from '../state/paths.js';
import { mergeTimings, readTimings, writeTimings, type FileTiming } from '../timings/timings.js';
import { junitXml } from './junit.js';
import type { FileResult } from './results.js';

/** The run record is the reports' own shape (CONTRACTS.md), so `uber report` reads what `uber test` wrote. */
export type TestRunRecord = TestRun;

function atomicWrite(file: string, text: string): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}

export function testRunRecord(files: readonly FileResult[], meta: { startedAt: number; endedAt: number; jobs: number; profiles: string[]; shard: Shard | null }): TestRunRecord {
  return {
    version: 1,
    ...meta,
    shard: meta.shard ? { index: meta.shard.index, total: meta.shard.total } : null,
    tests: files.flatMap((f) =>
      f.tests.map((t) => ({ file: t.file, title: t.title, fullTitle: t.fullTitle, state: t.state, profile: t.profile, pid: t.pid, start: t.start, end: t.end, durationMs: t.durationMs, leaseWaitMs: t.leaseWaitMs })),
    ),
    files: files.map((f) => ({ file: f.file, ...(f.unit ? { unit: f.unit } : {}), pid: f.pid, start: f.start, end: f.end, state: f.state, attempts: f.attempts })),
  };
}

export function writeReports(paths: UberPaths, record: TestRunRecord, files: readonly FileResult[]): void {
  atomicWrite(paths.testRun, `${JSON.stringify(record, null, 2)}\n`);
  atomicWrite(paths.junit, junitXml(files));
  const fresh: Record<string, FileTiming> = {};
  for (const f of files) {
    if (f.state === 'crashed') continue;
    fresh[f.file] = { ms: Math.max(0, f.end - f.start), tests: Object.fromEntries(f.tests.filter((t) => t.state !== 'pending').map((t) => [t.fullTitle, t.durationMs])) };
  }
  writeTimings(paths.timings, mergeTimings(readTimings(paths.timings), fresh));
}
