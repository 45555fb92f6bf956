// Writes a test run's records into its run folder (tests.json, junit.xml) and merges its file times into the timings history.
import { existsSync, readFileSync } from 'node:fs';
import type { TestRun } from '../report/run.js';
import type { RunPaths } from '../run/id.js';
import { mergeTimings, readTimings, writeTimings, type FileTiming } from '../timings/timings.js';
import { writeFileAtomic, writeJsonAtomic } from '../util/atomic-write.js';
import { junitXml } from './junit.js';
import type { FileResult } from './results.js';

/** The run record (report/run.ts): the files' records and their tests, as the workers wrote them. */
export function testRunRecord(id: string, files: readonly FileResult[], meta: Pick<TestRun, 'startedAt' | 'endedAt' | 'jobs' | 'profiles' | 'shard' | 'mocha'>): TestRun {
  return { version: 1, id, ...meta, tests: files.flatMap((f) => f.tests), files: files.map((f) => f.record) };
}

export function writeReports(run: Pick<RunPaths, 'testRun' | 'junit'>, timingsFile: string, record: TestRun, files: readonly FileResult[]): void {
  writeJsonAtomic(run.testRun, record);
  writeFileAtomic(run.junit, junitXml(files));
  const fresh: Record<string, FileTiming> = {};
  for (const { record: f, tests } of files) {
    if (f.state !== 'passed' && f.state !== 'failed') continue; // no whole run of the file: no time to learn from
    fresh[f.file] = { ms: Math.max(0, f.end - f.start), tests: Object.fromEntries(tests.filter((t) => t.state !== 'pending').map((t) => [t.fullTitle, t.durationMs])) };
  }
  writeTimings(timingsFile, mergeTimings(readTimings(timingsFile), fresh));
}

/** Copies the newest finished run's reports to the fixed .uber/reports/ paths (README, CircleCI artifacts and older tools read those). */
export function publishReports(run: Pick<RunPaths, 'testRun' | 'junit' | 'waterfall'>, top: Pick<RunPaths, 'testRun' | 'junit' | 'waterfall'>): void {
  for (const key of ['testRun', 'junit', 'waterfall'] as const) {
    if (existsSync(run[key])) writeFileAtomic(top[key], readFileSync(run[key]));
  }
}
