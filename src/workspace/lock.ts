// Sync's side of the workspace lock: one repo at a time under an exclusive lock, never while a live test run holds it.
import { mkdirSync } from 'node:fs';
import { setTimeout as pause } from 'node:timers/promises';
import { breakLock, viewLock } from '../lease/breaker.js';
import { LockFs, removeOwned } from '../lease/lockfs.js';
import { HOST, newLeaseId, SELF_START } from '../lease/owner.js';
import { InterruptedError } from '../errors.js';
import type { UberPaths } from '../state/paths.js';
import { breakable, describeHold, describeSyncOwner, liveHolds, locksDir, ORPHAN_MS, syncLockPath, type Hold, type SyncOwner } from './lockfiles.js';

/** Polling backs off from this to MAX_POLL_MS while waiting (no timed assertion depends on it). */
const FIRST_POLL_MS = 25;
const MAX_POLL_MS = 500;

export interface LockRepoOptions {
  readonly paths: Pick<UberPaths, 'root'>;
  /** The run that syncs (shown to whoever waits for it). */
  readonly runId: string;
  /** How long to wait for the test runs that hold the repo before giving up on it as busy; 0 = not at all. */
  readonly waitMs: number;
  readonly signal: AbortSignal;
  /** Called when the reason for waiting changes: which sync or test run holds the repo. */
  readonly onWait?: ((why: string) => void) | undefined;
}

export type RepoLock = { readonly busy?: undefined; release(): void } | { readonly busy: Hold };

/** Creates the lock dir with its owner record in one step (LockFs: temp dir + rename); false when it exists. */
function create(lockPath: string, owner: SyncOwner): Promise<boolean> {
  const fs = new LockFs();
  fs.pending.set(lockPath, JSON.stringify(owner));
  return new Promise((resolve, reject) =>
    fs.mkdir(lockPath, (err) => (!err ? resolve(true) : err.code === 'EEXIST' ? resolve(false) : reject(err))),
  );
}

/** Takes the repo's exclusive lock, breaking it first when its owner is dead; the live owner when another sync has it. */
async function take(lockPath: string, owner: SyncOwner): Promise<{ taken: true } | { taken: false; by: SyncOwner | undefined }> {
  let by: SyncOwner | undefined;
  for (let attempt = 0; attempt < 5; attempt += 1) {
    if (await create(lockPath, owner)) return { taken: true };
    const seen = viewLock(lockPath, ORPHAN_MS);
    if (!seen) continue; // released meanwhile
    by = seen.owner;
    if (!breakable(seen)) break;
    breakLock(lockPath, seen, ORPHAN_MS); // a dead holder never blocks; the breaker re-checks under its own lock
  }
  return { taken: false, by }; // a live sync has it (or another process is breaking it): look again after a pause
}

/**
 * Takes `repo`'s exclusive sync lock. Another sync of the same repo is waited for as long as it lives (so the second
 * sync sees the clone the first made); a live test run's hold on the repo is waited for up to `waitMs`, after which
 * the repo is given up as busy (`{ busy: hold }`). Throws InterruptedError when the signal aborts while waiting.
 *
 * Order against holdWorkspace (hold.ts): sync takes its lock, then looks for holds; a test run publishes its hold,
 * then looks for sync locks. Whichever looks second sees the other, so a repo never moves under a test run.
 */
export async function lockRepo(repo: string, o: LockRepoOptions): Promise<RepoLock> {
  mkdirSync(locksDir(o.paths), { recursive: true });
  const lockPath = syncLockPath(o.paths, repo);
  const deadline = Date.now() + o.waitMs;
  let said: string | undefined;
  const waiting = (why: string): void => {
    if (why === said) return;
    said = why;
    o.onWait?.(why);
  };
  for (let poll = FIRST_POLL_MS; ; poll = Math.min(poll * 2, MAX_POLL_MS)) {
    if (o.signal.aborted) throw new InterruptedError();
    const owner: SyncOwner = { leaseId: newLeaseId(), profile: repo, host: HOST, pid: process.pid, pidStart: SELF_START, file: null, test: null, start: Date.now(), confirmed: true, runId: o.runId };
    const got = await take(lockPath, owner);
    if (!got.taken) waiting(`waiting for ${describeSyncOwner(got.by)}`);
    else {
      const holds = liveHolds(o.paths, repo);
      const first = holds[0];
      if (!first) return { release: () => void removeOwned(lockPath, owner.leaseId) };
      removeOwned(lockPath, owner.leaseId); // a test run's hold wins: let it go on, and look again later
      if (Date.now() >= deadline) return { busy: first };
      waiting(`waiting for ${describeHold(first)}, which uses it`);
    }
    try {
      await pause(poll, undefined, { signal: o.signal });
    } catch {
      throw new InterruptedError();
    }
  }
}

/** The skip reason for a repo that a test run holds. */
export function busyReason(h: Hold): string {
  return `busy: ${describeHold(h)} uses it; sync again once it ends, or wait longer with --wait-for-tests (sync.waitForTests)`;
}
