// The outcome of syncing one repo, as data (shared by sync, its view, and deploy).
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
}

/** A repo is where it should be (on the branch or its fallback). */
export function isSynced(o: SyncOutcome): boolean {
  return o.status === 'cloned' || o.status === 'updated' || o.status === 'unchanged';
}
