// The outcome of syncing one repo, as data (shared by sync, its view, and deploy).
import type { Hold } from './lockfiles.js';

export type SyncStatus = 'cloned' | 'updated' | 'unchanged' | 'skipped' | 'failed';

export interface SyncOutcome {
  repo: string;
  /** Absolute repo folder. */
  dir: string;
  /** Branch checked out after sync. */
  branch: string | null;
  /** True when the requested branch is not on the remote and the default branch was used. */
  fallback: boolean;
  /** HEAD sha after sync. */
  commit: string | null;
  status: SyncStatus;
  /** Why it was skipped or failed (git's own message for failures). */
  reason?: string;
  /** Skipped as busy: the test run that holds the repo. */
  heldBy?: { runId: string; pid: number; since: string };
}

export function heldBy(h: Hold): NonNullable<SyncOutcome['heldBy']> {
  return { runId: h.runId, pid: h.pid, since: new Date(h.since).toISOString() };
}

/** A repo is where it should be (on the branch or its fallback). */
export function isSynced(o: SyncOutcome): boolean {
  return o.status === 'cloned' || o.status === 'updated' || o.status === 'unchanged';
}
