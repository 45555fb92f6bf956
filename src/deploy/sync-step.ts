// Deploy's sync step: every repo onto the branch first; a repo that failed to sync stops the deploy (exit 1), one not synced (busy, not a clone) is skipped.
import type { LoadedConfig } from '../config/load.js';
import type { Ctx } from '../context.js';
import { RunFailedError } from '../errors.js';
import { syncRepos, type SyncOptions } from '../workspace/sync.js';
import { isSynced, type SyncOutcome } from '../workspace/types.js';
import type { RepoInfo } from './record.js';

/** How the sync runs: the core's silent syncRepos by default; the CLI passes one that shows it. */
export type SyncRunner = (opts: SyncOptions) => Promise<SyncOutcome[]>;

/** Why a repo's services are not deployed: its rule ("repo-busy": a test run uses it; "not-synced": anything else) and one sentence. */
export interface NotSynced {
  readonly rule: 'repo-busy' | 'not-synced';
  readonly why: string;
}

export interface SyncStepResult {
  /** The synced repos (where they are now); a skipped repo's last record stands. */
  readonly repos: Record<string, RepoInfo>;
  /** Repos whose services must not deploy (skipped, or no commit to deploy), with why. */
  readonly notSynced: ReadonlyMap<string, NotSynced>;
}

function notSynced(o: SyncOutcome): NotSynced {
  const keep = 'so its services were not deployed and each account keeps what it ran';
  if (o.heldBy) {
    return { rule: 'repo-busy', why: `repo "${o.repo}" is busy: test run ${o.heldBy.runId} (pid ${o.heldBy.pid}, since ${o.heldBy.since}) uses it, ${keep}; deploy again once that run ends.` };
  }
  const detail = o.reason ? `: ${o.reason}` : o.commit === null ? ': no commit' : '';
  return { rule: 'not-synced', why: `repo "${o.repo}" was not synced (${o.status}${detail}), ${keep}; fix the repo and deploy again.` };
}

export async function syncStep(ctx: Ctx, loaded: LoadedConfig, branch: string, sync: SyncRunner = syncRepos): Promise<SyncStepResult> {
  const outcomes = await sync({ loaded, branch, ctx });
  const failed = outcomes.filter((o) => o.status === 'failed');
  if (failed.length > 0) {
    throw new RunFailedError(
      `${failed.map((o) => `repo "${o.repo}" failed to sync (${o.reason ?? 'git error'})`).join('; ')}; nothing was deployed — fix it and run again.`,
    );
  }
  const skipped = new Map<string, NotSynced>();
  for (const o of outcomes) if (!isSynced(o) || o.commit === null) skipped.set(o.repo, notSynced(o));
  // a skipped repo's record in state.json stays the one of its last deploy
  const synced = outcomes.filter((o) => !skipped.has(o.repo));
  return { repos: Object.fromEntries(synced.map((o) => [o.repo, { commit: o.commit, branch: o.branch, fallback: o.fallback }])), notSynced: skipped };
}
