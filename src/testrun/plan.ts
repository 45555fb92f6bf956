// `uber test` inputs → one checked plan (profiles, shard, ordered files, jobs); any bad input is a UsageError before anything runs.
import { existsSync, mkdtempSync, rmdirSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { glob } from 'tinyglobby';
import { requireProfiles } from '../aws/profiles.js';
import { loadConfig } from '../config/load.js';
import { configSchema, type Config, type HistoryConfig } from '../config/schema.js';
import { say, type Ctx } from '../context.js';
import { UsageError, type UsageCode } from '../errors.js';
import { LeaseStore } from '../lease/store.js';
import { chooseProfiles } from '../options/profiles.js';
import { choosePool, choosePoolLeaseMs, parseCleanup, type PoolSpec } from '../pool/spec.js';
import { parseWhole } from '../options/whole.js';
import { assignFiles, assignProfiles, orderLongestFirst, parseShard, shardFromEnv, type Shard } from '../shard/shard.js';
import { assertWritable, uberPaths, type UberPaths } from '../state/paths.js';
import { healthyProfiles, leftOutProfiles, readState, type UberState } from '../state/state.js';
import { readTimings, timingKey } from '../timings/timings.js';
import { readUserMochaConfig, type UserMochaConfig } from './mocharc.js';
import { queueRunId } from '../queue/run-id.js';
import { planUnits, type RunItem } from './units.js';
import { WORKER_START_MS, workersThatPay } from './workers.js';
import { namedEarlyWorkers } from './warm-hint.js';

export interface TestOptions {
  readonly specs: readonly string[];
  readonly extra: readonly string[];
  readonly config?: string | undefined;
  readonly profiles?: string | undefined;
  readonly jobs?: string | undefined;
  readonly leaseScope?: string | undefined;
  readonly leaseTimeout?: string | undefined;
  readonly reporter?: string | undefined;
  readonly shard?: string | undefined;
  readonly retryCrashed?: string | undefined;
  /** --pool as typed (else test.pool, else UBER_POOL, else local). */
  readonly pool?: string | undefined;
  /** Pull units from the run's shared queue in the pool's table (needs a DynamoDB pool). */
  readonly queue?: boolean | undefined;
  readonly runId?: string | undefined;
}

export interface TestPlan {
  readonly projectDir: string;
  readonly testCwd: string;
  readonly paths: UberPaths;
  /** This run's (this shard's) pool of profiles. */
  readonly profiles: string[];
  readonly shard: Shard | null;
  /** Spec paths relative to testCwd, in the order mocha should take them. */
  readonly files: string[];
  /** The queue: `files`, straggler files split into units and short files in batches (src/testrun/units.ts), longest expected first. */
  readonly units: RunItem[];
  readonly jobs: number;
  /** Whether --jobs named the worker count (else uber chose it: its choice is the next run's start-up hint). */
  readonly jobsAsked: boolean;
  /** Set when uber starts fewer workers than the profiles allow because the history says more would not pay. */
  readonly jobsNote?: string | undefined;
  readonly scope: 'test' | 'file';
  readonly leaseTimeoutMs: number;
  readonly reporter: string | undefined;
  readonly extra: string[];
  readonly retryCrashed: number;
  readonly userRc: UserMochaConfig;
  /** How much run history to keep (config `history`). */
  readonly history: HistoryConfig;
  /** Where leases live: lock files here, or a shared DynamoDB pool (src/pool/spec.ts). */
  readonly pool: PoolSpec;
  /** Shared pool: lease time (test.poolLease / UBER_POOL_LEASE) and the cleanup command template (test.poolCleanup). */
  readonly poolLeaseMs: number;
  readonly poolCleanup: string | undefined;
  /** --queue: every machine of the run pulls units from one queue in the pool's table (src/queue/). */
  readonly queue: { readonly runId: string; readonly pool: Extract<PoolSpec, { kind: 'dynamodb' }> } | null;
}

/** TMPDIR must exist and take a folder: a refusal there is one sentence before anything runs, not a failed run. */
function assertTempUsable(): void {
  const parent = os.tmpdir();
  try {
    rmdirSync(mkdtempSync(path.join(parent, 'uber-probe-')));
  } catch (e) {
    throw bad('ERR_UBER_TMPDIR', `The temp folder ${parent} (TMPDIR) cannot hold uber's run folder (${(e as NodeJS.ErrnoException).code ?? 'error'}); point TMPDIR at a folder you can write, or free space there.`);
  }
}

function bad(code: UsageCode, message: string): UsageError {
  return new UsageError(code, message);
}

function loadOrDefault(ctx: Ctx, explicit: string | undefined): { config: Config; dir: string; fromFile: boolean } {
  try {
    const loaded = loadConfig(ctx.cwd, explicit);
    return { config: loaded.config, dir: loaded.dir, fromFile: true };
  } catch (e) {
    if (explicit || !(e instanceof UsageError) || e.code !== 'ERR_UBER_CONFIG_MISSING') throw e;
    return { config: configSchema.parse({}), dir: ctx.cwd, fromFile: false };
  }
}

/**
 * The one profile precedence; uber test narrows to the profiles the last deploy left healthy. The deploy state is read
 * only when no --profiles is given (as chooseProfiles reads each source): `uber run`, whose deploy replaces a damaged
 * state, and `uber test --profiles` never stop on one.
 */
function pickProfiles(opts: TestOptions, ctx: Ctx, config: Config, paths: UberPaths): string[] {
  let state: UberState | undefined;
  const lastDeploy = { file: paths.state, healthy: () => healthyProfiles((state = readState(paths.state))) };
  const chosen = chooseProfiles({ flag: opts.profiles, config: () => config.profiles, env: ctx.env, lastDeploy });
  if (chosen.source === 'last-deploy') for (const { profile, why } of leftOutProfiles(state)) ctx.stderr.write(`uber test leaves out ${profile}: ${why}.
`);
  return chosen.profiles;
}

async function findFiles(specs: readonly string[], cwd: string): Promise<string[]> {
  const found = new Set<string>();
  for (const spec of specs) {
    const full = path.resolve(cwd, spec);
    const isDir = existsSync(full) && statSync(full).isDirectory();
    const pattern = isDir ? `${path.relative(cwd, full) || '.'}/*.{js,cjs,mjs,ts,cts,mts}` : spec;
    const matches = existsSync(full) && !isDir ? [path.relative(cwd, full)] : await glob(pattern, { cwd, onlyFiles: true, ignore: ['**/node_modules/**'] });
    if (matches.length === 0) throw bad('ERR_UBER_SPEC_EMPTY', `The spec "${spec}" matches no file in ${cwd}; check the path or the glob (quote it so the shell does not expand it).`);
    for (const m of matches) found.add(timingKey(m));
  }
  return [...found];
}

export async function planTestRun(opts: TestOptions, ctx: Ctx): Promise<TestPlan> {
  const { config, dir, fromFile } = loadOrDefault(ctx, opts.config);
  const paths = uberPaths(dir);
  const testCwd = path.resolve(dir, config.test.cwd);
  if (!existsSync(testCwd)) throw bad('ERR_UBER_TEST_CWD', `The test folder ${testCwd} (test.cwd) does not exist; create it or fix test.cwd in the config.`);
  const scope = opts.leaseScope ?? config.test.leaseScope;
  if (scope !== 'test' && scope !== 'file') throw bad('ERR_UBER_USAGE', `--lease-scope "${scope}" is not one of test, file; pass --lease-scope test or --lease-scope file.`);
  const timeoutS = opts.leaseTimeout === undefined ? config.test.leaseTimeout : Number(opts.leaseTimeout);
  if (!Number.isFinite(timeoutS) || timeoutS <= 0) throw bad('ERR_UBER_USAGE', `--lease-timeout "${opts.leaseTimeout}" is not a positive number of seconds; pass e.g. --lease-timeout 600.`);
  const asked = opts.jobs === undefined ? undefined : parseWhole('--jobs', opts.jobs, 1);
  namedEarlyWorkers(ctx.env); // refuses anything but a whole number (the early mocha already started none for it)
  // mocha's own worker switches after -- would override uber's plan (its units and batches are made for its workers)
  const own = opts.extra.find((a) => /^(--jobs|-j|--parallel|-p|--no-parallel)(=.*)?$/.test(a));
  if (own) throw bad('ERR_UBER_USAGE', `${own.split('=')[0]} after -- would override how uber runs mocha; pass --jobs to uber test itself (e.g. uber test --jobs 1 for one worker).`);
  if (opts.queue && asked === 1) {
    throw bad('ERR_UBER_USAGE', '--queue needs mocha\'s parallel mode, which --jobs 1 turns off (mocha would load every file at once and this machine would take the whole queue); pass --jobs 2 or more.');
  }
  const retryCrashed = opts.retryCrashed === undefined ? 1 : parseWhole('--retry-crashed', opts.retryCrashed, 0);

  const pool = choosePool({ flag: opts.pool, config: config.test.pool, env: ctx.env });
  const poolLeaseMs = choosePoolLeaseMs({ config: config.test.poolLease, env: ctx.env });
  const queue = opts.queue ? queueOptions(opts, ctx.env, pool) : null;
  const all = pickProfiles(opts, ctx, config, paths);
  requireProfiles(all, ctx.env);
  if (pool.kind === 'dynamodb') requireProfiles([pool.profile], ctx.env);
  if (pool.kind === 'dynamodb' && config.test.poolCleanup) parseCleanup(config.test.poolCleanup);
  if (pool.kind === 'dynamodb') await (await import('../pool/status.js')).probePool(pool, ctx.env); // the SDK loads only for a shared pool
  // with a queue every machine shares the whole pool and pulls its work: no static shard, even on CircleCI
  const shard = queue ? null : opts.shard !== undefined ? parseShard(opts.shard) : (shardFromEnv(ctx.env) ?? null);
  // a shared pool gives every shard every profile: the pool keeps them apart, not a static split
  const profiles = shard && pool.kind === 'local' ? assignProfiles(all, shard) : all;

  const userRc = readUserMochaConfig(testCwd);
  const specs = opts.specs.length > 0 ? opts.specs : !fromFile && userRc.spec.length > 0 ? userRc.spec : config.test.spec;
  const everything = await findFiles(specs, testCwd);
  const timings = readTimings(paths.timings, (m) => say(ctx, m));
  const sizeOf = (f: string): number => {
    try {
      return statSync(path.join(testCwd, f)).size;
    } catch {
      return 0;
    }
  };
  const files = shard ? assignFiles(everything, timings, shard, sizeOf) : orderLongestFirst(everything, timings, sizeOf);
  const noSplit = config.test.noSplit.length > 0 ? new Set(await glob(config.test.noSplit, { cwd: testCwd, onlyFiles: true, ignore: ['**/node_modules/**'] })) : new Set<string>();
  // split for the whole run's workers: on CircleCI a queue is shared by CIRCLE_NODE_TOTAL containers of `jobs` each
  const machines = queue && /^\d+$/.test(ctx.env.CIRCLE_NODE_TOTAL ?? '') ? Math.max(1, Number(ctx.env.CIRCLE_NODE_TOTAL)) : 1;
  // a queue needs mocha's parallel mode, even on one profile (a second worker waits for the lease)
  const jobs = queue && asked === undefined ? Math.max(2, profiles.length) : asked;
  // short files share a worker's mocha run in batches, except with a queue (its claim stubs take one item each) and
  // when mocha runs serially (--jobs 1: one mocha run already)
  const batch = !queue && (jobs ?? profiles.length) >= 2;
  const whole = new Set([...noSplit].map(timingKey));
  const unitsFor = (n: number): RunItem[] => planUnits(files, timings, { jobs: n * machines, scope, noSplit: whole, sizeOf, batch });
  // without --jobs, only as many workers as pay for their start-up, once the history knows every file
  const known = timings !== undefined && files.every((f) => timings.files[f] !== undefined);
  const most = jobs ?? profiles.length;
  const startMs = timings?.workerStartMs ?? WORKER_START_MS;
  const paid = jobs === undefined && !queue && known ? workersThatPay({ most, cores: os.availableParallelism(), startMs, plan: unitsFor }) : most;
  const units = unitsFor(paid);
  const jobsNote = paid < most ? jobsNoteFor(paid, most, files.length, startMs, units) : undefined;

  assertWritable(paths.root); // reports, timings and leases go there
  assertTempUsable(); // mocha's run folder, its records and the workers' plan go there
  try {
    new LeaseStore({ dir: paths.leases }).probeWritable();
  } catch (e) {
    throw bad('ERR_UBER_LEASE_DIR', `The lease folder ${paths.leases} is not writable (${(e as NodeJS.ErrnoException).code ?? 'error'}); fix its permissions so test workers can take leases.`);
  }
  return {
    projectDir: dir,
    testCwd,
    paths,
    profiles,
    shard,
    files,
    units,
    jobs: paid,
    jobsAsked: asked !== undefined,
    jobsNote,
    scope,
    leaseTimeoutMs: timeoutS * 1000,
    reporter: opts.reporter,
    extra: [...opts.extra],
    retryCrashed,
    userRc,
    history: config.history,
    pool,
    poolLeaseMs,
    poolCleanup: config.test.poolCleanup,
    queue,
  };
}

/** One line for the user: why fewer workers than profiles, and how to have them all. */
function jobsNoteFor(paid: number, most: number, files: number, startMs: number, units: readonly RunItem[]): string {
  const work = units.reduce((a, u) => a + u.estimateMs, 0);
  return `uber: ${paid} workers, not ${most}: the timing history puts the ${files} file${files === 1 ? '' : 's'} at ${(work / 1000).toFixed(2)} s in all, and a worker costs ~${(startMs / 1000).toFixed(2)} s of CPU to start; pass --jobs ${most} to start them all.`;
}

/** --queue's checks: a DynamoDB pool, a run id every machine shares, no static shard. */
function queueOptions(opts: TestOptions, env: NodeJS.ProcessEnv, pool: PoolSpec): NonNullable<TestPlan['queue']> {
  if (pool.kind !== 'dynamodb') {
    throw bad('ERR_UBER_QUEUE_POOL', '--queue needs a shared pool to keep its queue in: pass --pool dynamodb:<profile>/<table> (or set test.pool or UBER_POOL).');
  }
  if (opts.shard !== undefined) throw bad('ERR_UBER_USAGE', '--queue and --shard cannot be used together (with a queue every machine pulls its work); drop --shard.');
  return { runId: queueRunId(opts.runId, env), pool };
}
