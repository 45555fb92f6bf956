// The one atomic write: a temp file beside the target, then rename, so a reader never sees half a file.
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

let seq = 0;

/** Writes `data` to `file` (creating its folder) through a temp file and a rename; the temp file never outlives a failure. */
export function writeFileAtomic(file: string, data: string | Uint8Array, opts: { mode?: number } = {}): void {
  mkdirSync(path.dirname(file), { recursive: true });
  seq += 1;
  const tmp = `${file}.${process.pid}.${seq}.tmp`;
  try {
    writeFileSync(tmp, data, opts.mode === undefined ? undefined : { mode: opts.mode });
    renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

/** JSON (two-space indent, trailing newline), written atomically. */
export function writeJsonAtomic(file: string, value: unknown): void {
  writeFileAtomic(file, `${JSON.stringify(value, null, 2)}\n`);
}
