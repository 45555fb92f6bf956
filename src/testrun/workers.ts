// How many mocha workers a run starts: as many as pay for their own start-up, by the timing history.
//
// Each worker is a node process that loads mocha, uber's plugin and the user's requires before its first file (about
// 0.25 s of CPU on a 2-core machine). A suite of short files that the history says takes 0.05 s in all finishes
// sooner on two workers than on eight: the six more only start, competing for the same cores. With --jobs, a queue,
// or files the history has not seen, the count stays as asked or as the profiles allow.
import type { FileStartRecord } from '../mocha/records.js';
import type { RunItem } from './units.js';
import { median } from '../util/median.js';

/** A worker's start-up in CPU milliseconds when the history has no measure of it (2 cores, node 20, mocha 11). */
export const WORKER_START_MS = 250;
/** Fewer workers win a near tie: each one costs CPU the others could use. */
const TIE = 1.02;

export interface WorkerChoice {
  /** The most workers the run may start (the leasable profiles). */
  readonly most: number;
  readonly cores: number;
  /** CPU ms one worker costs before its first file (history's workerStartMs, else WORKER_START_MS). */
  readonly startMs: number;
  /** The run's queue were it to start `jobs` workers (splits and batches depend on the count). */
  readonly plan: (jobs: number) => readonly RunItem[];
}

/** Longest first onto the least loaded worker: when the last worker would finish, by the estimates. */
export function makespanMs(items: readonly RunItem[], jobs: number): number {
  const load = new Array<number>(Math.max(1, jobs)).fill(0);
  for (const ms of items.map((i) => i.estimateMs).sort((a, b) => b - a)) {
    let least = 0;
    for (let w = 1; w < load.length; w++) if (load[w]! < load[least]!) least = w;
    load[least]! += ms;
  }
  return Math.max(...load);
}

/** Expected wall time with `jobs` workers: their start-up (in parallel up to the cores, then shared) plus the work. */
export function expectedMs(c: Pick<WorkerChoice, 'cores' | 'startMs'>, items: readonly RunItem[], jobs: number): number {
  return c.startMs * Math.max(1, jobs / Math.max(1, c.cores)) + makespanMs(items, jobs);
}

/**
 * The worker count with the shortest expected wall time, at least 2 (mocha runs --jobs 1 serially: one crash would
 * end every file) unless `most` is 1.
 */
export function workersThatPay(c: WorkerChoice): number {
  const least = Math.min(2, c.most);
  let best = c.most;
  let bestMs = expectedMs(c, c.plan(c.most), c.most);
  for (let jobs = c.most - 1; jobs >= least; jobs--) {
    const ms = expectedMs(c, c.plan(jobs), jobs);
    if (ms <= bestMs * TIE) {
      best = jobs;
      bestMs = Math.min(bestMs, ms);
    }
  }
  return best;
}

/** What starting a worker cost in this run: the median, over workers, of their CPU time when their first file began. */
export function workerStartMs(starts: Iterable<FileStartRecord>): number | undefined {
  const first = new Map<number, number>();
  for (const s of starts) if (s.cpu !== undefined) first.set(s.pid, Math.min(first.get(s.pid) ?? Infinity, s.cpu));
  const m = median([...first.values()]);
  return m === undefined ? undefined : Math.round(m);
}
