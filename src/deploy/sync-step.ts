// Deploy's sync step: every repo onto the branch first; a repo that failed to sync stops the deploy (exit 1), one not synced deploys nothing.
import type { LoadedConfig } from '../config/load.js';
import type { Ctx } from '../context.js';
import { RunFailedError } from '../errors.js';
import { syncRepos, type SyncOptions } from '../workspace/sync.js';
import { isSynced, type SyncOutcome } from '../workspace/types.js';
import type { RepoInfo } from './record.js';

/** How the sync runs: the core's silent syncRepos by default; the CLI passes one that shows it. */
export type SyncRunner = (opts: SyncOptions) => Promise<SyncOutcome[]>;

export interface SyncStepResult {
  readonly repos: Record<string, RepoInfo>;
  /** Repos whose services must not deploy (skipped, or no commit to deploy), with why. */
  readonly notSynced: ReadonlyMap<string, string>;
}

export async function syncStep(ctx: Ctx, loaded: LoadedConfig, branch: string, sync: SyncRunner = syncRepos): Promise<SyncStepResult> {
  const outcomes = await sync({ loaded, branch, ctx });
  const failed = outcomes.filter((o) => o.status === 'failed');
  if (failed.length > 0) {
    throw new RunFailedError(
      `${failed.map((o) => `repo "${o.repo}" failed to sync (${o.reason ?? 'git error'})`).join('; ')}; nothing was deployed — fix it and run again.`,
    );
  }
  const notSynced = new Map<string, string>();
  for (const o of outcomes) {
    if (isSynced(o) && o.commit !== null) continue;
    notSynced.set(o.repo, `repo "${o.repo}" was not synced (${o.status}${o.reason ? `: ${o.reason}` : o.commit === null ? ': no commit' : ''}), so its services were not deployed; fix the repo and deploy again.`);
  }
  return { repos: Object.fromEntries(outcomes.map((o) => [o.repo, { commit: o.commit, branch: o.branch, fallback: o.fallback }])), notSynced };
}
