// Straggler files split into units: a spec file that the timing history says takes longer than the run's fair share
// (total / workers) runs as several units on different workers, each with a disjoint share of its tests.
//
// A unit reaches mocha as a generated spec file (one per unit, in the run's temp folder) that loads the real file
// under a URL of its own, so one worker can load two units of a file; uber's plugin then keeps only the unit's tests
// (src/mocha/unit.ts). Everything downstream sees the real path and the unit ("2/3").
//
// The opposite case, many short files: a batch runs several of them in one mocha run of one worker (one generated
// spec file loads each in turn, src/mocha/batch.ts), saving mocha's cost per file (a Mocha, a load, a run, its events
// serialized and sent). Everything downstream sees each real file on its own.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { estimateFiles, type SizeOf } from '../shard/shard.js';
import type { Timings } from '../timings/timings.js';
import type { UnitSpec } from '../mocha/unit.js';
import type { BatchSpec } from '../mocha/batch.js';
import type { FileRecord } from '../report/run.js';
import type { FileResult } from './results.js';

/** One entry of the run's queue: a whole spec file, or one unit of a split one. */
export interface RunItem {
  /** Spec path relative to the test cwd (the timing key). */
  readonly file: string;
  /** 0-based unit index and unit count; absent for a whole file. */
  readonly unit?: { readonly index: number; readonly count: number } | undefined;
  readonly estimateMs: number;
  /** For a unit: the last run's time per test full title, to balance the units. */
  readonly weights?: Readonly<Record<string, number>> | undefined;
  /** A batch: these files (timing keys; `file` is the first) run in this order in one mocha run of one worker. */
  readonly batch?: readonly string[] | undefined;
}

export interface SplitOptions {
  readonly jobs: number;
  readonly scope: 'test' | 'file';
  /** Files (timing keys) that always run whole (test.noSplit). */
  readonly noSplit: ReadonlySet<string>;
  /** Estimates by size when no file has a history (as the file order did). */
  readonly sizeOf?: SizeOf | undefined;
  /** Short files may share a worker's mocha run (not with --queue, nor when mocha runs serially). */
  readonly batch?: boolean | undefined;
}

/** A batch's expected time stays under this and under a quarter of the fair share, so the queue still balances. */
export const BATCH_MS = 250;
/** Files in one batch, at most. */
export const BATCH_FILES = 20;
/** A file longer than this runs alone: mocha's few milliseconds per file are then a small share of its time. */
export const BATCH_FILE_MS = 50;
/** Batching starts when the run has more whole files than this per worker. */
export const BATCH_FROM_FILES_PER_WORKER = 4;

/** "2/3" for the second of three units. */
export function unitLabel(u: { index: number; count: number }): string {
  return `${u.index + 1}/${u.count}`;
}

/**
 * How many units a file runs as: the fewest whose share (its hooks once, plus its tests' time / units) fits the fair
 * share, at most one per worker and per test; 1 when splitting cannot make it shorter.
 */
export function unitCount(fileMs: number, testMs: readonly number[], fair: number, jobs: number): number {
  const tests = testMs.reduce((a, b) => a + b, 0);
  const hooks = Math.max(0, fileMs - tests);
  const most = Math.min(jobs, testMs.length);
  if (most < 2 || fileMs <= fair) return 1;
  for (let k = 2; k <= most; k++) if (hooks + tests / k <= fair) return k;
  return hooks + tests / most < fileMs * 0.9 ? most : 1;
}

/** The run's queue, longest expected first: straggler files as units, every other file whole. */
export function planUnits(files: readonly string[], timings: Timings | undefined, o: SplitOptions): RunItem[] {
  const est = estimateFiles(files, timings, o.sizeOf);
  const total = [...est.values()].reduce((a, b) => a + b, 0);
  const fair = total / Math.max(1, o.jobs);
  const items: RunItem[] = [];
  for (const file of files) {
    const ms = est.get(file) ?? 0;
    const history = timings?.files[file];
    const testMs = history ? Object.values(history.tests) : [];
    const count = o.scope === 'file' || o.noSplit.has(file) || !history ? 1 : unitCount(history.ms, testMs, fair, o.jobs);
    if (count === 1) {
      items.push({ file, estimateMs: ms });
      continue;
    }
    const tests = testMs.reduce((a, b) => a + b, 0);
    const share = Math.max(0, ms - tests) + tests / count;
    for (let index = 0; index < count; index++) items.push({ file, unit: { index, count }, estimateMs: share, weights: history?.tests ?? {} });
  }
  const queued = o.batch && o.scope === 'test' ? batchShortFiles(items, timings, fair, o) : items;
  return queued.sort((a, b) => b.estimateMs - a.estimateMs || (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) || (a.unit?.index ?? 0) - (b.unit?.index ?? 0));
}

/**
 * Short whole files grouped into batches, in longest-first order, each batch's expected time at most
 * min(fair / 4, BATCH_MS) and at most BATCH_FILES files. Short means known: a file's own history (at most
 * BATCH_FILE_MS and half a batch), or, when no file
 * has one (a first run), its size, batches then holding at most 1/8 of a worker's files. Never batched: a file
 * without history when others have one (it may be long), test.noSplit files, units.
 */
function batchShortFiles(items: readonly RunItem[], timings: Timings | undefined, fair: number, o: SplitOptions): RunItem[] {
  const whole = items.filter((i) => !i.unit);
  if (o.jobs < 2 || whole.length <= BATCH_FROM_FILES_PER_WORKER * o.jobs) return [...items];
  const anyHistory = whole.some((i) => timings?.files[i.file]);
  const perBatch = anyHistory ? BATCH_FILES : Math.min(BATCH_FILES, Math.floor(whole.length / (o.jobs * 8)));
  const capMs = anyHistory ? Math.min(fair / 4, BATCH_MS) : Infinity;
  if (perBatch < 2) return [...items];
  const fits = (i: RunItem): boolean => !o.noSplit.has(i.file) && (anyHistory ? timings?.files[i.file] !== undefined && i.estimateMs <= Math.min(capMs / 2, BATCH_FILE_MS) : true);
  const short = whole.filter(fits).sort((a, b) => b.estimateMs - a.estimateMs || (a.file < b.file ? -1 : 1));
  const batched = new Set(short);
  const out = items.filter((i) => !batched.has(i));
  let group: RunItem[] = [];
  const close = (): void => {
    if (group.length === 1) out.push(group[0]!);
    if (group.length > 1) out.push({ file: group[0]!.file, batch: group.map((g) => g.file), estimateMs: group.reduce((a, g) => a + g.estimateMs, 0) });
    group = [];
  };
  for (const i of short) {
    if (group.length >= perBatch || group.reduce((a, g) => a + g.estimateMs, 0) + i.estimateMs > capMs) close();
    group.push(i);
  }
  close();
  return out;
}

/** Where a loader in src/mocha is, beside this module (dist/ as .js, src/ as .ts under tsx). */
function mochaModule(name: 'unit' | 'batch'): string {
  const self = new URL(import.meta.url);
  return new URL(`../mocha/${name}${path.extname(self.pathname)}`, self).href;
}

/**
 * Writes one spec file per unit and per batch into `dir` and returns what mocha is given for each item (the real path
 * for a whole file, the generated file for a unit or a batch, relative to the test cwd), with the item each argument
 * stands for.
 */
export function writeUnitFiles(items: readonly RunItem[], testCwd: string, dir: string): { args: string[]; itemOf: Map<string, RunItem> } {
  const itemOf = new Map<string, RunItem>();
  const args: string[] = [];
  items.forEach((item, n) => {
    let arg = item.file;
    if (item.unit) {
      mkdirSync(dir, { recursive: true });
      const spec: UnitSpec = { file: path.resolve(testCwd, item.file), index: item.unit.index, count: item.unit.count, weights: item.weights ?? {} };
      const unitFile = path.join(dir, `u${String(n).padStart(4, '0')}-${path.basename(item.file)}.${item.unit.index + 1}of${item.unit.count}.mjs`);
      writeFileSync(
        unitFile,
        `// uber: unit ${unitLabel(item.unit)} of ${item.file}, generated for one run: loads the file and keeps only this unit's share of its tests\n` +
          `import { loadUnit } from ${JSON.stringify(mochaModule('unit'))};\nawait loadUnit(import.meta.url, ${JSON.stringify(spec)});\n`,
      );
      arg = path.relative(testCwd, unitFile).replaceAll('\\', '/');
    }
    if (item.batch) {
      mkdirSync(dir, { recursive: true });
      const spec: BatchSpec = { files: item.batch.map((f) => path.resolve(testCwd, f)) };
      const batchFile = path.join(dir, `b${String(n).padStart(4, '0')}-${item.batch.length}-files.mjs`);
      writeFileSync(
        batchFile,
        `// uber: a batch of ${item.batch.length} spec files, generated for one run: loads each in turn, what each adds at the root in a suite of its own\n` +
          `import { loadBatch } from ${JSON.stringify(mochaModule('batch'))};\nawait loadBatch(import.meta.url, ${JSON.stringify(spec)});\n`,
      );
      arg = path.relative(testCwd, batchFile).replaceAll('\\', '/');
    }
    args.push(arg);
    itemOf.set(arg, item);
  });
  return { args, itemOf };
}

/** The files whose records a mocha argument's run writes: a batch's real files, else the argument itself. */
export function recordKeys(arg: string, itemOf: ReadonlyMap<string, RunItem>): readonly string[] {
  return itemOf.get(arg)?.batch ?? [arg];
}

/** Results keyed by mocha argument → results under the real path, each unit labelled ("2/3"). */
export function labelResults(results: readonly FileResult[], itemOf: ReadonlyMap<string, RunItem>): FileResult[] {
  return results.map((r) => {
    const item = itemOf.get(r.record.file);
    if (!item || (!item.unit && item.file === r.record.file)) return r;
    // a unit, or a whole file that reached mocha through a stub of its own (a queue's claim stub)
    const unit = item.unit ? { unit: unitLabel(item.unit) } : {};
    return { record: { ...r.record, file: item.file, ...unit }, tests: r.tests.map((t) => ({ ...t, file: item.file })) };
  });
}

/** A split file's state from its units': the worst one wins. */
const WORST_FIRST: readonly FileRecord['state'][] = ['crashed', 'load-failed', 'failed', 'bail', 'passed'];

/**
 * One result per spec file (JUnit, timing history): a split file's units put back together. Its time is what it
 * would take whole: its tests plus the units' mean hook time.
 */
export function mergeUnits(results: readonly FileResult[]): FileResult[] {
  const out: FileResult[] = [];
  const byFile = new Map<string, FileResult[]>();
  for (const r of results) {
    if (r.record.unit === undefined) {
      out.push(r);
      continue;
    }
    if (!byFile.has(r.record.file)) out.push(r); // placeholder, replaced below (keeps the queue order)
    byFile.set(r.record.file, [...(byFile.get(r.record.file) ?? []), r]);
  }
  const testTime = (tests: readonly { durationMs: number }[]): number => tests.reduce((a, t) => a + Math.max(0, t.durationMs), 0);
  return out.map((r) => {
    const parts = r.record.unit === undefined ? undefined : byFile.get(r.record.file);
    if (!parts) return r;
    const tests = parts.flatMap((p) => p.tests);
    const hookMs = parts.reduce((a, p) => a + Math.max(0, p.record.end - p.record.start - testTime(p.tests)), 0) / parts.length;
    const start = Math.min(...parts.map((p) => p.record.start));
    const state = WORST_FIRST.find((st) => parts.some((p) => p.record.state === st)) ?? 'passed';
    const told = parts.filter((p) => p.record.state !== 'passed' && p.record.output);
    const record: FileRecord = {
      file: r.record.file,
      pid: r.record.pid,
      start,
      end: start + testTime(tests) + hookMs,
      state,
      attempts: Math.max(...parts.map((p) => p.record.attempts)),
      ...(told.length > 0 ? { output: told.map((p) => `[unit ${p.record.unit}]\n${p.record.output}`).join('\n') } : {}),
    };
    return { record, tests };
  });
}
