// Timing history of spec files (.uber/timings.json): read, merge fresh results in, write atomically.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** One spec file's last measured time: `ms` is its wall time including hooks; `tests` per full title. */
export interface FileTiming {
  ms: number;
  tests: Record<string, number>;
}

/** Keys of `files`: spec path relative to the test cwd, '/'-separated. */
export interface Timings {
  version: 1;
  updatedAt: string;
  files: Record<string, FileTiming>;
}

function isFileTiming(v: unknown): v is FileTiming {
  if (typeof v !== 'object' || v === null) return false;
  const t = v as Partial<FileTiming>;
  return typeof t.ms === 'number' && Number.isFinite(t.ms) && t.ms >= 0 && typeof t.tests === 'object' && t.tests !== null;
}

/** The history in `file`, or undefined when it is missing or unreadable (a cache: never fatal). */
export function readTimings(file: string): Timings | undefined {
  if (!existsSync(file)) return undefined;
  try {
    const raw = JSON.parse(readFileSync(file, 'utf8')) as Partial<Timings>;
    if (raw.version !== 1 || typeof raw.files !== 'object' || raw.files === null) return undefined;
    const files: Record<string, FileTiming> = {};
    for (const [name, t] of Object.entries(raw.files)) if (isFileTiming(t)) files[name] = { ms: t.ms, tests: { ...t.tests } };
    return { version: 1, updatedAt: typeof raw.updatedAt === 'string' ? raw.updatedAt : '', files };
  } catch {
    return undefined;
  }
}

/** Writes atomically (temp file + rename) so a concurrent reader never sees half a file. */
export function writeTimings(file: string, t: Timings): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(t, null, 2)}\n`);
  renameSync(tmp, file);
}

/** Fresh results win per file; files not run this time keep their history. */
export function mergeTimings(old: Timings | undefined, fresh: Record<string, FileTiming>): Timings {
  return {
    version: 1,
    updatedAt: new Date().toISOString(),
    files: { ...(old?.files ?? {}), ...fresh },
  };
}

/** The timing key for a spec path: '/'-separated, without a leading "./". */
export function timingKey(file: string): string {
  return file.replaceAll('\\', '/').replace(/^(\.\/)+/, '');
}
