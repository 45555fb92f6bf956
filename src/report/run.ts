// The one record of a test run, from worker to report: each test, each file, the run (.uber/runs/<id>/reports/tests.json).
import * as z from 'zod';
import { UsageError } from '../errors.js';
import { readJsonFile } from '../util/read-json.js';

export type TestState = 'passed' | 'failed' | 'pending';
/** `load-failed`: the spec threw while mocha loaded it; `bail`: never started because --bail stopped the run; `crashed`: its worker died. */
export type FileState = 'passed' | 'failed' | 'crashed' | 'load-failed' | 'bail';

const num = z.number();

/** One test as the worker saw it; the same object goes into tests.json, JUnit and the reports. */
export const testRecordSchema = z.object({
  file: z.string(),
  title: z.string(),
  fullTitle: z.string(),
  state: z.enum(['passed', 'failed', 'pending']),
  profile: z.string().nullable(),
  leaseId: z.string().nullable().default(null),
  pid: num,
  /** Epoch ms. */
  start: num,
  end: num,
  durationMs: num,
  leaseWaitMs: num,
  error: z.object({ message: z.string(), stack: z.string().optional() }).optional(),
});

export const fileRecordSchema = z.object({
  file: z.string(),
  /** "2/3": the second of three units a split file ran as (each a share of its tests, on its own worker). */
  unit: z.string().optional(),
  pid: num.nullable(),
  start: num,
  end: num,
  state: z.enum(['passed', 'failed', 'crashed', 'load-failed', 'bail']),
  attempts: num,
  /** Crashed: the last lines its worker printed; load-failed: the error mocha gave. */
  output: z.string().optional(),
});

/** How one mocha process of the run ended (exec/run.ts end reason). */
export const mochaEndSchema = z.object({
  attempt: num,
  files: num,
  reason: z.enum(['exit', 'signal', 'timeout', 'cancelled', 'spawn-error']),
  exitCode: num.optional(),
  signal: z.string().optional(),
});

export const testRunSchema = z.object({
  version: z.literal(1),
  /** The run id (src/run/id.ts); absent in records written before runs had ids. */
  id: z.string().optional(),
  /** Epoch ms. */
  startedAt: num,
  endedAt: num,
  jobs: num.default(0),
  profiles: z.array(z.string()).default([]),
  shard: z.object({ index: num, total: num }).nullable().default(null),
  tests: z.array(testRecordSchema),
  files: z.array(fileRecordSchema),
  mocha: z.array(mochaEndSchema).optional(),
});

export type TestRecord = z.output<typeof testRecordSchema>;
export type FileRecord = z.output<typeof fileRecordSchema>;
export type MochaEnd = z.output<typeof mochaEndSchema>;
export type TestRun = z.output<typeof testRunSchema>;

/** A run record; undefined when there is none, a UsageError naming the file when it is damaged. */
export function readTestRun(file: string): TestRun | undefined {
  const read = readJsonFile(file, testRunSchema);
  if (read.kind === 'ok') return read.value;
  if (read.kind === 'missing') return undefined;
  if (read.stage !== 'schema') {
    const what = read.stage === 'json' ? 'is not valid JSON (damaged)' : `is damaged (${read.reason})`;
    throw new UsageError('ERR_UBER_REPORT_UNREADABLE', `${file} ${what}; run uber test again to rewrite it.`);
  }
  const where = read.issue?.path ? ` (at ${read.issue.path}: ${read.issue.message})` : '';
  throw new UsageError('ERR_UBER_REPORT_UNREADABLE', `${file} is not an uber test record (version 1)${where}; run uber test again to rewrite it.`);
}
