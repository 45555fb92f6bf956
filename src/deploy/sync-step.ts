// Deploy's sync step: every repo onto the branch first; a repo that failed to sync stops the deploy (exit 1).
import type { LoadedConfig } from '../config/load.js';
import type { Ctx } from '../context.js';
import { RunFailedError } from '../errors.js';
import { syncRepos } from '../workspace/sync.js';
import type { RepoInfo } from './record.js';

export async function syncStep(ctx: Ctx, loaded: LoadedConfig, branch: string, _json: boolean): Promise<Record<string, RepoInfo>> {
  const outcomes = await syncRepos({
    loaded,
    branch,
    ctx,
    onEvent: (e) => {
      if (e.outcome) ctx.stderr.write(`sync ${e.repo}: ${e.outcome.status}${e.outcome.reason ? ` (${e.outcome.reason})` : ''}\n`);
    },
  });
  const failed = outcomes.filter((o) => o.status === 'failed');
  if (failed.length > 0) {
    throw new RunFailedError(
      `${failed.map((o) => `repo "${o.repo}" failed to sync (${o.reason ?? 'git error'})`).join('; ')}; nothing was deployed — fix it and run again.`,
    );
  }
  return Object.fromEntries(outcomes.map((o) => [o.repo, { commit: o.commit, branch: o.branch, fallback: o.fallback }]));
}
