// `uber run` core: sync and deploy, and test each account as soon as its own deploys are done, in one process.
import { loadConfig } from '../config/load.js';
import type { Ctx } from '../context.js';
import { deploy, type DeployFlags, type DeployHooks, type DeployResult } from '../deploy/deploy.js';
import { resolveProfiles, resolveRetries } from '../deploy/options.js';
import { UsageError } from '../errors.js';
import { planTestRun, type TestOptions } from '../testrun/plan.js';
import { runTestPlan, type TestRunOutcome } from '../testrun/runner.js';
import { HeldOutput } from './held-output.js';
import { deployedWell, Readiness, type AccountChange } from './readiness.js';
import type { RunTimes } from './summary.js';

export interface RunFlags {
  readonly deploy: DeployFlags;
  /** The test phase's options; its profiles are the deploy's. */
  readonly test: Omit<TestOptions, 'profiles' | 'config'>;
}

export interface RunHooks extends Pick<DeployHooks, 'sync' | 'onPlan' | 'onNote' | 'onEvent'> {
  /** An account's deploys all ended: ready for tests, or failed (never leased by this run's tests). */
  readonly onAccount?: ((change: AccountChange) => void) | undefined;
  /** The test phase starts (the first account is ready). */
  readonly onTestsStart?: ((ready: readonly string[]) => void) | undefined;
  /** The deploy phase returned (its view can finish, its end can be printed). */
  readonly onDeployEnd?: ((result: DeployResult) => void | Promise<void>) | undefined;
}

export interface RunResult {
  readonly deploy: DeployResult;
  /** Absent when the test phase never started (no account ready, or interrupted first). */
  readonly tests: TestRunOutcome | undefined;
  readonly noTests?: string | undefined;
  readonly accounts: readonly AccountChange[];
  readonly times: RunTimes;
  /** Where the run's reports go (.uber/reports). */
  readonly reports: string;
  readonly ok: boolean;
  readonly interrupted: boolean;
}

/**
 * Deploys take each account exclusively through the lease store the tests use (every account at once, before the
 * first deploy) and hold it until every deploy into it has settled, so a test can never lease an account before its
 * deploys end. Mocha starts as soon as every account is held by its deploy or settled: its start-up (seconds) runs
 * beside the deploys, and each test leases an account the moment one is free. An account already failed or skipped
 * then is left out of the tests' pool; one whose deploy fails later stays held by this run until the test phase ends:
 * its tests never get it. Once every account has settled with none ready, the waiting tests are stopped.
 */
export async function runPipeline(ctx: Ctx, flags: RunFlags, hooks: RunHooks = {}): Promise<RunResult> {
  const start = Date.now();
  // 1. validate both phases before anything runs: the test plan gets the deploy's profiles
  const { config } = loadConfig(ctx.cwd, flags.deploy.config);
  if (!flags.deploy.branch) throw new UsageError('ERR_UBER_NO_BRANCH', 'uber run needs --branch NAME (the branch every repo deploys from).');
  const profiles = resolveProfiles(flags.deploy.profiles, config, ctx.env);
  const plan = await planTestRun({ ...flags.test, config: flags.deploy.config, profiles: profiles.join(',') }, ctx);

  // 2. deploy; the test phase starts from the deploy's events
  const kept: (() => Promise<unknown>)[] = [];
  const stopTests = new AbortController(); // the test phase stops with uber run, or alone when the deploy phase throws
  const onAbort = (): void => stopTests.abort(ctx.signal.reason);
  if (ctx.signal.aborted) onAbort();
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  const taken = new Set<string>();
  let readiness: Readiness | undefined;
  let tests: Promise<TestRunOutcome> | undefined;
  let testStart: number | undefined;
  let testEnd: number | undefined;
  // a test may wait for the first account's deploys on top of its own lease wait: at most what they can take
  const attempts = resolveRetries(flags.deploy.retry, config) + 1;
  let deployBudgetMs = 0;
  /** Every account settled and none is ready: tests that wait for one would wait in vain. */
  const NO_ACCOUNT = new Error('no account is ready for tests');
  // the test phase says nothing until an account is ready (nothing at all when none ever is)
  const output = { stdout: new HeldOutput(ctx.stdout), stderr: new HeldOutput(ctx.stderr) };
  const openOutput = (): void => Object.values(output).forEach((o) => o.open());
  const startTests = (): void => {
    if (tests || ctx.signal.aborted || !readiness) return;
    if (readiness.done && readiness.ready.length === 0) return; // nothing to test on
    const unsettledFree = readiness.profiles.filter((p) => readiness!.state(p) === 'deploying' && !taken.has(p));
    if (unsettledFree.length > 0) return; // an account not yet held by its deploy must not be leasable
    testStart = Date.now();
    hooks.onTestsStart?.(readiness.ready);
    // an account already unfit (failed, skipped) is left out of the tests' pool; one that fails later stays held (kept)
    const unfit = new Set(readiness.failed);
    const pool = { ...plan, profiles: plan.profiles.filter((p) => !unfit.has(p)), leaseTimeoutMs: plan.leaseTimeoutMs + (readiness.ready.length > 0 ? 0 : deployBudgetMs) };
    if (readiness.ready.length > 0) openOutput();
    tests = runTestPlan(pool, { ...ctx, stdout: output.stdout, stderr: output.stderr, signal: stopTests.signal }).finally(() => {
      testEnd = Date.now();
      if (stopTests.signal.reason === NO_ACCOUNT) for (const o of Object.values(output)) o.drop();
      else openOutput();
    });
  };
  const stopIfNoAccount = (): void => {
    if (tests && readiness?.done && readiness.ready.length === 0 && !stopTests.signal.aborted) stopTests.abort(NO_ACCOUNT);
  };
  let deployed: DeployResult;
  try {
    deployed = await deploy(ctx, flags.deploy, {
      sync: hooks.sync,
      onNote: hooks.onNote,
      onPlan: (p) => {
        readiness = new Readiness(p.profiles, p.pairs);
        const most = Math.max(0, ...p.profiles.map((x) => p.pairs.filter((pair) => pair.profile === x).length));
        deployBudgetMs = (config.deploy.lockTimeout + config.deploy.timeout * attempts * Math.ceil(most / config.deploy.perProfile)) * 1000;
        hooks.onPlan?.(p);
        for (const c of readiness.settled) hooks.onAccount?.(c);
        startTests();
      },
      onEvent: (e) => {
        hooks.onEvent?.(e);
        if (e.kind !== 'done' || !readiness) return;
        const change = readiness.settle(e.outcome);
        if (change) hooks.onAccount?.(change);
        if (change?.state === 'ready' && tests) openOutput();
        startTests();
        stopIfNoAccount();
      },
      takeAccountsFirst: true,
      onAccountTaken: (profile) => {
        taken.add(profile);
        startTests();
      },
      // a failed account stays ours until the tests end, so no test of this run (or anyone's) leases it meanwhile
      // (its own deploys may all be well while a skipped repo's services leave it unfit: readiness has them all)
      keepAccount: (profile, outcomes, release) => {
        if (outcomes.every(deployedWell) && readiness?.state(profile) === 'ready') return false;
        kept.push(release);
        return true;
      },
    });
    const deployEnd = Date.now();
    // pairs that never reported (e.g. skipped as unchanged) count with their final outcome
    for (const o of deployed.outcomes) {
      const change = readiness?.settle(o);
      if (change) hooks.onAccount?.(change);
    }
    if (readiness?.ready.length) openOutput();
    await hooks.onDeployEnd?.(deployed);
    startTests(); // every account settled: start if any is ready
    stopIfNoAccount();
    const ran = await tests;
    const outcome = stopTests.signal.reason === NO_ACCOUNT ? undefined : ran; // stopped before any test could run
    const accounts = readiness?.settled ?? [];
    const noTests = outcome
      ? undefined
      : deployed.interrupted || ctx.signal.aborted
        ? 'interrupted before any account was ready'
        : accounts.length > 0 && accounts.every((a) => a.state === 'skipped')
          ? 'every account has services of a repo that did not sync (see above)'
          : 'no account deployed without a failure';
    const interrupted = deployed.interrupted || (outcome?.interrupted ?? false) || ctx.signal.aborted;
    return {
      deploy: deployed,
      tests: outcome,
      noTests,
      accounts,
      times: { start, deployEnd, testStart, testEnd, end: Date.now() },
      reports: plan.paths.reports,
      ok: !interrupted && deployed.ok && outcome !== undefined && outcome.ok,
      interrupted,
    };
  } catch (e) {
    // the deploy phase threw (a bug, a full disk): stop the tests too before passing it on
    stopTests.abort(e);
    await tests?.catch(() => undefined);
    throw e;
  } finally {
    ctx.signal.removeEventListener('abort', onAbort);
    await Promise.all(kept.splice(0).map((release) => release().catch(() => undefined)));
  }
}
