// Runs a test plan: mocha --parallel with uber's plugin in its own run folder; crashed files re-run, leases swept, reports written.
import { mkdirSync, rmSync } from 'node:fs';
import { ownedTempDir, sweepDeadTemps } from '../isolation/temp.js';
import os from 'node:os';
import path from 'node:path';
import { say, type Ctx } from '../context.js';
import { isAlive } from '../exec/alive.js';
import { run } from '../exec/run.js';
import { describeOverlap, findOverlaps, markAudit, readAuditSince, uniqueLeases } from '../lease/audit.js';
import { now } from '../lease/clock.js';
import { LeaseStore } from '../lease/store.js';
import { settingsToEnv } from '../mocha/settings.js';
import { collectSecrets, redactLines, Redactor } from '../redact.js';
import { secs } from '../util/format.js';
import { renderTestSummary, writeTestWaterfall } from '../report/index.js';
import type { MochaEnd } from '../report/run.js';
import { beginRun, finishRun, type Run } from '../run/finish.js';
import { holdWorkspace } from '../workspace/hold.js';
import { pruneHistory, pruneRunsAsync } from '../run/prune.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { earlyWorkersUsable, mochaArgv } from './argv.js';
import type { TestPlan } from './plan.js';
import { publishReports, testRunRecord, writeReports } from './reports.js';
import { bailed, fileResult, missingFiles, readAttempt, type FileResult } from './results.js';
import { wantsColour, type MaybeTty } from '../ui/colour.js';
import { mark as trace } from './trace.js';
import { MOCHA_GRACE_MS, type EarlyMocha } from './early.js';
import { labelResults, mergeUnits, recordKeys, writeUnitFiles } from './units.js';
import { workerStartMs } from './workers.js';
import { writeWorkerHint } from './warm-hint.js';

export interface TestRunOutcome {
  readonly ok: boolean;
  readonly interrupted: boolean;
  /** The run's id and folder (undefined when a shard got no files and nothing ran). */
  readonly run: Run | undefined;
  readonly files: FileResult[];
  /** Leases this run held (its own audit lines). */
  readonly leases: number;
  readonly overlaps: number;
  /** One line per problem (crashed or unloadable files, overlaps, a mocha that failed on its own). */
  readonly problems: string[];
}

const TAIL = 16 * 1024;
/** mocha's own flag for --bail on its command line (a .mocharc's bail is seen by the workers themselves). */
const BAIL_FLAG = /^(--bail(=true)?|-b)$/;

async function waitForDeath(pids: Iterable<number>, ms: number): Promise<void> {
  const until = Date.now() + ms;
  for (const pid of pids) while (isAlive(pid) && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
}

export async function runTestPlan(plan: TestPlan, ctx: Ctx, early?: EarlyMocha): Promise<TestRunOutcome> {
  const current = beginRun(plan.paths, 'test');
  // Held until the run ends: no sync moves a workspace repo under the running suite (src/workspace/hold.ts).
  await using _workspace = await holdWorkspace({ paths: plan.paths, runId: current.id, signal: ctx.signal, onWait: (line) => say(ctx, `uber test: ${line}`) });
  const startedAt = now();
  if (plan.jobsNote) say(ctx, plan.jobsNote);
  if (!plan.jobsAsked) writeWorkerHint(plan.paths, plan.jobs); // the next run without --jobs starts this many before it plans
  const auditMark = markAudit(plan.paths.audit); // this run reads the audit from here on, never the history before it
  sweepDeadTemps(os.tmpdir()); // what killed runs left behind
  const root = ownedTempDir(os.tmpdir(), 'uber-run-');
  const store = new LeaseStore({ dir: plan.paths.leases, audit: plan.paths.audit, run: current.id });
  const results = new Map<string, FileResult>();
  const mocha: MochaEnd[] = [];
  const problems: string[] = [];
  const bailFlag = plan.extra.some((a) => BAIL_FLAG.test(a));
  // with --queue, mocha is given claim stubs that pull units from the run's shared queue (src/queue/machine.ts)
  // (loaded only then: the queue brings the AWS SDK, ~0.15 s of start-up a run without it should not pay)
  const shared = plan.queue ? await (await import('./queue-run.js')).openQueue(plan, plan.queue, ctx, path.join(root, 'units')) : undefined;
  // straggler files run as units, short files in batches (one generated spec file each); `queue` holds what mocha is given
  const { args, itemOf } = shared ? { args: shared.args, itemOf: shared.itemOf } : writeUnitFiles(plan.units, plan.testCwd, path.join(root, 'units'));
  const pruning = pruneRunsAsync(plan.paths, plan.history).catch(() => undefined); // old run folders go while mocha starts
  let mochaFailedAlone = false;
  let startCost: number | undefined;
  // test output, crash tails, JUnit and tests.json pass through the same redaction as deploys
  const redactor = new Redactor(collectSecrets(ctx.env));
  const out = redactLines(ctx.stdout, redactor);
  const err = redactLines(ctx.stderr, redactor);
  try {
    let queue = shared ? shared.first() : [...args];
    for (let attempt = 1; queue.length > 0; attempt += 1) {
      const runDir = path.join(root, `attempt-${attempt}`);
      mkdirSync(runDir, { recursive: true });
      // a re-run stays in mocha's parallel mode (jobs ≥ 2 unless the user asked for 1): mocha runs --jobs 1 serially, where .only would apply
      const jobs = attempt === 1 || plan.jobs < 2 ? plan.jobs : Math.max(2, Math.min(plan.jobs, queue.length));
      // the first attempt goes to the mocha that started with uber (src/testrun/early.ts), when there is one, with the
      // workers it started then, unless mocha runs serially or may not take them (node's flags, arguments after --)
      const warm = attempt === 1 && early !== undefined && jobs >= 2 && earlyWorkersUsable(plan.userRc, plan.extra);
      const argv = mochaArgv({ files: queue, jobs, reporter: plan.reporter, extra: plan.extra, userRc: plan.userRc, runDir, color: wantsColour(ctx.stdout as MaybeTty, ctx.env), warm });
      const env = {
        ...ctx.env,
        ...settingsToEnv({
          leaseDir: plan.paths.leases, pool: plan.profiles, scope: plan.scope, timeoutMs: plan.leaseTimeoutMs, staleMs: undefined, runDir, testCwd: plan.testCwd, runId: current.id,
          shared: plan.pool.kind === 'dynamodb' ? { spec: plan.pool.text, leaseMs: plan.poolLeaseMs, cleanup: plan.poolCleanup } : undefined,
        }),
        ...shared?.env(),
      };
      shared?.watch(runDir);
      const t0 = now();
      trace('uber', 'mocha spawning', undefined, ctx.env);
      const how = { cwd: plan.testCwd, env, signal: ctx.signal, stdout: out, stderr: err, graceMs: MOCHA_GRACE_MS };
      const exit = attempt === 1 && early ? await early.start(argv.slice(1), { ...how, warm }) : await run([process.execPath, ...argv], how);
      mocha.push({ attempt, files: queue.length, reason: exit.reason, ...(exit.exitCode !== undefined ? { exitCode: exit.exitCode } : {}), ...(exit.signal ? { signal: exit.signal } : {}) });
      const tail = `${exit.output.slice(-TAIL)}${exit.errorMessage ? `\nuber: cannot start mocha: ${exit.errorMessage}` : ''}`;
      trace('uber', 'mocha exited', undefined, ctx.env);
      const rec = readAttempt(runDir);
      if (attempt === 1 && jobs >= 2) startCost = workerStartMs(rec.starts.values()); // parallel workers only: serial mocha runs in its main process
      trace('uber', 'records read', undefined, ctx.env);
      await waitForDeath(rec.pids, 2000);
      trace('uber', 'workers gone', undefined, ctx.env);
      store.sweepDead(); // leases of workers that crashed or were killed: freed, and logged as ended by death
      // the same for a shared pool's items: another machine would otherwise wait out their lease
      if (plan.pool.kind === 'dynamodb') await (await import('../pool/open.js')).sweepDeadWorkers({ spec: plan.pool, env: ctx.env, profiles: plan.profiles, leaseMs: plan.poolLeaseMs, audit: plan.paths.audit, run: current.id });
      const stoppedByBail = bailed(rec, bailFlag);
      // a batch's records are its real files'; a crashed batch's files that did not finish run again on their own
      const keys = queue.flatMap((a) => recordKeys(a, itemOf));
      for (const f of keys) results.set(f, fileResult(f, rec, runDir, attempt, tail, { start: t0, end: now() }, stoppedByBail));
      if (exit.reason === 'cancelled' || ctx.signal.aborted) break;
      const missing = missingFiles(keys, rec);
      if (missing.length === keys.length && rec.starts.size === 0 && exit.exitCode !== 0) {
        mochaFailedAlone = true; // mocha stopped before any file started (bad option, broken require): retrying cannot help
        break;
      }
      const allPassed = [...results.values()].every((r) => r.record.state === 'passed');
      if (exit.exitCode !== 0 && missing.length === 0 && allPassed) mochaFailedAlone = true;
      if (stoppedByBail) break; // files --bail skipped are not run again
      if (shared) {
        queue = await shared.after(rec, missing); // crashed units again, then what dead machines held, until drained
        continue;
      }
      if (missing.length === 0 || attempt > plan.retryCrashed) break;
      if (jobs < 2 && rec.loadErrors.size > 0) {
        // serial mocha (--jobs 1) stops at the first file it cannot load: the others never started, nothing crashed
        say(ctx, `uber: ${plural(missing.length, 'file')} did not run (serial mocha stops at a file that fails to load); running them again (attempt ${attempt + 1}).`);
        queue = missing;
        continue;
      }
      for (const f of missing) {
        const output = results.get(f)?.record.output;
        say(ctx, redactor.redact(`uber: ${f} reported no result (its worker crashed)${output ? `; last output:\n${indent(output)}` : ''}`));
      }
      say(ctx, `uber: re-running ${missing.length} crashed file${missing.length > 1 ? 's' : ''} on a fresh worker (attempt ${attempt + 1}).`);
      queue = missing;
    }
  } finally {
    await shared?.close();
    await Promise.all([new Promise((r) => out.end(r)), new Promise((r) => err.end(r))]);
    rmSync(root, { recursive: true, force: true });
  }
  const interrupted = ctx.signal.aborted;
  const mine = shared ? args.filter((a) => shared.kept(a)) : args; // a queue's stubs that took no unit, or were taken over, are not this machine's
  const ran = labelResults(JSON.parse(redactor.redact(JSON.stringify(mine.flatMap((a) => recordKeys(a, itemOf)).map((f) => results.get(f)).filter((r): r is FileResult => r !== undefined)))) as FileResult[], itemOf);
  const files = mergeUnits(ran); // one per spec file: JUnit, timings and the counts; the run record keeps each unit
  const endedAt = now();
  const record = testRunRecord(current.id, ran, { startedAt, endedAt, jobs: plan.jobs, profiles: plan.profiles, shard: plan.shard ? { index: plan.shard.index, total: plan.shard.total } : null, mocha });
  writeReports(current, plan.paths.timings, record, files, shared ? partlyHere(ran) : undefined, startCost);
  trace('uber', 'reports written', undefined, ctx.env);

  for (const { record: f } of files) {
    if (f.state === 'crashed') problems.push(`${f.file} crashed its worker and has no result after ${f.attempts} attempt${f.attempts > 1 ? 's' : ''}${f.output ? `; last output:\n${indent(f.output)}` : ''}`);
    if (f.state === 'load-failed') problems.push(`${f.file} failed to load${f.output ? `:\n${indent(f.output)}` : ''}`);
  }
  const skipped = files.filter((f) => f.record.state === 'bail').map((f) => f.record.file);
  if (skipped.length > 0) problems.push(`${plural(skipped.length, 'file')} not run (bail): ${skipped.join(', ')}`);
  // this run's audit lines only (tagged with its id); overlaps are checked against every lease logged meanwhile, other runs' too
  const audit = readAuditSince(plan.paths.audit, auditMark);
  const leases = uniqueLeases(audit.records.filter((r) => r.run === current.id));
  writeFileAtomic(current.leases, leases.map((r) => `${JSON.stringify(r)}\n`).join(''));
  const overlaps = findOverlaps(audit.records);
  trace('uber', 'lease audit checked', undefined, ctx.env);
  for (const o of overlaps) problems.push(`two leases of one profile overlapped: ${describeOverlap(o)}`);
  for (const r of leases) if (r.ended === 'fenced') problems.push(`the lease of ${r.profile} (token ${r.token}) was found taken by a later holder when it was released: the shared pool's clocks may be skewed beyond its margin`);
  const reclaimed = leases.filter((r) => r.reclaimedFrom);
  if (reclaimed.length > 0) say(ctx, `uber: ${plural(reclaimed.length, 'account')} taken back from a dead holder: ${reclaimed.map((r) => `${r.profile} (from ${r.reclaimedFrom})`).join(', ')}.`);
  if (audit.torn > 0) say(ctx, `uber: skipped ${plural(audit.torn, 'damaged line')} in ${plan.paths.audit} (torn by a crash).`);
  if (mochaFailedAlone) problems.push('mocha exited with an error of its own (see its output above)');
  if (shared) problems.push(...shared.problems);
  const tests = files.flatMap((f) => f.tests);
  const failed = tests.filter((t) => t.state === 'failed').length;
  // a queue machine reports what it ran (other machines ran the rest); alone, every planned file must have run
  const ok = !interrupted && problems.length === 0 && failed === 0 && (shared !== undefined || files.length === plan.files.length) && files.every((f) => f.record.state === 'passed');
  const count = (s: string): number => tests.filter((t) => t.state === s).length;
  say(
    ctx,
    `uber: ${plural(tests.length, 'test')} in ${plural(files.length, 'file')} on ${plural(plan.profiles.length, 'profile')} (jobs ${plan.jobs}): ${count('passed')} passed, ${failed} failed, ${count('pending')} pending; ` +
      `${plural(leases.length, 'lease')}, ${overlaps.length === 0 ? 'no overlap' : `${overlaps.length} OVERLAPS`}; ${secs(endedAt - startedAt)}.`,
  );
  if (files.length > 0) {
    say(ctx, renderTestSummary(record));
    say(ctx, `uber: waterfall ${writeTestWaterfall(record, current.waterfall)}; JUnit ${current.junit}`);
  }
  for (const p of problems) say(ctx, `uber: ${p}`);
  trace('uber', 'summary and waterfall written', undefined, ctx.env);
  const states = Object.fromEntries(['passed', 'failed', 'crashed', 'load-failed', 'bail'].map((s) => [s, files.filter((f) => f.record.state === s).length]));
  const { latest } = finishRun(plan.paths, current, { endedAt, ok, interrupted, details: { files: states, tests: tests.length, failed, leases: leases.length, overlaps: overlaps.length, problems } });
  if (latest) publishReports(current, plan.paths);
  pruneHistory(plan.paths, plan.history, Date.now(), await pruning);
  return { ok, interrupted, run: current, files, leases: leases.length, overlaps: overlaps.length, problems };
}

/** Split files of which only some units ran here (a queue machine's share). */
function partlyHere(ran: readonly FileResult[]): Set<string> {
  const units = new Map<string, { here: number; count: number }>();
  for (const r of ran) {
    const m = /^\d+\/(\d+)$/.exec(r.record.unit ?? '');
    if (!m) continue;
    const u = units.get(r.record.file) ?? { here: 0, count: Number(m[1]) };
    units.set(r.record.file, { ...u, here: u.here + 1 });
  }
  return new Set([...units].filter(([, u]) => u.here < u.count).map(([f]) => f));
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => `    ${l}`)
    .join('\n');
}
