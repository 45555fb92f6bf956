// Where the newest finished test run's record is: its run folder (via latest-test.json), else the older fixed .uber/reports/ path.
import type { UberPaths } from '../state/paths.js';
import { readLatest } from './finish.js';
import { runPaths } from './id.js';

/** The tests.json `uber report` and the CI timings cache read; a damaged pointer is a UsageError naming it. */
export function latestTestRunFile(paths: UberPaths): string {
  const latest = readLatest(paths, 'test');
  return latest ? runPaths(paths, latest.id).testRun : paths.testRun;
}
