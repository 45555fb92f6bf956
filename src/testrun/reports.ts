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

/**
 * Writes tests.json and junit.xml, and learns the files' times. `partial`: split files of which this run ran only some
 * units (a queue machine; other machines ran the rest): their tests' times join the history's, and the file's time is
 * its hooks plus all its tests, so the next plan still sees the whole file. `workerStartMs`: what a worker's start-up
 * cost in the first attempt, for the next run's worker count (src/testrun/workers.ts).
 */
export function writeReports(run: Pick<RunPaths, 'testRun' | 'junit'>, timingsFile: string, record: TestRun, files: readonly FileResult[], partial: ReadonlySet<string> = new Set(), workerStartMs?: number): void {
  writeJsonAtomic(run.testRun, record);
  writeFileAtomic(run.junit, junitXml(files));
  const old = readTimings(timingsFile);
  const fresh: Record<string, FileTiming> = {};
  const sum = (t: Record<string, number>): number => Object.values(t).reduce((a, b) => a + b, 0);
  for (const { record: f, tests } of files) {
    if (f.state !== 'passed' && f.state !== 'failed') continue; // no whole run of the file: no time to learn from
    const ms = Math.max(0, f.end - f.start);
    const mine = Object.fromEntries(tests.filter((t) => t.state !== 'pending').map((t) => [t.fullTitle, t.durationMs]));
    const before = partial.has(f.file) ? old?.files[f.file] : undefined;
    const all = before ? { ...before.tests, ...mine } : mine;
    fresh[f.file] = { ms: before ? Math.max(0, ms - sum(mine)) + sum(all) : ms, tests: all };
  }
  writeTimings(timingsFile, mergeTimings(old, fresh, workerStartMs));
}

/** Copies the newest finished run's reports to the fixed .uber/reports/ paths (README, CircleCI artifacts and older tools read those). */
export function publishReports(run: Pick<RunPaths, 'testRun' | 'junit' | 'waterfall'>, top: Pick<RunPaths, 'testRun' | 'junit' | 'waterfall'>): void {
  for (const key of ['testRun', 'junit', 'waterfall'] as const) {
    if (existsSync(run[key])) writeFileAtomic(top[key], readFileSync(run[key]));
  }
}
