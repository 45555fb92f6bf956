// The summary of a test run: per profile and per worker load, imbalance, makespan against its lower bound.
import { pct, secs, table } from '../util/format.js';
import type { TestRun } from './run.js';

export interface ProfileSummary {
  profile: string;
  tests: number;
  /** Sum of the test times that held this profile. */
  busyMs: number;
  /** busyMs over the makespan. */
  utilisation: number;
  leaseWaitMs: number;
  maxLeaseWaitMs: number;
}

export interface WorkerSummary {
  pid: number;
  tests: number;
  files: number;
  busyMs: number;
  /** Ms after the first file started. */
  startMs: number;
  finishMs: number;
}

export interface TestSummary {
  tests: { total: number; passed: number; failed: number; pending: number };
  files: { total: number; failed: number; crashed: number; loadFailed: number; bail: number };
  shard: { index: number; total: number } | null;
  jobs: number;
  wallMs: number;
  /** First file's start to last file's end. */
  makespanMs: number;
  longestFileMs: number;
  totalFileMs: number;
  /** Accounts (or workers, when fewer) that can run files at once. */
  capacity: number;
  /** max(longest file, total / capacity). */
  lowerBoundMs: number;
  /** makespan / lower bound (1 is perfect). */
  ratio: number;
  /** Last worker's finish minus the first worker's finish. */
  imbalanceMs: number;
  profiles: ProfileSummary[];
  workers: WorkerSummary[];
}

interface Span {
  pid: number | null;
  start: number;
  end: number;
}

export function summariseTestRun(run: TestRun): TestSummary {
  const spans: Span[] = run.files.length > 0 ? run.files : run.tests;
  const t0 = spans.length > 0 ? Math.min(...spans.map((s) => s.start)) : run.startedAt;
  const t1 = spans.length > 0 ? Math.max(...spans.map((s) => s.end)) : run.endedAt;
  const makespanMs = Math.max(0, t1 - t0);
  const fileMs = run.files.map((f) => Math.max(0, f.end - f.start));
  const longestFileMs = Math.max(0, ...fileMs);
  const totalFileMs = fileMs.reduce((a, b) => a + b, 0);

  const names = [...new Set([...run.profiles, ...run.tests.flatMap((t) => (t.profile ? [t.profile] : []))])];
  const profiles = names.map((profile): ProfileSummary => {
    const held = run.tests.filter((t) => t.profile === profile);
    const busyMs = held.reduce((a, t) => a + Math.max(0, t.end - t.start), 0);
    return {
      profile,
      tests: held.length,
      busyMs,
      utilisation: makespanMs > 0 ? busyMs / makespanMs : 0,
      leaseWaitMs: held.reduce((a, t) => a + t.leaseWaitMs, 0),
      maxLeaseWaitMs: Math.max(0, ...held.map((t) => t.leaseWaitMs)),
    };
  });

  const pids = [...new Set([...run.files.flatMap((f) => (f.pid === null ? [] : [f.pid])), ...run.tests.map((t) => t.pid)])].sort((a, b) => a - b);
  const workers = pids.map((pid): WorkerSummary => {
    const files = run.files.filter((f) => f.pid === pid);
    const tests = run.tests.filter((t) => t.pid === pid);
    const own: Span[] = [...files, ...tests];
    return {
      pid,
      tests: tests.length,
      files: files.length,
      busyMs: (files.length > 0 ? files : tests).reduce((a, s) => a + Math.max(0, s.end - s.start), 0),
      startMs: Math.min(...own.map((s) => s.start)) - t0,
      finishMs: Math.max(...own.map((s) => s.end)) - t0,
    };
  });
  const finishes = workers.map((w) => w.finishMs);

  const capacity = Math.max(1, Math.min(run.jobs > 0 ? run.jobs : Infinity, names.length > 0 ? names.length : Infinity));
  const lowerBoundMs = Math.max(longestFileMs, totalFileMs / capacity);
  return {
    tests: {
      total: run.tests.length,
      passed: run.tests.filter((t) => t.state === 'passed').length,
      failed: run.tests.filter((t) => t.state === 'failed').length,
      pending: run.tests.filter((t) => t.state === 'pending').length,
    },
    files: {
      total: run.files.length,
      failed: run.files.filter((f) => f.state === 'failed').length,
      crashed: run.files.filter((f) => f.state === 'crashed').length,
      loadFailed: run.files.filter((f) => f.state === 'load-failed').length,
      bail: run.files.filter((f) => f.state === 'bail').length,
    },
    shard: run.shard,
    jobs: run.jobs,
    wallMs: Math.max(0, run.endedAt - run.startedAt),
    makespanMs,
    longestFileMs,
    totalFileMs,
    capacity,
    lowerBoundMs,
    ratio: lowerBoundMs > 0 ? makespanMs / lowerBoundMs : 1,
    imbalanceMs: finishes.length > 0 ? Math.max(...finishes) - Math.min(...finishes) : 0,
    profiles,
    workers,
  };
}

/** The plain-text summary printed at the end of `uber test` and by `uber report`. */
export function renderTestSummary(run: TestRun): string {
  const s = summariseTestRun(run);
  const counts = `${s.tests.passed} passed, ${s.tests.failed} failed, ${s.tests.pending} pending`;
  const filesIn = (n: number, what: string): string => (n > 0 ? `, ${n} file${n > 1 ? 's' : ''} ${what}` : '');
  const crashed = filesIn(s.files.crashed, 'crashed') + filesIn(s.files.loadFailed, 'failed to load') + filesIn(s.files.bail, 'not run (bail)');
  const shard = s.shard ? `, shard ${s.shard.index}/${s.shard.total}` : '';
  const lines = [
    `Test run: ${s.tests.total} tests in ${s.files.total} files (${counts}${crashed}) in ${secs(s.wallMs)}; ${s.profiles.length} profiles, ${s.workers.length} workers${shard}.`,
    '',
    table(
      ['profile', 'tests', 'busy', 'utilisation', 'lease wait', 'longest wait'],
      s.profiles.map((p) => [p.profile, String(p.tests), secs(p.busyMs), pct(p.utilisation), secs(p.leaseWaitMs), secs(p.maxLeaseWaitMs)]),
    ),
    '',
    table(
      ['worker', 'files', 'tests', 'busy', 'finished at'],
      s.workers.map((w) => [`pid ${w.pid}`, String(w.files), String(w.tests), secs(w.busyMs), secs(w.finishMs)]),
    ),
    '',
    `Imbalance: ${secs(s.imbalanceMs)} (last worker's finish minus the first's).`,
    `Makespan: ${secs(s.makespanMs)} against a lower bound of ${secs(s.lowerBoundMs)} = max(longest file ${secs(s.longestFileMs)}, total ${secs(s.totalFileMs)} / ${s.capacity} at once) → ${s.ratio.toFixed(2)}×.`,
  ];
  return `${lines.join('\n')}\n`;
}
