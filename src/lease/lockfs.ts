// The fs proper-lockfile runs on: a lock dir is born with its owner record inside (rename), and is removed only by its owner.
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';

export const OWNER_FILE = 'owner.json';

type Cb = (err?: NodeJS.ErrnoException | null) => void;

/** A synchronous fs call with a callback on the next tick: no thread-pool hop on the lease hot path. */
function soon<T>(fn: () => T, cb: (err: NodeJS.ErrnoException | null, v?: T) => void): void {
  let v: T;
  try {
    v = fn();
  } catch (e) {
    return process.nextTick(cb, e);
  }
  process.nextTick(cb, null, v);
}

/**
 * proper-lockfile calls `fs.mkdir(lockPath)` to take a lock and `fs.rmdir(lockPath)` to drop it. This fs makes the
 * lock dir appear atomically *with* its owner record (mkdir a temp dir, write owner.json, rename into place: a rename
 * onto a non-empty dir fails), and removes a lock only while the owner record inside is still this holder's.
 */
export class LockFs {
  /** lockPath → owner JSON for the next mkdir. */
  readonly pending = new Map<string, string>();
  /** lockPath → leaseId this process holds there. */
  readonly held = new Map<string, string>();

  readonly stat = (p: string, cb: (err: NodeJS.ErrnoException | null, s?: fs.Stats) => void): void => soon(() => fs.statSync(p), cb);
  readonly utimes = (p: string, a: Date, m: Date, cb: Cb): void => soon(() => fs.utimesSync(p, a, m), cb);
  readonly realpath = fs.realpath;

  mkdir = (lockPath: string, cb: Cb): void => {
    const json = this.pending.get(lockPath);
    if (json === undefined) return void fs.mkdir(lockPath, cb);
    const tmp = `${lockPath}.new-${process.pid}-${randomBytes(4).toString('hex')}`;
    try {
      fs.mkdirSync(tmp);
      fs.writeFileSync(path.join(tmp, OWNER_FILE), json);
    } catch (e) {
      fs.rmSync(tmp, { recursive: true, force: true });
      return cb(e as NodeJS.ErrnoException);
    }
    soon(
      () => fs.renameSync(tmp, lockPath),
      (err) => {
        if (!err) return cb(null);
        fs.rmSync(tmp, { recursive: true, force: true });
        const taken = err.code === 'ENOTEMPTY' || err.code === 'EEXIST' || err.code === 'EISDIR';
        cb(taken ? Object.assign(new Error('Lock file is already being held'), { code: 'EEXIST' }) : err);
      },
    );
  };

  /** Called before a lock is freed by proper-lockfile's exit handler (process.exit while a lease is held). */
  onExitRelease: ((lockPath: string, leaseId: string) => void) | undefined;

  /** A normal release. */
  rmdir = (lockPath: string, cb: Cb): void => {
    const leaseId = this.held.get(lockPath);
    this.held.delete(lockPath);
    try {
      if (leaseId !== undefined) removeOwned(lockPath, leaseId);
      cb(null);
    } catch (e) {
      cb(e as NodeJS.ErrnoException);
    }
  };

  /** Only proper-lockfile's exit handler calls this (process.exit in a test): log the lease, free the lock if still ours. */
  rmdirSync = (lockPath: string): void => {
    const leaseId = this.held.get(lockPath);
    this.held.delete(lockPath);
    if (leaseId === undefined) return;
    try {
      this.onExitRelease?.(lockPath, leaseId);
    } finally {
      removeOwned(lockPath, leaseId);
    }
  };
}

/** Removes the lock at lockPath when its owner record names leaseId (null: when it has none); false otherwise. */
export function removeOwned(lockPath: string, leaseId: string | null): boolean {
  const ownerFile = path.join(lockPath, OWNER_FILE);
  let text: string | undefined;
  try {
    text = fs.readFileSync(ownerFile, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' && !fs.existsSync(lockPath)) return false;
  }
  const current = text === undefined ? null : (JSON.parse(text) as { leaseId?: string }).leaseId ?? null;
  if (current !== leaseId) return false;
  if (text !== undefined && moveAway(lockPath)) return true;
  if (text !== undefined) fs.rmSync(ownerFile, { force: true });
  try {
    fs.rmdirSync(lockPath);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'ENOTEMPTY') throw e;
  }
  return true;
}

/**
 * Frees a lock that still holds its owner record by renaming the whole lock dir aside (atomic, and a contender
 * cannot slip in: the dir is not empty) and removing it in the background: an rmdir can block for milliseconds
 * (ext4 mounted with `discard`), once per lease. Leftovers of a process that dies first are swept (`.lock.rm-<pid>-*`).
 */
function moveAway(lockPath: string): boolean {
  const aside = `${lockPath}.rm-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    fs.renameSync(lockPath, aside);
  } catch {
    return false;
  }
  fs.rm(aside, { recursive: true, force: true }, () => undefined);
  return true;
}
