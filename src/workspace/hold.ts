// A test run's shared hold on the workspace: while it lasts, uber sync and deploy's sync step leave the held repos where they are.
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as pause } from 'node:timers/promises';
import { InterruptedError } from '../errors.js';
import { HOST, SELF_START } from '../lease/owner.js';
import { writeJsonAtomic } from '../util/atomic-write.js';
import type { UberPaths } from '../state/paths.js';
import { describeSyncOwner, holdsDir, liveSyncLocks, type Hold } from './lockfiles.js';

const FIRST_POLL_MS = 25;
const MAX_POLL_MS = 500;

export interface HoldOptions {
  readonly paths: Pick<UberPaths, 'root'>;
  /** The run that holds (src/run/id.ts); shown to a sync that waits for it or skips the repo as busy. */
  readonly runId: string;
  /** The repos the run uses; omitted: every repo of the workspace (see holdWorkspace). */
  readonly repos?: readonly string[] | undefined;
  readonly signal?: AbortSignal | undefined;
  /** Called when the run waits for a sync that is moving a repo it uses. */
  readonly onWait?: ((line: string) => void) | undefined;
}

export interface WorkspaceHold extends AsyncDisposable {
  readonly hold: Hold;
  /** Ends the hold (idempotent). */
  release(): void;
}

/**
 * Takes a shared hold on the workspace for a test run and returns once no sync is moving a held repo.
 *
 * Held by default: every repo of the workspace, not only the one containing test.cwd. Specs import service code,
 * fixtures and handlers from the service repos, and test what was deployed from them; a sync that moved any of them
 * mid-run would let files 1–3 test one branch and files 4–6 another. Several test runs hold at once (shared); a
 * sync waits for all of them or skips the repo as busy. A dead holder (pid gone or reused) never blocks.
 *
 * The hold is published first, then syncs in flight are waited for: a sync that starts later sees the hold.
 */
export async function holdWorkspace(o: HoldOptions): Promise<WorkspaceHold> {
  const dir = holdsDir(o.paths);
  mkdirSync(dir, { recursive: true });
  const hold: Hold = { runId: o.runId, host: HOST, pid: process.pid, pidStart: SELF_START, since: Date.now(), repos: o.repos ? [...o.repos] : null };
  const file = path.join(dir, `${encodeURIComponent(o.runId)}.json`);
  writeJsonAtomic(file, hold); // a sync never reads half a hold
  let held = true;
  const release = (): void => {
    if (!held) return;
    held = false;
    rmSync(file, { force: true });
  };
  try {
    let said: string | undefined;
    for (let poll = FIRST_POLL_MS; ; poll = Math.min(poll * 2, MAX_POLL_MS)) {
      const busy = liveSyncLocks(o.paths, hold.repos)[0];
      if (!busy) break;
      const line = `waiting for ${describeSyncOwner(busy.view.owner)} to finish with repo "${busy.repo}"`;
      if (line !== said) o.onWait?.((said = line));
      try {
        await pause(poll, undefined, o.signal ? { signal: o.signal } : {});
      } catch {
        throw new InterruptedError();
      }
    }
  } catch (e) {
    release();
    throw e;
  }
  return { hold, release, [Symbol.asyncDispose]: () => Promise.resolve(release()) };
}
