// `uber sync` core: every repo of the workspace onto one branch, concurrently (bounded), outcomes as data.
import { mkdirSync } from 'node:fs';
import type { LoadedConfig } from '../config/load.js';
import type { Ctx } from '../context.js';
import { InterruptedError, UsageError } from '../errors.js';
import { assertBranchName } from './branch.js';
import { mapBounded } from './pool.js';
import { workspaceRepos } from './repos.js';
import { syncRepo } from './sync-repo.js';
import type { SyncOutcome } from './types.js';

export type { SyncOutcome, SyncStatus } from './types.js';
export { assertBranchName } from './branch.js';

/** Git work is mostly waiting on the network and disk, so more than the core count; fits a CI machine. */
export const DEFAULT_SYNC_CONCURRENCY = 8;

export interface SyncEvent {
  repo: string;
  /** 'queued', a git step ('inspect', 'ls-remote', 'clone', 'fetch', 'switch', 'fast-forward'), or 'done' with the outcome. */
  step: string;
  outcome?: SyncOutcome;
}

export interface SyncOptions {
  loaded: LoadedConfig;
  branch: string;
  only?: readonly string[] | undefined;
  concurrency?: number | undefined;
  ctx: Ctx;
  onEvent?: (e: SyncEvent) => void;
}

/** Throws UsageError for a concurrency that is not a positive integer. */
export function checkConcurrency(n: number | undefined): number {
  if (n === undefined) return DEFAULT_SYNC_CONCURRENCY;
  if (!Number.isInteger(n) || n < 1 || n > 256) {
    throw new UsageError('ERR_UBER_BAD_CONCURRENCY', `--concurrency must be a whole number from 1 to 256, not ${String(n)}; e.g. --concurrency 8.`);
  }
  return n;
}

/** Validates everything first (branch, repo names, configured default branches), then syncs; nothing runs on bad input. */
export async function syncRepos(opts: SyncOptions): Promise<SyncOutcome[]> {
  const { loaded, branch, ctx } = opts;
  const limit = checkConcurrency(opts.concurrency);
  await assertBranchName(branch, ctx);
  const repos = workspaceRepos(loaded, opts.only);
  for (const repo of repos) {
    if (!repo.branch) continue;
    try {
      await assertBranchName(repo.branch, ctx);
    } catch (e) {
      if (!(e instanceof UsageError)) throw e;
      throw new UsageError('ERR_UBER_CONFIG_INVALID', `repos "${repo.name}" has branch ${JSON.stringify(repo.branch)}, which git rejects as a branch name; fix it in ${loaded.file}.`);
    }
  }
  if (ctx.signal.aborted) throw new InterruptedError();
  mkdirSync(loaded.workspaceDir, { recursive: true });
  const emit = opts.onEvent ?? (() => undefined);
  for (const repo of repos) emit({ repo: repo.name, step: 'queued' });
  const results = await mapBounded(repos, limit, ctx.signal, async (repo) => {
    let outcome: SyncOutcome;
    try {
      outcome = await syncRepo(repo, branch, ctx, (step) => emit({ repo: repo.name, step }));
    } catch (e) {
      outcome = { repo: repo.name, dir: repo.dir, branch: null, fallback: false, commit: null, status: 'failed', reason: (e as Error).message };
    }
    emit({ repo: repo.name, step: 'done', outcome });
    return outcome;
  });
  if (ctx.signal.aborted) throw ctx.signal.reason instanceof InterruptedError ? ctx.signal.reason : new InterruptedError();
  return results.filter((o): o is SyncOutcome => o !== undefined);
}
