// A unit in a mocha worker: load the real spec file under a URL of its own, then keep only the unit's share of tests.
//
// A unit's generated spec file calls loadUnit(); mocha registers the real file's suites under the unit's path. Before
// the file's tests run (uber's root beforeAll, the first root hook; mocha copies a suite's tests after its beforeAll
// hooks, and skips a suite left without tests, hooks included), pruneToUnit() puts the real path back on every suite
// and test and removes the tests of the other units. The partition is by the tests' order in the file, so every unit
// computes the same one: disjoint, and together every test, each exactly once.
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type Mocha from 'mocha';
import { median } from '../util/median.js';

/** What a unit's generated file passes to loadUnit. */
export interface UnitSpec {
  /** Absolute path of the real spec file. */
  readonly file: string;
  /** 0-based. */
  readonly index: number;
  readonly count: number;
  /** Last run's time per test full title (ms), to balance the units; unknown tests weigh the median. */
  readonly weights: Readonly<Record<string, number>>;
}

const KEY = Symbol.for('uber.mocha.units');

/** Unit file path → its spec, for every unit this worker loaded. */
function registry(): Map<string, UnitSpec> {
  const g = globalThis as Record<symbol, Map<string, UnitSpec> | undefined>;
  g[KEY] ??= new Map();
  return g[KEY];
}

export function unitOf(file: string | undefined): UnitSpec | undefined {
  return file === undefined ? undefined : registry().get(file);
}

const RETRY_WITH_REQUIRE = new Set(['ERR_UNKNOWN_FILE_EXTENSION', 'ERR_MODULE_NOT_FOUND', 'ERR_UNSUPPORTED_DIR_IMPORT']);

/**
 * Loads a spec file afresh, as mocha would: import (under `query`, so an ES module already loaded runs again), else
 * require for CJS-only loaders (out of require's cache first, so a CommonJS file runs again too).
 */
export async function loadSpecFile(file: string, query = ''): Promise<void> {
  const require = createRequire(file);
  delete require.cache[file];
  try {
    await import(`${pathToFileURL(file).href}${query}`);
  } catch (e) {
    if (!RETRY_WITH_REQUIRE.has((e as NodeJS.ErrnoException).code ?? '')) throw e;
    try {
      require(file);
    } catch {
      throw e;
    }
  }
}

/** Loads `spec.file` afresh for the unit at `unitUrl`, under a URL of its own. */
export async function loadUnit(unitUrl: string, spec: UnitSpec): Promise<void> {
  registry().set(fileURLToPath(unitUrl), spec);
  await loadSpecFile(spec.file, `?uber-unit=${spec.index + 1}of${spec.count}`);
}

function testsInOrder(suite: Mocha.Suite, out: Mocha.Test[] = []): Mocha.Test[] {
  out.push(...suite.tests);
  for (const child of suite.suites) testsInOrder(child, out);
  return out;
}

/** Puts `to` on every suite, test and hook under `suite` that mocha labelled `from` (the generated file's path). */
export function relabel(suite: Mocha.Suite, from: string, to: string): void {
  if (suite.file === from) suite.file = to;
  for (const t of suite.tests) if (t.file === from) t.file = to;
  for (const h of [...hooksOf(suite)]) if (h.file === from) h.file = to;
  for (const child of suite.suites) relabel(child, from, to);
}

/** A suite's four hook lists, by mocha's own (private) names. */
export const HOOK_LISTS = ['_beforeAll', '_beforeEach', '_afterEach', '_afterAll'] as const;

/** One of a suite's hook lists, the array mocha runs (so changes to it change the run). */
export function hookList(suite: Mocha.Suite, which: (typeof HOOK_LISTS)[number]): Mocha.Hook[] {
  return (suite as unknown as Record<string, Mocha.Hook[]>)[which]!;
}

function hooksOf(suite: Mocha.Suite): Mocha.Hook[] {
  return HOOK_LISTS.flatMap((h) => hookList(suite, h));
}

/**
 * Which unit each test belongs to: contiguous runs in file order, cut where the running weight crosses each unit's
 * equal share (so a describe's tests, and its before/after hooks, mostly stay in one unit).
 */
export function partition(titles: readonly string[], count: number, weights: Readonly<Record<string, number>>): number[] {
  const fallback = median(titles.flatMap((t) => (weights[t] !== undefined ? [Math.max(0, weights[t])] : []))) ?? 1;
  const w = titles.map((t) => Math.max(0.001, weights[t] ?? fallback));
  const total = w.reduce((a, b) => a + b, 0);
  let before = 0;
  return w.map((x) => {
    const unit = Math.min(count - 1, Math.floor((count * (before + x / 2)) / total));
    before += x;
    return unit;
  });
}

/**
 * Keeps only the unit's tests under `root`, and puts the real path on every suite, test and hook. `matches` is the
 * user's --grep/--fgrep: tests it excludes do not run anyway, so only the matching ones are shared out.
 */
export function pruneToUnit(root: Mocha.Suite, unitFile: string, spec: UnitSpec, matches: (t: Mocha.Test) => boolean): void {
  relabel(root, unitFile, spec.file);
  const all = testsInOrder(root);
  const shared = all.filter(matches);
  const owner = partition(
    shared.map((t) => t.fullTitle()),
    spec.count,
    spec.weights,
  );
  const keep = new Set(shared.filter((_, i) => owner[i] === spec.index));
  const prune = (suite: Mocha.Suite): void => {
    suite.tests = suite.tests.filter((t) => keep.has(t));
    for (const child of suite.suites) prune(child);
  };
  prune(root);
}
