// `uber deploy` core: validate everything, sync, plan, run isolated deploys, record state, report.
import { existsSync } from 'node:fs';
import os from 'node:os';
import { loadConfig } from '../config/load.js';
import type { Ctx } from '../context.js';
import { InterruptedError, RunFailedError, UsageError } from '../errors.js';
import { requireProfiles } from '../aws/profiles.js';
import { collectSecrets, Redactor } from '../redact.js';
import { assertWritable, uberPaths } from '../state/paths.js';
import { writeState, type UberState } from '../state/state.js';
import { assertBranchName } from '../workspace/sync.js';
import { workspaceRepos } from '../workspace/repos.js';
import type { PairOutcome } from './events.js';
import { resolveConcurrency, resolveProfiles, resolveRetries } from './options.js';
import { findServices, planPairs, type Service } from './plan.js';
import { buildState, type RepoInfo } from './record.js';
import { machine, planChanged, readAccounts, RecordKeeper, unchangedOutcome, type ChangedPlan } from './changed.js';
import { printPlan, printSkips } from './changed-report.js';
import { newRunId } from '../run/id.js';
import { isDeployed } from '../state/state.js';
import { assertCommandFound } from './preflight.js';
import { printReport } from './report.js';
import { runDeploys } from './runner.js';
import { syncStep } from './sync-step.js';
import { parseTemplate } from './template.js';
import { createView } from './view.js';

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
  /** Print what would deploy and why; deploy nothing. */
  readonly dryRun?: boolean | undefined;
}

export interface DeployResult {
  readonly state: UberState;
  readonly outcomes: readonly PairOutcome[];
  readonly ok: boolean;
  /** Each pair's fingerprint verdict (deploy or unchanged, and why). */
  readonly plan?: ChangedPlan | undefined;
}

/** Base of the retry backoff in ms; UBER_BACKOFF_MS shortens it for demos and tests. */
function backoffBase(env: NodeJS.ProcessEnv): number | undefined {
  const v = env.UBER_BACKOFF_MS;
  return v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined;
}

export async function deploy(ctx: Ctx, flags: DeployFlags): Promise<DeployResult> {
  // 1. validate everything first: nothing runs on bad input
  const loaded = loadConfig(ctx.cwd, flags.config);
  const { config } = loaded;
  if (!flags.branch) throw new UsageError('ERR_UBER_NO_BRANCH', 'uber deploy needs --branch NAME (the branch every repo deploys from).');
  await assertBranchName(flags.branch, ctx);
  const profiles = resolveProfiles(flags.profiles, config, ctx.env);
  requireProfiles(profiles, ctx.env);
  const words = parseTemplate(config.deploy.command);
  const retries = resolveRetries(flags.retry, config);
  const concurrency = resolveConcurrency(flags.concurrency, config);
  const repos = workspaceRepos(loaded);
  const repoInfo: Record<string, RepoInfo> = {};
  if (!flags.sync) {
    for (const r of repos) {
      if (r.config.services.length > 0 && !existsSync(r.dir)) {
        throw new UsageError('ERR_UBER_REPO_MISSING', `Repo "${r.name}" is not at ${r.dir}; run uber sync first or drop --no-sync.`);
      }
      repoInfo[r.name] = { commit: null, branch: null, fallback: false };
    }
  }
  assertWritable(uberPaths(loaded.dir).root); // logs and state go there: a full disk or a read-only folder stops us before git runs
  if (ctx.signal.aborted) throw new InterruptedError();

  // 2. sync (each account's records are read meanwhile), 3. plan
  using accounts = readAccounts(profiles, config.deploy.recordTable, ctx.env);
  if (flags.sync) Object.assign(repoInfo, await syncStep(ctx, loaded, flags.branch));
  const services: Service[] = [];
  for (const [i, r] of repos.entries()) services.push(...(await findServices(r.config, r.dir, i)));
  if (services.length === 0) {
    throw new UsageError('ERR_UBER_NO_SERVICES', `No repo in ${loaded.file} lists services to deploy; add "services" globs to a repo.`);
  }
  if (!words[0]!.includes('{')) assertCommandFound(words[0]!, services, ctx.env);
  const pairs = planPairs(services, profiles, words, { stage: config.deploy.stage, branch: flags.branch });
  const stage = config.deploy.stage;
  const plan = await planChanged({ pairs, services, repos, accounts, command: config.deploy.command, stage, envMode: config.deploy.env, force: flags.force === true, ctx });
  if (flags.dryRun) {
    printPlan(ctx, plan, flags.json);
    return { state: buildState({ branch: flags.branch, repos: repoInfo, profiles, outcomes: [], interrupted: false }), outcomes: [], ok: true, plan };
  }
  printSkips(ctx, plan);
  const toDeploy = plan.pairs.filter((p) => p.action === 'deploy');
  const keeper = new RecordKeeper(accounts, { id: newRunId('deploy'), branch: flags.branch, stage, by: machine(ctx.env) });
  await keeper.markAll(toDeploy); // a half-done deploy never looks current
  for (const n of keeper.notes()) ctx.stderr.write(`${n}\n`);

  // 4. run
  const paths = uberPaths(loaded.dir);
  const redactor = new Redactor(collectSecrets(ctx.env));
  const view = createView(ctx, toDeploy.map((p) => p.pair), profiles, redactor);
  const ran = await runDeploys({
    pairs: toDeploy.map((p) => p.pair),
    concurrency,
    perProfile: config.deploy.perProfile,
    retries,
    timeoutMs: config.deploy.timeout * 1000,
    failFast: flags.failFast,
    signal: ctx.signal,
    env: ctx.env,
    cwd: loaded.dir,
    logDir: paths.logs,
    redactor,
    keepTemp: flags.keepTemp,
    envMode: config.deploy.env,
    tempParent: ctx.env.TMPDIR ?? os.tmpdir(),
    backoff: { baseMs: backoffBase(ctx.env) },
    onEvent: (e) => {
      view.onEvent(e);
      keeper.onEvent(e);
    },
  }).finally(() => keeper.flush());
  await view.finish();
  const byId = new Map(ran.map((o) => [o.pair.id, o]));
  const outcomes = pairs.map((p) => byId.get(p.id) ?? unchangedOutcome(p));

  // 5. record and report
  const interrupted = ctx.signal.aborted;
  const state = buildState({ branch: flags.branch, repos: repoInfo, profiles, outcomes, interrupted });
  let unsaved: string | undefined;
  try {
    writeState(paths.state, JSON.parse(redactor.redact(JSON.stringify(state))) as UberState);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'error';
    unsaved = `uber could not write ${paths.state} (${code}${code === 'ENOSPC' ? ': the disk is full' : ''}); the deploys ran as shown above — free space or fix permissions before uber test reads the state.`;
  }
  printReport(ctx, { outcomes, profiles, state, redactor, json: flags.json, statePath: paths.state });
  if (unsaved && !ctx.signal.aborted) throw new RunFailedError(unsaved);
  if (interrupted) throw ctx.signal.reason instanceof InterruptedError ? ctx.signal.reason : new InterruptedError();
  return { state, outcomes, ok: outcomes.every((o) => isDeployed(o.status)), plan };
}
