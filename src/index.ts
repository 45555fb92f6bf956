// uber as a library (`import { deploy } from 'uber'`): sync, deploy, test, run and doctor return the outcomes the CLI prints from.
import { Writable } from 'node:stream';
import type { Ctx } from './context.js';
import type { DeployFlags, DeployResult } from './deploy/deploy.js';
import type { DoctorResult } from './doctor/doctor.js';
import type { RunResult } from './pipeline/pipeline.js';
import type { TestOptions as TestFlags } from './testrun/plan.js';
import type { TestRunOutcome } from './testrun/runner.js';
import type { SyncOutcome } from './workspace/types.js';

export { EXIT, InterruptedError, RunFailedError, UsageError } from './errors.js';
export type { DeployResult } from './deploy/deploy.js';
export type { DeployEvent, PairOutcome } from './deploy/events.js';
export type { Pair, Service } from './deploy/plan.js';
export type { ChangedPlan, PlannedPair } from './deploy/changed.js';
export type { Parts as FingerprintParts } from './fingerprint/fingerprint.js';
export type { RecordsCheck } from './doctor/records.js';
export type { DoctorResult } from './doctor/doctor.js';
export type { ProfileCheck } from './doctor/identity.js';
export type { UberState } from './state/state.js';
export type { TestRunOutcome } from './testrun/runner.js';
export type { RunResult } from './pipeline/pipeline.js';
export type { AccountChange } from './pipeline/readiness.js';
export type { RunTimes } from './pipeline/summary.js';
export type { FileResult } from './testrun/results.js';
export type { SyncOutcome, SyncStatus } from './workspace/types.js';

/**
 * What every call takes. Nothing is printed unless `stdout` / `stderr` are given: then the same lines the CLI
 * prints go there (progress and summaries to stderr; mocha's reporter to stdout). Nothing here exits the process:
 * bad input rejects with a UsageError (`code` "ERR_UBER_..."), an abort with an InterruptedError after cleanup.
 */
export interface RunOptions {
  /** Where the nearest uber.config.yaml is looked up from; default process.cwd(). */
  readonly cwd?: string | undefined;
  /** Path to the config file (the CLI's --config). */
  readonly config?: string | undefined;
  /** The environment uber reads (AWS files, UBER_*) and passes on; default process.env. */
  readonly env?: NodeJS.ProcessEnv | undefined;
  /** Aborting stops every child process and git call, as Ctrl-C does for the CLI. */
  readonly signal?: AbortSignal | undefined;
  readonly stdout?: Writable | undefined;
  readonly stderr?: Writable | undefined;
}

/** A stream that drops what it is given: the default for stdout and stderr. */
function sink(): Writable {
  return new Writable({ write: (_chunk, _enc, done) => done() });
}

function ctxOf(o: RunOptions): Ctx {
  return {
    cwd: o.cwd ?? process.cwd(),
    env: o.env ?? process.env,
    stdout: o.stdout ?? sink(),
    stderr: o.stderr ?? sink(),
    signal: o.signal ?? new AbortController().signal,
    interactive: false, // a library never draws a live view; plain lines go to stderr when asked
    debug: false,
  };
}

const list = (v: string | readonly string[] | undefined): string | undefined => (v === undefined || typeof v === 'string' ? v : v.join(','));
const text = (v: number | string | undefined): string | undefined => (v === undefined ? undefined : String(v));

export interface SyncOptions extends RunOptions {
  readonly branch: string;
  /** Only these repos (names from the config). */
  readonly repos?: readonly string[] | undefined;
  readonly concurrency?: number | undefined;
}

/** `uber sync`: every repo onto `branch` (or its default branch, as a fallback); one outcome per repo. */
export async function sync(o: SyncOptions): Promise<SyncOutcome[]> {
  const ctx = ctxOf(o);
  const [{ loadConfig }, { syncWithView }] = await Promise.all([import('./config/load.js'), import('./workspace/view.js')]);
  return syncWithView({ loaded: loadConfig(ctx.cwd, o.config), branch: o.branch, only: o.repos, concurrency: o.concurrency, ctx, json: false });
}

export interface DeployOptions extends RunOptions {
  readonly branch: string;
  /** Default: the config's profiles, else UBER_PROFILES, else "default". */
  readonly profiles?: string | readonly string[] | undefined;
  /** Extra attempts for transient failures (default deploy.retries). */
  readonly retries?: number | undefined;
  readonly concurrency?: number | 'auto' | undefined;
  /** false: deploy the repos as they are on disk (the CLI's --no-sync). Default true. */
  readonly sync?: boolean | undefined;
  readonly failFast?: boolean | undefined;
  readonly keepTemp?: boolean | undefined;
  /** Deploy every pair, even where the account's record shows the same fingerprint (the CLI's --force). */
  readonly force?: boolean | undefined;
  /** Plan only: `result.plan` says what would deploy and why; nothing deploys (the CLI's --dry-run). */
  readonly dryRun?: boolean | undefined;
}

function deployFlags(o: DeployOptions): DeployFlags {
  return {
    config: o.config,
    branch: o.branch,
    profiles: list(o.profiles),
    retry: text(o.retries),
    concurrency: text(o.concurrency),
    sync: o.sync ?? true,
    failFast: o.failFast ?? false,
    keepTemp: o.keepTemp ?? false,
    json: false,
    force: o.force ?? false,
    dryRun: o.dryRun ?? false,
  };
}

/** `uber deploy`: every changed service × profile, isolated and retried; `ok` is false when any deploy failed. */
export async function deploy(o: DeployOptions): Promise<DeployResult> {
  const { deployCommand } = await import('./cli/deploy.js'); // the core prints nothing; this adds the CLI's lines when streams are given
  return (await deployCommand(ctxOf(o), deployFlags(o))).result;
}

export interface TestOptions extends RunOptions {
  /** Spec files or globs relative to test.cwd; default test.spec. */
  readonly specs?: readonly string[] | undefined;
  /** Extra mocha arguments (the CLI's words after --). */
  readonly mochaArgs?: readonly string[] | undefined;
  readonly profiles?: string | readonly string[] | undefined;
  readonly jobs?: number | undefined;
  readonly leaseScope?: 'test' | 'file' | undefined;
  /** Seconds a test may wait for a free profile. */
  readonly leaseTimeout?: number | undefined;
  readonly reporter?: string | undefined;
  /** "i/n"; default from CIRCLE_NODE_INDEX / CIRCLE_NODE_TOTAL. */
  readonly shard?: string | undefined;
  readonly retryCrashed?: number | undefined;
}

function testFlags(o: TestOptions): Omit<TestFlags, 'profiles' | 'config'> {
  return {
    specs: o.specs ?? [],
    extra: o.mochaArgs ?? [],
    jobs: text(o.jobs),
    leaseScope: o.leaseScope,
    leaseTimeout: text(o.leaseTimeout),
    reporter: o.reporter,
    shard: o.shard,
    retryCrashed: text(o.retryCrashed ?? 1),
  };
}

/** `uber test --parallel`: mocha with one leased profile per test; `ok` is false on a failed test, a lost file or overlapping leases. */
export async function test(o: TestOptions): Promise<TestRunOutcome> {
  const ctx = ctxOf(o);
  const [{ planTestRun }, { runTestPlan }, { InterruptedError }] = await Promise.all([import('./testrun/plan.js'), import('./testrun/runner.js'), import('./errors.js')]);
  const plan = await planTestRun({ ...testFlags(o), config: o.config, profiles: list(o.profiles) }, ctx);
  if (plan.files.length === 0) return { ok: true, interrupted: false, run: undefined, files: [], leases: 0, overlaps: 0, problems: [] }; // this shard got no files
  const outcome = await runTestPlan(plan, ctx);
  if (outcome.interrupted) throw new InterruptedError('Interrupted: mocha and its workers were stopped and every lease was released.');
  return outcome;
}

/** `uber run`'s options: the deploy's and the test's (one `profiles` for both phases; no dry run: it would test nothing). */
export interface RunAllOptions extends Omit<DeployOptions, 'dryRun'>, Omit<TestOptions, 'profiles'> {}

/**
 * `uber run`: sync, then deploy and test pipelined per account (each account's tests start once its own deploys have
 * ended; an account whose deploy failed is never tested). `ok` is false when a deploy or a test failed; `tests` is
 * undefined when no account was ready; `times` says when each phase ran. Writes run-waterfall.html beside the reports.
 */
export async function run(o: RunAllOptions): Promise<RunResult> {
  const { runCommand } = await import('./cli/run.js'); // the core prints nothing; this adds the CLI's lines when streams are given
  return (await runCommand(ctxOf(o), { deploy: { ...deployFlags(o), json: false, dryRun: false }, test: testFlags(o) })).result;
}

export interface DoctorOptions extends RunOptions {
  /** Default: the config's profiles, else UBER_PROFILES, else "default". */
  readonly profiles?: string | readonly string[] | undefined;
  /** Per profile, for credentials and STS; default 4000. */
  readonly timeoutMs?: number | undefined;
}

/** `uber doctor`: each profile's credentials, region and account; `ok` is false when one is unusable or two share an account. */
export async function doctor(o: DoctorOptions = {}): Promise<DoctorResult> {
  const { doctor: run } = await import('./doctor/doctor.js');
  return run(ctxOf(o), { profiles: list(o.profiles), config: o.config, timeoutMs: o.timeoutMs ?? 4000 });
}
