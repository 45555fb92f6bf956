// `uber sync` core: every repo of the workspace onto one branch, concurrently (bounded), outcomes as data.
import { getMaxListeners, setMaxListeners } from 'node:events';
import { mkdirSync } from 'node:fs';
import type { LoadedConfig } from '../config/load.js';
import type { Ctx } from '../context.js';
import { InterruptedError, UsageError } from '../errors.js';
import { parseWhole } from '../options/whole.js';
import { newRunId } from '../run/id.js';
import { assertWritable, uberPaths } from '../state/paths.js';
import { assertBranchName } from './branch.js';
import { busyReason, lockRepo } from './lock.js';
import { mapBounded } from './pool.js';
import { workspaceRepos, type WorkspaceRepo } from './repos.js';
import { syncRepo, where } from './sync-repo.js';
import { heldBy, type SyncOutcome } from './types.js';

export type { SyncOutcome, SyncStatus } from './types.js';
export { assertBranchName } from './branch.js';

/** Git work is mostly waiting on the network and disk, so more than the core count; fits a CI machine. */
export const DEFAULT_SYNC_CONCURRENCY = 8;

export interface SyncEvent {
  repo: string;
  /** 'queued', 'waiting' (detail says for whom), a git step ('inspect', 'ls-remote', 'clone', 'fetch', 'switch', 'fast-forward'; detail: git's progress for clone and fetch), or 'done' with the outcome. */
  step: string;
  detail?: string;
  outcome?: SyncOutcome;
}

export interface SyncOptions {
  loaded: LoadedConfig;
  branch: string;
  only?: readonly string[] | undefined;
  concurrency?: number | undefined;
  ctx: Ctx;
  onEvent?: (e: SyncEvent) => void;
  /** The run that syncs (a deploy passes its own); default a new sync run id. */
  runId?: string | undefined;
  /** How long to wait for a test run that uses a repo before skipping it as busy; default config sync.waitForTests. */
  waitForTestsMs?: number | undefined;
  /** Report git's progress of clones and fetches as the step's detail (the live rows show it); default false. */
  progress?: boolean | undefined;
}

/** Throws UsageError for a concurrency that is not a whole number from 1 to 256. */
export function checkConcurrency(n: number | undefined): number {
  return n === undefined ? DEFAULT_SYNC_CONCURRENCY : parseWhole('--concurrency', n, 1, 256);
}

/** A checked sync: the repos to visit and how many at once. */
export interface SyncPlan {
  readonly repos: readonly WorkspaceRepo[];
  readonly limit: number;
}

/** Checks everything before anything runs (concurrency, branch, repo names, configured default branches); UsageError otherwise. */
export async function planSync(opts: SyncOptions): Promise<SyncPlan> {
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
  assertWritable(uberPaths(loaded.dir).root); // the workspace locks live there (lock.ts)
  if (ctx.signal.aborted) throw new InterruptedError();
  return { repos, limit };
}

/** Runs a checked plan: at most `limit` repos at once; waits for the ones in flight after an abort, then throws InterruptedError. */
export async function runSyncPlan(plan: SyncPlan, opts: SyncOptions): Promise<SyncOutcome[]> {
  const { loaded, branch, ctx } = opts;
  mkdirSync(loaded.workspaceDir, { recursive: true });
  // Every git call listens on the run's signal (simple-git's abort and exec/adopt.ts): room for `limit` of them without Node's leak warning.
  setMaxListeners(Math.max(getMaxListeners(ctx.signal), 2 * plan.limit + 10), ctx.signal);
  const emit = opts.onEvent ?? (() => undefined);
  const lockOpts = {
    paths: uberPaths(loaded.dir),
    runId: opts.runId ?? newRunId('sync'),
    waitMs: opts.waitForTestsMs ?? loaded.config.sync.waitForTests * 1000,
    signal: ctx.signal,
  };
  for (const repo of plan.repos) emit({ repo: repo.name, step: 'queued' });
  const results = await mapBounded(plan.repos, plan.limit, ctx.signal, async (repo) => {
    let outcome: SyncOutcome;
    try {
      // One sync at a time per repo, and none while a test run uses it (lock.ts); git runs only under the lock.
      const lock = await lockRepo(repo.name, { ...lockOpts, onWait: (detail) => emit({ repo: repo.name, step: 'waiting', detail }) });
      if (lock.busy) outcome = { repo: repo.name, dir: repo.dir, fallback: false, ...(await where(repo, ctx)), status: 'skipped', reason: busyReason(lock.busy), heldBy: heldBy(lock.busy) };
      else {
        try {
          outcome = await syncRepo(repo, branch, ctx, (step, detail) => emit({ repo: repo.name, step, ...(detail === undefined ? {} : { detail }) }), opts.progress ?? false);
        } finally {
          lock.release();
        }
      }
    } catch (e) {
      outcome = { repo: repo.name, dir: repo.dir, branch: null, fallback: false, commit: null, status: 'failed', reason: (e as Error).message };
    }
    emit({ repo: repo.name, step: 'done', outcome });
    return outcome;
  });
  if (ctx.signal.aborted) throw ctx.signal.reason instanceof InterruptedError ? ctx.signal.reason : new InterruptedError();
  return results.filter((o): o is SyncOutcome => o !== undefined);
}

/** Validates everything first (branch, repo names, configured default branches), then syncs; nothing runs on bad input. */
export async function syncRepos(opts: SyncOptions): Promise<SyncOutcome[]> {
  return runSyncPlan(await planSync(opts), opts);
}
