// Runs a test plan: mocha --parallel with uber's plugin, crashed files re-run on a fresh worker, leases swept, reports written.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { say, type Ctx } from '../context.js';
import { describeOverlap, findOverlaps, readAudit } from '../lease/audit.js';
import { now } from '../lease/clock.js';
import { isAlive } from '../exec/alive.js';
import { LeaseStore } from '../lease/store.js';
import { settingsToEnv } from '../mocha/settings.js';
import { collectSecrets, redactLines, Redactor } from '../redact.js';
import { mochaArgv } from './argv.js';
import type { TestPlan } from './plan.js';
import { renderTestSummary, writeTestWaterfall } from '../report/index.js';
import { testRunRecord, writeReports } from './reports.js';
import { fileResult, missingFiles, readAttempt, type FileResult } from './results.js';
import { spawnMocha } from './spawn.js';
import { wantsColour, type MaybeTty } from '../ui/colour.js';
import { mark } from './trace.js';
import { labelResults, mergeUnits, writeUnitFiles } from './units.js';

export interface TestRunOutcome {
  readonly ok: boolean;
  readonly interrupted: boolean;
  readonly files: FileResult[];
  readonly overlaps: number;
  /** One line per problem (crashed files, overlaps, a mocha that failed on its own). */
  readonly problems: string[];
}

async function waitForDeath(pids: Iterable<number>, ms: number): Promise<void> {
  const until = Date.now() + ms;
  for (const pid of pids) while (isAlive(pid) && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
}

export async function runTestPlan(plan: TestPlan, ctx: Ctx): Promise<TestRunOutcome> {
  const startedAt = now();
  const root = mkdtempSync(path.join(os.tmpdir(), 'uber-run-'));
  const store = new LeaseStore({ dir: plan.paths.leases, audit: plan.paths.audit });
  const results = new Map<string, FileResult>();
  const problems: string[] = [];
  // straggler files run as units (one generated spec file each); `queue` holds what mocha is given
  const { args, itemOf } = writeUnitFiles(plan.units, plan.testCwd, path.join(root, 'units'));
  let queue = [...args];
  let mochaFailedAlone = false;
  // test output, crash tails, JUnit and tests.json pass through the same redaction as deploys
  const redactor = new Redactor(collectSecrets(ctx.env));
  const out = redactLines(ctx.stdout, redactor);
  const err = redactLines(ctx.stderr, redactor);
  try {
    for (let attempt = 1; queue.length > 0; attempt += 1) {
      const runDir = path.join(root, `attempt-${attempt}`);
      mkdirSync(runDir, { recursive: true });
      // never below 2 on a re-run: mocha runs --jobs 1 serially in its own process, where a unit cannot be kept apart
      const jobs = attempt === 1 ? plan.jobs : Math.min(plan.jobs, Math.max(2, queue.length));
      const argv = mochaArgv({ files: queue, jobs, reporter: plan.reporter, extra: plan.extra, userRc: plan.userRc, runDir, color: wantsColour(ctx.stdout as MaybeTty, ctx.env) });
      const env = {
        ...ctx.env,
        ...settingsToEnv({ leaseDir: plan.paths.leases, pool: plan.profiles, scope: plan.scope, timeoutMs: plan.leaseTimeoutMs, staleMs: undefined, runDir, testCwd: plan.testCwd }),
      };
      const t0 = now();
      mark('uber', 'mocha spawning', undefined, ctx.env);
      const exit = await spawnMocha(argv, { cwd: plan.testCwd, env, signal: ctx.signal, stdout: out, stderr: err });
      mark('uber', 'mocha exited', undefined, ctx.env);
      const rec = readAttempt(runDir);
      mark('uber', 'records read', undefined, ctx.env);
      await waitForDeath(rec.pids, 2000);
      mark('uber', 'workers gone', undefined, ctx.env);
      store.sweepDead(); // leases of workers that crashed or were killed: freed, and logged as ended by death
      for (const f of queue) results.set(f, fileResult(f, rec, runDir, attempt, exit.tail, { start: t0, end: now() }));
      if (exit.cancelled || ctx.signal.aborted) break;
      const missing = missingFiles(queue, rec);
      if (missing.length === queue.length && rec.starts.size === 0 && exit.code !== 0) {
        mochaFailedAlone = true; // mocha stopped before any file started (bad option, broken require): retrying cannot help
        break;
      }
      if (exit.code !== 0 && missing.length === 0 && [...results.values()].every((r) => r.state === 'passed')) mochaFailedAlone = true;
      if (missing.length === 0 || attempt > plan.retryCrashed) break;
      for (const f of missing) {
        const out = results.get(f)?.crashOutput;
        say(ctx, redactor.redact(`uber: ${f} reported no result (its worker crashed)${out ? `; last output:\n${indent(out)}` : ''}`));
      }
      say(ctx, `uber: re-running ${missing.length} crashed file${missing.length > 1 ? 's' : ''} on a fresh worker (attempt ${attempt + 1}).`);
      queue = missing;
    }
  } finally {
    await Promise.all([new Promise((r) => out.end(r)), new Promise((r) => err.end(r))]);
    rmSync(root, { recursive: true, force: true });
  }
  const interrupted = ctx.signal.aborted;
  const ran = labelResults(JSON.parse(redactor.redact(JSON.stringify(args.map((f) => results.get(f)).filter((r): r is FileResult => r !== undefined)))) as FileResult[], itemOf);
  const files = mergeUnits(ran); // one per spec file: JUnit, timings and the counts; the record keeps each unit
  const endedAt = now();
  const record = testRunRecord(ran, { startedAt, endedAt, jobs: plan.jobs, profiles: plan.profiles, shard: plan.shard });
  writeReports(plan.paths, record, files);
  mark('uber', 'reports written', undefined, ctx.env);

  for (const f of files.filter((r) => r.state === 'crashed')) {
    problems.push(`${f.file} crashed its worker and has no result after ${f.attempts} attempt${f.attempts > 1 ? 's' : ''}${f.crashOutput ? `; last output:\n${indent(f.crashOutput)}` : ''}`);
  }
  const leases = readAudit(plan.paths.audit).filter((r) => r.end >= startedAt);
  const overlaps = findOverlaps(leases);
  mark('uber', 'lease audit checked', undefined, ctx.env);
  for (const o of overlaps) problems.push(`two leases of one profile overlapped: ${describeOverlap(o)}`);
  if (mochaFailedAlone) problems.push('mocha exited with an error of its own (see its output above)');
  const tests = files.flatMap((f) => f.tests);
  const failed = tests.filter((t) => t.state === 'failed').length;
  const ok = !interrupted && problems.length === 0 && failed === 0 && files.length === plan.files.length;
  const count = (s: string): number => tests.filter((t) => t.state === s).length;
  say(
    ctx,
    `uber: ${plural(tests.length, 'test')} in ${plural(files.length, 'file')} on ${plural(plan.profiles.length, 'profile')} (jobs ${plan.jobs}): ${count('passed')} passed, ${failed} failed, ${count('pending')} pending; ` +
      `${plural(leases.length, 'lease')}, ${overlaps.length === 0 ? 'no overlap' : `${overlaps.length} OVERLAPS`}; ${((endedAt - startedAt) / 1000).toFixed(1)} s.`,
  );
  if (files.length > 0) {
    say(ctx, renderTestSummary(record));
    say(ctx, `uber: waterfall ${writeTestWaterfall(record, plan.paths.waterfall)}; JUnit ${plan.paths.junit}`);
  }
  for (const p of problems) say(ctx, `uber: ${p}`);
  mark('uber', 'summary and waterfall written', undefined, ctx.env);
  return { ok, interrupted, files, overlaps: overlaps.length, problems };
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
