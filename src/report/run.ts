// The record of one `uber test` run (.uber/reports/tests.json): its shape and a tolerant reader.
import { existsSync, readFileSync } from 'node:fs';
import { UsageError } from '../errors.js';

export type TestState = 'passed' | 'failed' | 'pending';
export type FileState = 'passed' | 'failed' | 'crashed';

export interface TestRecord {
  file: string;
  title: string;
  fullTitle: string;
  state: TestState;
  profile: string | null;
  pid: number;
  /** Epoch ms. */
  start: number;
  end: number;
  durationMs: number;
  leaseWaitMs: number;
}

export interface FileRecord {
  file: string;
  /** "2/3": the second of three units a split file ran as (each a share of its tests, on its own worker). */
  unit?: string;
  pid: number | null;
  start: number;
  end: number;
  state: FileState;
  attempts: number;
}

export interface TestRun {
  version: 1;
  /** Epoch ms. */
  startedAt: number;
  endedAt: number;
  jobs: number;
  profiles: string[];
  shard: { index: number; total: number } | null;
  tests: TestRecord[];
  files: FileRecord[];
}

/** The last run's record; undefined when there is none, a UsageError when it is not a run record. */
export function readTestRun(file: string): TestRun | undefined {
  if (!existsSync(file)) return undefined;
  let raw: Partial<TestRun>;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8')) as Partial<TestRun>;
  } catch {
    throw new UsageError('ERR_UBER_REPORT_UNREADABLE', `${file} is not valid JSON; run uber test again to rewrite it.`);
  }
  if (raw.version !== 1 || !Array.isArray(raw.tests) || !Array.isArray(raw.files) || typeof raw.startedAt !== 'number' || typeof raw.endedAt !== 'number') {
    throw new UsageError('ERR_UBER_REPORT_UNREADABLE', `${file} is not an uber test record (version 1); run uber test again to rewrite it.`);
  }
  return {
    version: 1,
    startedAt: raw.startedAt,
    endedAt: raw.endedAt,
    jobs: typeof raw.jobs === 'number' ? raw.jobs : 0,
    profiles: Array.isArray(raw.profiles) ? raw.profiles : [],
    shard: raw.shard ?? null,
    tests: raw.tests,
    files: raw.files,
  };
}
