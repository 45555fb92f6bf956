// Timing history of spec files (.uber/timings.json): read, merge fresh results in, write atomically.
import * as z from 'zod';
import { writeJsonAtomic } from '../util/atomic-write.js';
import { readJsonFile } from '../util/read-json.js';

/** One spec file's last measured time: `ms` is its wall time including hooks; `tests` per full title. */
export interface FileTiming {
  ms: number;
  tests: Record<string, number>;
}

/** Keys of `files`: spec path relative to the test cwd, '/'-separated. `workerStartMs`: the CPU a mocha worker spent
 * before its first file in the last run that measured it (src/testrun/workers.ts). */
export interface Timings {
  version: 1;
  updatedAt: string;
  files: Record<string, FileTiming>;
  workerStartMs?: number;
}

const fileTimingSchema = z.object({ ms: z.number().min(0), tests: z.record(z.string(), z.number()) });
const timingsSchema = z.object({
  version: z.literal(1),
  updatedAt: z.string().catch(''),
  files: z.record(z.string(), z.unknown()),
  workerStartMs: z.number().min(0).optional().catch(undefined),
});

/**
 * The history in `file`, or undefined when it is missing or damaged (a cache: never fatal). A damaged file, or
 * damaged entries in it, are reported once through `warn` and ignored.
 */
export function readTimings(file: string, warn?: (message: string) => void): Timings | undefined {
  const read = readJsonFile(file, timingsSchema);
  if (read.kind === 'missing') return undefined;
  if (read.kind === 'damaged') {
    warn?.(`uber: ignoring ${file}: it is damaged (not timing history); files run in their given order and the next run rewrites it.`);
    return undefined;
  }
  const files: Record<string, FileTiming> = {};
  let bad = 0;
  for (const [name, t] of Object.entries(read.value.files)) {
    const ok = fileTimingSchema.safeParse(t);
    if (ok.success) files[name] = ok.data;
    else bad += 1;
  }
  if (bad > 0) warn?.(`uber: ignoring ${bad} damaged entr${bad === 1 ? 'y' : 'ies'} in ${file}; the next run rewrites them.`);
  const { workerStartMs } = read.value;
  return { version: 1, updatedAt: read.value.updatedAt, files, ...(workerStartMs !== undefined ? { workerStartMs } : {}) };
}

/** Writes atomically (temp file + rename) so a concurrent reader never sees half a file. */
export function writeTimings(file: string, t: Timings): void {
  writeJsonAtomic(file, t);
}

/** Fresh results win per file; files not run this time keep their history; a fresh worker start-up wins too. */
export function mergeTimings(old: Timings | undefined, fresh: Record<string, FileTiming>, workerStartMs?: number): Timings {
  const start = workerStartMs ?? old?.workerStartMs;
  return {
    version: 1,
    updatedAt: new Date().toISOString(),
    files: { ...(old?.files ?? {}), ...fresh },
    ...(start !== undefined ? { workerStartMs: start } : {}),
  };
}

/** The timing key for a spec path: '/'-separated, without a leading "./". */
export function timingKey(file: string): string {
  return file.replaceAll('\\', '/').replace(/^(\.\/)+/, '');
}
