// Deploy's sync step: every repo onto the branch first (sync's own view); a repo that failed to sync stops the deploy (exit 1).
import type { LoadedConfig } from '../config/load.js';
import type { Ctx } from '../context.js';
import { RunFailedError } from '../errors.js';
import { syncWithView } from '../workspace/view.js';
import type { RepoInfo } from './record.js';

export async function syncStep(ctx: Ctx, loaded: LoadedConfig, branch: string): Promise<Record<string, RepoInfo>> {
  // json: false — deploy prints one JSON document of its own; sync's table still goes to stderr
  const outcomes = await syncWithView({ loaded, branch, ctx, json: false });
  const failed = outcomes.filter((o) => o.status === 'failed');
  if (failed.length > 0) {
    throw new RunFailedError(
      `${failed.map((o) => `repo "${o.repo}" failed to sync (${o.reason ?? 'git error'})`).join('; ')}; nothing was deployed — fix it and run again.`,
    );
  }
  return Object.fromEntries(outcomes.map((o) => [o.repo, { commit: o.commit, branch: o.branch, fallback: o.fallback }]));
}
