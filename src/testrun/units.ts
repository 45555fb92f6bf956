// Straggler files split into units: a spec file that the timing history says takes longer than the run's fair share
// (total / workers) runs as several units on different workers, each with a disjoint share of its tests.
//
// A unit reaches mocha as a generated spec file (one per unit, in the run's temp folder) that loads the real file
// under a URL of its own, so one worker can load two units of a file; uber's plugin then keeps only the unit's tests
// (src/mocha/unit.ts). Everything downstream sees the real path and the unit ("2/3").
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { estimateFiles, type SizeOf } from '../shard/shard.js';
import type { Timings } from '../timings/timings.js';
import type { UnitSpec } from '../mocha/unit.js';
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
}

export interface SplitOptions {
  readonly jobs: number;
  readonly scope: 'test' | 'file';
  /** Files (timing keys) that always run whole (test.noSplit). */
  readonly noSplit: ReadonlySet<string>;
  /** Estimates by size when no file has a history (as the file order did). */
  readonly sizeOf?: SizeOf | undefined;
}

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
  return items.sort((a, b) => b.estimateMs - a.estimateMs || (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) || (a.unit?.index ?? 0) - (b.unit?.index ?? 0));
}

/** Where the unit loader is, beside this module (dist/ as .js, src/ as .ts under tsx). */
function unitModule(): string {
  const self = new URL(import.meta.url);
  return new URL(`../mocha/unit${path.extname(self.pathname)}`, self).href;
}

/**
 * Writes one spec file per unit into `dir` and returns what mocha is given for each item (the real path for a whole
 * file, the unit's file for a unit, both relative to the test cwd), with the item each argument stands for.
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
          `import { loadUnit } from ${JSON.stringify(unitModule())};\nawait loadUnit(import.meta.url, ${JSON.stringify(spec)});\n`,
      );
      arg = path.relative(testCwd, unitFile).replaceAll('\\', '/');
    }
    args.push(arg);
    itemOf.set(arg, item);
  });
  return { args, itemOf };
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
