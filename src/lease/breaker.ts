// Breaking a dead or stale lock safely: only under a second, pid-owned lock, and only after re-checking.
import { linkSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { now as clock } from './clock.js';
import { HOST, ownerIsDead, readOwner, SELF_START, type Owner } from './owner.js';
import { OWNER_FILE, removeOwned } from './lockfs.js';

/** A break lock whose owner lives on another host is cleared after this long (breaking takes milliseconds). */
const BREAK_STALE_MS = 30_000;

export type Verdict = 'live' | 'dead' | 'stale';

export interface LockView {
  readonly owner: Owner | undefined;
  readonly mtimeMs: number;
  readonly verdict: Verdict;
}

/** The lock at lockPath as seen now; undefined when it is free. */
export function viewLock(lockPath: string, staleMs: number): LockView | undefined {
  let mtimeMs: number;
  try {
    mtimeMs = statSync(lockPath).mtimeMs;
  } catch {
    return undefined;
  }
  const owner = readOwner(path.join(lockPath, OWNER_FILE));
  const verdict: Verdict = owner && ownerIsDead(owner) ? 'dead' : Date.now() - mtimeMs > staleMs ? 'stale' : 'live';
  return { owner, mtimeMs, verdict };
}

interface BreakOwner {
  host: string;
  pid: number;
  pidStart: number | null;
  at: number;
}

function takeBreakLock(breakPath: string): string | undefined {
  const mine = JSON.stringify({ host: HOST, pid: process.pid, pidStart: SELF_START, at: Date.now() } satisfies BreakOwner);
  const tmp = `${breakPath}.${process.pid}-${randomBytes(4).toString('hex')}`;
  writeFileSync(tmp, mine);
  try {
    for (let attempt = 0; attempt < 2; attempt += 1) {
      try {
        linkSync(tmp, breakPath); // atomic; fails when another breaker holds it
        return mine;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || !clearDeadBreaker(breakPath)) return undefined;
      }
    }
    return undefined;
  } finally {
    rmSync(tmp, { force: true });
  }
}

/** Removes a break lock whose holder died mid-break; re-checks the exact content it judged before deleting it. */
function clearDeadBreaker(breakPath: string): boolean {
  let text: string;
  try {
    text = readFileSync(breakPath, 'utf8');
  } catch {
    return true; // gone meanwhile: try again
  }
  let b: BreakOwner;
  try {
    b = JSON.parse(text) as BreakOwner;
  } catch {
    return false;
  }
  const dead = b.host === HOST ? ownerIsDead(b) : Date.now() - b.at > BREAK_STALE_MS;
  if (!dead) return false;
  const moved = `${breakPath}.dead-${randomBytes(4).toString('hex')}`;
  try {
    renameSync(breakPath, moved);
  } catch {
    return true;
  }
  if (readFileSync(moved, 'utf8') === text) {
    rmSync(moved, { force: true });
    return true;
  }
  try {
    linkSync(moved, breakPath); // it was a live breaker's: put it back
  } catch {
    // a third breaker took it meanwhile; the live one still holds its own file content
  }
  rmSync(moved, { force: true });
  return false;
}

function dropBreakLock(breakPath: string, mine: string): void {
  try {
    if (readFileSync(breakPath, 'utf8') === mine) rmSync(breakPath, { force: true });
  } catch {
    // already gone
  }
}

/**
 * Breaks the lock at lockPath if it is still the one observed and still dead or stale. Returns the broken owner
 * (undefined owner when the lock had no record), or false when nothing was broken (fresh, gone, or another breaker).
 */
export function breakLock(lockPath: string, observed: LockView, staleMs: number): { owner: Owner | undefined; verdict: Verdict; at: number } | false {
  const breakPath = `${lockPath}.break`;
  const mine = takeBreakLock(breakPath);
  if (mine === undefined) return false;
  try {
    const now = viewLock(lockPath, staleMs);
    if (!now || now.verdict === 'live') return false;
    if ((now.owner?.leaseId ?? null) !== (observed.owner?.leaseId ?? null)) return false;
    if (!now.owner && now.mtimeMs !== observed.mtimeMs) return false;
    const at = clock(); // before the removal: the broken lease's end must not reach past the next holder's start
    return removeOwned(lockPath, now.owner?.leaseId ?? null) ? { owner: now.owner, verdict: now.verdict, at } : false;
  } finally {
    dropBreakLock(breakPath, mine);
  }
}
