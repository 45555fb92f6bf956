// `uber deploy` core: validate everything, sync, plan (minus what each account already runs), take accounts, run isolated deploys, merge state; returns the run as data (prints nothing).
import { existsSync } from 'node:fs';
import os from 'node:os';
import { loadConfig } from '../config/load.js';
import type { Ctx } from '../context.js';
import { InterruptedError, UsageError } from '../errors.js';
import { requireProfiles } from '../aws/profiles.js';
import { sweepDeadTemps } from '../isolation/temp.js';
import { HOST, SELF_START } from '../lease/owner.js';
import { LeaseStore } from '../lease/store.js';
import { collectSecrets, Redactor } from '../redact.js';
import { beginRun, finishRun } from '../run/finish.js';
import { newRunId, runPaths } from '../run/id.js';
import { pruneHistory } from '../run/prune.js';
import { assertWritable, uberPaths } from '../state/paths.js';
import { isDeployed, updateState, type UberState } from '../state/state.js';
import { assertBranchName } from '../workspace/sync.js';
import { workspaceRepos } from '../workspace/repos.js';
import { accountLocks } from './accounts.js';
import { choosePool, choosePoolLeaseMs } from '../pool/spec.js';
import { whoAmI } from '../util/machine.js';
import { machine, planChanged, readAccounts, RecordKeeper, skippedOutcome, unchangedOutcome, type ChangedPlan } from './changed.js';
import type { DeployEvent, PairOutcome } from './events.js';
import { resolveConcurrency, resolveProfiles, resolveRetries } from './options.js';
import { findServices, planPairs, type Pair, type Service } from './plan.js';
import { markDeploying, mergeProfile, mergeRunEnd, type RepoInfo } from './record.js';
import { assertCommandFound } from './preflight.js';
import { runDeploys } from './runner.js';
import { syncStep, type NotSynced, type SyncRunner } from './sync-step.js';
import { parseTemplate } from './template.js';

export interface DeployFlags {
  readonly config?: string | undefined;
  readonly branch?: string | undefined;
  readonly profiles?: string | undefined;
  readonly retry?: string | undefined;
  readonly concurrency?: string | undefined;
  readonly sync: boolean;
  readonly failFast: boolean;
  readonly keepTemp: boolean;
  readonly json: boolean;
  /** Deploy every pair, even those whose account already runs the same fingerprint. */
  readonly force?: boolean | undefined;
  /** Work out what would deploy and why; deploy nothing. */
  readonly dryRun?: boolean | undefined;
}

/** How a caller watches a deploy; all optional: without them deploy() runs silently. */
export interface DeployHooks {
  /** Runs the sync step (default: the silent core); the CLI passes one that shows it. */
  readonly sync?: SyncRunner | undefined;
  /** The checked plan, before anything deploys: the pairs that will deploy or are skipped (their repo did not sync), and each pair's fingerprint verdict. */
  readonly onPlan?: ((plan: { readonly runId: string; readonly pairs: readonly Pair[]; readonly profiles: readonly string[]; readonly changed: ChangedPlan }) => void) | undefined;
  /** A line the user should see now (e.g. an account whose deploy records cannot be written). */
  readonly onNote?: ((line: string) => void) | undefined;
  readonly onEvent?: ((e: DeployEvent) => void) | undefined;
  /** Take every account to deploy into at once, at the start, instead of each before its first deploy (uber run: its tests can start at once). */
  readonly takeAccountsFirst?: boolean | undefined;
  /** The account is this run's, before its first deploy (its tests cannot lease it from here on). */
  readonly onAccountTaken?: ((profile: string) => void) | undefined;
  /** Keep a settled account held instead of freeing it; the caller then releases it (see AccountLockOptions.keep). */
  readonly keepAccount?: ((profile: string, outcomes: readonly PairOutcome[], release: () => Promise<unknown>) => boolean) | undefined;
}

export interface DeployResult {
  readonly runId: string;
  readonly profiles: readonly string[];
  /** The state after this run's records were merged in (redacted). */
  readonly state: UberState;
  readonly statePath: string;
  /** This run's log folder. */
  readonly logs: string;
  readonly outcomes: readonly PairOutcome[];
  readonly ok: boolean;
  /** Aborted by SIGINT/SIGTERM: the outcomes say what finished. */
  readonly interrupted: boolean;
  /** Why state.json could not be written, when it could not: the deploys ran, uber test would read old state. */
  readonly unsaved?: string | undefined;
  /** Things the user should know that did not stop the run (e.g. a damaged state.json replaced). */
  readonly warnings: readonly string[];
  /** Each pair's fingerprint verdict (deploy or unchanged, and why). */
  readonly plan: ChangedPlan;
  /** --dry-run: nothing was deployed, and the state was not touched. */
  readonly dryRun: boolean;
}

/** What this run alone would leave, for --json and the report when state.json could not be written. */
function thisRunOnly(profiles: readonly string[], outcomes: readonly PairOutcome[], runId: string, branch: string): UberState | undefined {
  let s: UberState | undefined;
  for (const p of profiles) s = mergeProfile(s, p, outcomes.filter((o) => o.pair.profile === p), runId, branch);
  return s;
}

/** Base of the retry backoff in ms; UBER_BACKOFF_MS shortens it for demos and tests. */
function backoffBase(env: NodeJS.ProcessEnv): number | undefined {
  const v = env.UBER_BACKOFF_MS;
  return v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined;
}

export async function deploy(ctx: Ctx, flags: DeployFlags, hooks: DeployHooks = {}): Promise<DeployResult> {
  // 1. validate everything first: nothing runs on bad input
  const loaded = loadConfig(ctx.cwd, flags.config);
  const { config } = loaded;
  if (!flags.branch) throw new UsageError('ERR_UBER_NO_BRANCH', 'uber deploy needs --branch NAME (the branch every repo deploys from).');
  const branch = flags.branch;
  await assertBranchName(branch, ctx);
  const profiles = resolveProfiles(flags.profiles, config, ctx.env);
  requireProfiles(profiles, ctx.env);
  // a shared pool (test.pool / UBER_POOL) locks the accounts across machines, for deploys as for tests
  const pool = choosePool({ flag: undefined, config: config.test.pool, env: ctx.env });
  const poolLeaseMs = choosePoolLeaseMs({ config: config.test.poolLease, env: ctx.env });
  if (pool.kind === 'dynamodb') requireProfiles([pool.profile], ctx.env);
  const words = parseTemplate(config.deploy.command);
  const retries = resolveRetries(flags.retry, config);
  const concurrency = resolveConcurrency(flags.concurrency, config);
  const repos = workspaceRepos(loaded);
  const repoInfo: Record<string, RepoInfo> = {};
  let notSynced: ReadonlyMap<string, NotSynced> = new Map();
  if (!flags.sync) {
    for (const r of repos) {
      if (r.config.services.length > 0 && !existsSync(r.dir)) {
        throw new UsageError('ERR_UBER_REPO_MISSING', `Repo "${r.name}" is not at ${r.dir}; run uber sync first or drop --no-sync.`);
      }
      repoInfo[r.name] = { commit: null, branch: null, fallback: false };
    }
  }
  const paths = uberPaths(loaded.dir);
  assertWritable(paths.root); // logs and state go there: a full disk or a read-only folder stops us before git runs
  if (ctx.signal.aborted) throw new InterruptedError();

  // 2. sync (each account's deploy records are read meanwhile), 3. plan
  using accounts = readAccounts(profiles, config.deploy.recordTable, ctx.env);
  if (flags.sync) {
    const synced = await syncStep(ctx, loaded, branch, hooks.sync);
    Object.assign(repoInfo, synced.repos);
    notSynced = synced.notSynced;
  }
  const services: Service[] = [];
  for (const [i, r] of repos.entries()) services.push(...(await findServices(r.config, r.dir, i)));
  if (services.length === 0) {
    throw new UsageError('ERR_UBER_NO_SERVICES', `No repo in ${loaded.file} lists services to deploy; add "services" globs to a repo.`);
  }
  if (!words[0]!.includes('{')) assertCommandFound(words[0]!, services, ctx.env);
  const all = planPairs(services, profiles, words, { stage: config.deploy.stage, branch });
  const stage = config.deploy.stage;
  const changed = await planChanged({ pairs: all, services, repos, accounts, command: config.deploy.command, stage, envMode: config.deploy.env, force: flags.force === true, ctx });
  // a repo that did not sync (a test run uses it, it is not a clone) deploys nothing: its pairs are skipped, not tried
  const skipped = all.filter((p) => notSynced.has(p.repo)).map((p) => skippedOutcome(p, notSynced.get(p.repo)!));
  const toDeploy = changed.pairs.filter((p) => p.action === 'deploy' && !notSynced.has(p.pair.repo));
  const pairs = toDeploy.map((p) => p.pair);
  const deploying = new Set(pairs.map((p) => p.id));
  const unchanged = all.filter((p) => !deploying.has(p.id) && !notSynced.has(p.repo)).map(unchangedOutcome);
  // what the views and uber run follow: the pairs this run deploys or skips, in plan order
  const shown = all.filter((p) => deploying.has(p.id) || notSynced.has(p.repo));

  // 4. run: each account marked as being deployed, taken, deployed, recorded, freed
  // a dry run deploys nothing, so it leaves no run folder behind
  const begun = flags.dryRun ? undefined : beginRun(paths, 'deploy');
  const run = begun ?? runPaths(paths, newRunId('deploy'));
  const runId = run.id;
  const redactor = new Redactor(collectSecrets(ctx.env));
  const warnings: string[] = [];
  const stateErrors: string[] = [];
  const emit = hooks.onEvent ?? (() => undefined);
  const clean = (s: UberState): UberState => JSON.parse(redactor.redact(JSON.stringify(s))) as UberState;
  const save = async (change: (s: UberState | undefined) => UberState): Promise<UberState | undefined> => {
    try {
      const { state, replaced } = await updateState(paths.state, (s) => clean(change(s)));
      if (replaced) warnings.push(`${paths.state} was damaged (${replaced}); uber deploy replaced it with this run's records.`);
      return state;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
      stateErrors.push(`${code}${code === 'ENOSPC' ? ': the disk is full' : ''}`);
      return undefined;
    }
  };
  const runOf = (profile: string, own: readonly PairOutcome[]): PairOutcome[] => [...own, ...[...unchanged, ...skipped].filter((o) => o.pair.profile === profile)];
  if (flags.dryRun) {
    hooks.onPlan?.({ runId, pairs: shown, profiles, changed });
    const outcomes = all.map((p) => unchangedOutcome(p));
    return { runId, profiles, state: clean(mergeRunEnd(thisRunOnly(profiles, [], runId, branch), { runId, branch, repos: repoInfo, interrupted: false })), statePath: paths.state, logs: run.logs, outcomes, ok: true, interrupted: false, warnings, plan: changed, dryRun: true };
  }
  const keeper = new RecordKeeper(accounts, { id: runId, branch, stage, by: machine(ctx.env) });
  const mark = { runId, pid: process.pid, pidStart: SELF_START, host: HOST, since: new Date().toISOString() };
  const targets = [...new Set(pairs.map((p) => p.profile))];
  hooks.onPlan?.({ runId, pairs: shown, profiles, changed });
  for (const o of skipped) emit({ kind: 'done', outcome: o });
  await keeper.markAll(toDeploy); // a half-done deploy never looks current, from any machine
  for (const n of keeper.notes(changed.unreadable)) hooks.onNote?.(n);
  await save((s) => markDeploying(s, targets, mark, branch));
  // accounts with nothing to deploy are recorded at once: every pair unchanged, so healthy; one with a skipped pair
  // and nothing tried keeps its record as it is (nothing was deployed into it)
  const untouched = new Set(skipped.map((o) => o.pair.profile));
  for (const p of profiles.filter((x) => !targets.includes(x) && !untouched.has(x))) await save((s) => mergeProfile(s, p, runOf(p, []), runId, branch));
  const tempParent = ctx.env.TMPDIR ?? os.tmpdir();
  sweepDeadTemps(tempParent); // what killed runs left behind
  const store = new LeaseStore({ dir: paths.leases, audit: paths.audit });
  const shared = pool.kind === 'dynamodb' && !flags.dryRun
    ? (await import('../pool/open.js')).openSharedPool({ spec: pool, env: ctx.env, profiles, leaseMs: poolLeaseMs, who: whoAmI(ctx.env), audit: paths.audit, run: runId })
    : undefined;
  const timeoutMs = config.deploy.lockTimeout * 1000;
  const ran = await runDeploys({
    pairs,
    concurrency,
    perProfile: config.deploy.perProfile,
    retries,
    timeoutMs: config.deploy.timeout * 1000,
    failFast: flags.failFast,
    signal: ctx.signal,
    env: ctx.env,
    cwd: loaded.dir,
    logDir: run.logs,
    redactor,
    keepTemp: flags.keepTemp,
    envMode: config.deploy.env,
    tempParent,
    backoff: { baseMs: backoffBase(ctx.env) },
    takeAccountsFirst: hooks.takeAccountsFirst,
    accounts: accountLocks({
      store,
      shared,
      runId,
      timeoutMs,
      onWait: (profile, holder) => emit({ kind: 'wait', profile, holder, timeoutMs }),
      // taken again at the account's lock: another run may have finished this profile since our first mark
      onTaken: async (profile) => {
        await save((s) => markDeploying(s, [profile], mark, branch));
        hooks.onAccountTaken?.(profile);
      },
      onSettled: async (profile, own) => void (await save((s) => mergeProfile(s, profile, runOf(profile, own), runId, branch))),
      keep: hooks.keepAccount,
    }),
    onEvent: (e) => {
      emit(e);
      keeper.onEvent(e);
    },
  }).finally(() => keeper.flush());
  const byId = new Map(ran.map((o) => [o.pair.id, o]));
  for (const o of skipped) byId.set(o.pair.id, o);
  const outcomes = all.map((p) => byId.get(p.id) ?? unchangedOutcome(p));

  // 5. the run's end into the state
  const interrupted = ctx.signal.aborted;
  const end = { runId, branch, repos: repoInfo, interrupted };
  const state = (await save((s) => mergeRunEnd(s, end))) ?? clean(mergeRunEnd(thisRunOnly(profiles, outcomes, runId, branch), end));
  const ok = outcomes.every((o) => isDeployed(o.status));
  if (begun) {
    const count = (st: string): number => outcomes.filter((o) => o.status === st).length;
    try {
      finishRun(paths, begun, { endedAt: Date.now(), ok, interrupted, details: { pairs: outcomes.length, ok: count('ok'), noop: count('no-op'), unchanged: count('unchanged'), failed: count('failed'), cancelled: count('cancelled'), skipped: count('skipped') } });
      pruneHistory(paths, config.history);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
      stateErrors.push(`${code}${code === 'ENOSPC' ? ': the disk is full' : ''}`); // a full disk at the end is said, never a crash
    }
  }
  const unsaved = stateErrors.length > 0
    ? `uber could not write ${paths.state} (${stateErrors[0]}); the deploys ran as shown above — free space or fix permissions before uber test reads the state.`
    : undefined;
  return { runId, profiles, state, statePath: paths.state, logs: run.logs, outcomes, ok, interrupted, unsaved, warnings, plan: changed, dryRun: false };
}
