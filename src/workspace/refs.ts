// Reads a ref from a clone's files (loose, then packed-refs) without starting git; null where git must be asked (reftable, missing).
import { readFileSync } from 'node:fs';
import path from 'node:path';

const SHA = /^[0-9a-f]{40,64}$/;

function read(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

/** The commit HEAD is on: the branch's ref when on one (`branch`), else a detached HEAD's own; null where git must be asked. */
export function readHead(gitDir: string, branch: string | null): string | null {
  if (branch !== null) return readRef(gitDir, `refs/heads/${branch}`);
  const head = read(path.join(gitDir, 'HEAD'))?.trim(); // HEAD is the worktree's own, not the common dir's
  return head && SHA.test(head) ? head : null;
}

/** Where a worktree's shared refs live: the `commondir` its git dir names, else the git dir itself. */
export function commonDirOf(gitDir: string): string {
  const common = read(path.join(gitDir, 'commondir'))?.trim();
  return common ? path.resolve(gitDir, common) : gitDir;
}

/** A full ref's commit ("refs/heads/main"): the loose file, else packed-refs; null when neither has it. */
export function readRef(gitDir: string, ref: string): string | null {
  const common = commonDirOf(gitDir);
  const loose = read(path.join(common, ...ref.split('/')))?.trim();
  if (loose && SHA.test(loose)) return loose;
  const packed = read(path.join(common, 'packed-refs')) ?? '';
  for (const line of packed.split('\n')) {
    const space = line.indexOf(' ');
    if (space > 0 && line.slice(space + 1) === ref && SHA.test(line.slice(0, space))) return line.slice(0, space);
  }
  return null;
}
