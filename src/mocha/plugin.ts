// uber's mocha root-hook plugin (`--require uber/mocha`): each test (or file) leases one profile for itself.
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { traceRole } from './trace-start.js';
import type Mocha from 'mocha';
import path from 'node:path';
import type { HeldLease, LeaseSource } from '../lease/lease.js';
import { mark } from '../testrun/trace.js';
import { enterLease } from './env.js';
import { recordLoadError, recordRunner, teeOutput } from './records.js';
import { settingsFromEnv, specKey, type PluginSettings } from './settings.js';
import { slot } from './slot.js';
import { pruneToUnit, unitOf } from './unit.js';
import { batchOf, hideBatchRoot, loadingInto } from './batch.js';

const requireCjs = createRequire(import.meta.url);
// mocha's CommonJS entry, the module mocha's worker already runs on: `import 'mocha'` (an ES module re-exporting it)
// would make node parse mocha's sources for their export names first, about 0.1 s of CPU in every worker
const MochaClass = requireCjs('mocha/lib/mocha.cjs') as typeof Mocha;
const settings = settingsFromEnv(process.env);
let pool: Promise<LeaseSource> | undefined;
let leaving: (() => void) | undefined;

/**
 * The lease modules (proper-lockfile, graceful-fs) load only where tests run: mocha's main process loads this plugin
 * too, for its hooks object alone. A worker starts loading them at once, while mocha loads the first spec file.
 */
async function openPool(s: PluginSettings): Promise<LeaseSource> {
  const [{ LeasePool }, { LeaseStore }, { LeaseEndedError }] = await Promise.all([import('../lease/pool.js'), import('../lease/store.js'), import('../lease/lease.js')]);
  const onLost = (lease: HeldLease): void => {
    if (slot().lease !== lease) return;
    // fail the running test through mocha's uncaught-error path: it cannot go on with someone else's account
    setImmediate(() => {
      throw lease.compromised ?? new LeaseEndedError('lease lost');
    });
  };
  if (s.shared) return (await import('../pool/worker.js')).workerPool(s, s.shared, onLost);
  return new LeasePool(new LeaseStore({ dir: s.leaseDir, staleMs: s.staleMs, run: s.runId, onCompromised: onLost }), s.pool);
}

function leasePool(s: PluginSettings): Promise<LeaseSource> {
  pool ??= openPool(s);
  return pool;
}

/** Leases a profile without mocha's hook timeout ticking (the wait has its own --lease-timeout). */
async function lease(ctx: Mocha.Context, s: PluginSettings, meta: { file: string | null; test: string | null }): Promise<HeldLease> {
  const before = ctx.timeout();
  const t0 = Date.now();
  ctx.timeout(0);
  try {
    return await (await leasePool(s)).acquire(meta, { timeoutMs: s.timeoutMs });
  } finally {
    // mocha also fails a hook whose total duration exceeds its timeout: give back the time spent waiting
    ctx.timeout(before > 0 ? before + (Date.now() - t0) : 0);
  }
}

function hold(l: HeldLease): void {
  mark(traceRole, 'lease acquired');
  slot().lease = l;
  leaving = enterLease(process.env, l.profile, l.leaseId);
}

async function drop(): Promise<void> {
  const l = slot().lease;
  slot().lease = undefined;
  leaving?.();
  leaving = undefined;
  // the lease ends here; the lock-file pool keeps its lock briefly for this worker's next test while nobody waits,
  // a shared pool releases it (LeaseSource.park)
  if (l && pool) await (await pool).park(l);
  else await l?.release();
}

if (settings && traceRole === 'worker') void leasePool(settings).catch(() => undefined); // a failure shows at the first lease
/** The file a worker is running, and its runner (a worker runs one file at a time, each with its own Runner). */
let running: { file: string | undefined; runner: Mocha.Runner } | undefined;
if (settings?.runDir) {
  const s = { ...settings, runDir: settings.runDir };
  // a crashed file's report quotes the last output of the process that ran it: a parallel worker's from its start;
  // mocha's main process runs files only serially (--jobs 1), and its output counts from its first spec file on
  let teeing = false;
  const tee = (): void => {
    if (!teeing) teeOutput(s.runDir);
    teeing = true;
  };
  if (traceRole === 'worker') tee();
  // every file in a parallel worker gets its own Runner: record it from its first event to its last (mocha's main
  // process runs a ParallelBufferedRunner, whose own run() records nothing)
  const proto = MochaClass.Runner.prototype;
  const run = Reflect.get(proto, 'run') as (...args: unknown[]) => Mocha.Runner;
  Reflect.set(proto, 'run', function patchedRun(this: Mocha.Runner, fn?: (failures: number) => void, opts?: { files?: string[] }) {
    mark(traceRole, 'file run begins');
    this.once('end', () => mark(traceRole, 'file run ended'));
    const files = opts?.files ?? [];
    const file = files[0];
    running = { file: file === undefined ? undefined : path.resolve(file), runner: this };
    // a batch of small files (src/mocha/batch.ts): records per real file, and one that failed to load is noted here
    const batch = batchOf(running.file);
    if (batch) {
      for (const { file: f, error } of batch.loadErrors) recordLoadError(s.runDir, specKey(f, s.testCwd), error);
      hideBatchRoot(this);
    }
    recordRunner(this, batch ? batch.files : files, s, () => slot().lease, batch !== undefined);
    return Reflect.apply(run, this, [fn, opts]);
  });
  // a spec that throws while loading never gets a Runner: say so, so uber reports "failed to load", not a crash
  // (workers load with loadFilesAsync; mocha's --jobs 1 runs serially and loads with loadFiles)
  const mproto = MochaClass.prototype as unknown as { loadFilesAsync: (...a: unknown[]) => Promise<void>; loadFiles: (...a: unknown[]) => void };
  const noteLoadError = (files: readonly string[], e: unknown): void => recordLoadError(s.runDir, specKey(failedFile(files, e), s.testCwd), e);
  const loadAsync = mproto.loadFilesAsync;
  mproto.loadFilesAsync = async function patchedLoadAsync(this: { files: string[]; suite: Mocha.Suite }, ...args: unknown[]): Promise<void> {
    tee();
    loadingInto(this.suite); // where a batch's files go
    try {
      await Reflect.apply(loadAsync, this, args);
    } catch (e) {
      noteLoadError(this.files, e);
      throw e;
    }
  };
  const loadSync = mproto.loadFiles;
  mproto.loadFiles = function patchedLoad(this: { files: string[] }, ...args: unknown[]): void {
    tee();
    try {
      Reflect.apply(loadSync, this, args);
    } catch (e) {
      noteLoadError(this.files, e);
      throw e;
    }
  };
}

/** In a unit of a split file: only the unit's share of the tests stays (src/mocha/unit.ts). */
function keepUnitShare(root: Mocha.Suite): void {
  const unit = unitOf(running?.file);
  if (!unit || !running?.file) return;
  const runner = running.runner as unknown as { _grep?: RegExp; _invert?: boolean };
  const grep = runner._grep;
  const matches = (t: Mocha.Test): boolean => (grep ? grep.test(t.fullTitle()) !== Boolean(runner._invert) : true);
  pruneToUnit(root, running.file, unit, matches);
}
mark(traceRole, 'plugin loaded');

function afterEachTest(this: Mocha.Context): Promise<void> {
  return drop();
}

export const mochaHooks: Mocha.RootHookObject = {
  async beforeAll(this: Mocha.Context) {
    if (!settings) return;
    const root = this.test?.parent;
    if (root) keepUnitShare(root);
    // our "after" hooks run last, after the file's own root-level hooks, so those still see the lease
    if (root && settings.scope === 'test') root.afterEach('uber: release the lease', afterEachTest);
    if (root && settings.scope === 'file') root.afterAll('uber: release the lease', afterEachTest);
    if (settings.scope !== 'file') return;
    const file = specKey(firstFile(root), settings.testCwd);
    hold(await lease(this, settings, { file, test: null }));
  },
  async beforeEach(this: Mocha.Context) {
    if (!settings || settings.scope !== 'test') return;
    const test = this.currentTest;
    try {
      hold(await lease(this, settings, { file: specKey(test?.file, settings.testCwd), test: test?.fullTitle() ?? null }));
    } catch (e) {
      // fail this test only (a failing root hook would skip the rest of the file)
      if (!test) throw e;
      test.fn = function leaseFailed(done?: (err: unknown) => void) {
        if (typeof done === 'function') done(e);
        else throw e;
      } as Mocha.Func;
    }
  },
};

/**
 * In a parallel worker, mocha buffers every event of a file's run, serializes it and sends it to its main process,
 * which replays it to the reporter. uber's own hooks (two or three per test) would double a small test's events, and
 * a hook's event is the heaviest to serialize (it carries its test and suites): no reporter shows a passing hook, so
 * theirs stay in the worker. A failing hook of uber's still reaches the reporter, as a test failure does.
 */
function keepOwnHooksInWorker(hooks: ReadonlySet<unknown>): void {
  type Listener = (runnable: { fn?: unknown }, err?: unknown) => void;
  interface Buffered {
    listeners: Map<string, Listener>;
    createListener: (this: Buffered, eventName: string) => Listener;
  }
  let proto: Buffered;
  try {
    proto = (requireCjs('mocha/lib/nodejs/reporters/parallel-buffered.cjs') as { prototype: Buffered }).prototype;
  } catch {
    return; // another mocha layout: its events go as they are
  }
  const { EVENT_HOOK_BEGIN, EVENT_HOOK_END } = MochaClass.Runner.constants;
  const create = proto.createListener;
  proto.createListener = function ownHooksStay(this: Buffered, eventName: string): Listener {
    const listener = create.call(this, eventName);
    if (eventName !== EVENT_HOOK_BEGIN && eventName !== EVENT_HOOK_END) return listener;
    const filtered: Listener = (runnable, err) => {
      if (!hooks.has(runnable?.fn)) listener(runnable, err);
    };
    this.listeners.set(eventName, filtered); // the reporter removes its listeners through this map
    return filtered;
  };
}
if (settings && traceRole === 'worker') keepOwnHooksInWorker(new Set<unknown>([mochaHooks.beforeAll, mochaHooks.beforeEach, afterEachTest]));

/** The file a load error came from: the only one loaded (a parallel worker), else the first named in its stack (serial mode). */
function failedFile(files: readonly string[], err: unknown): string | undefined {
  if (files.length === 1) return files[0];
  const raw = (err as { stack?: unknown } | null)?.stack;
  const stack = typeof raw === 'string' ? raw : '';
  return files.find((f) => stack.includes(pathToFileURL(f).href) || stack.includes(`(${f}:`) || stack.includes(` ${f}:`));
}

function firstFile(suite: Mocha.Suite | undefined): string | undefined {
  if (!suite) return undefined;
  if (suite.file) return suite.file;
  for (const t of suite.tests) if (t.file) return t.file;
  for (const c of suite.suites) {
    const f = firstFile(c);
    if (f) return f;
  }
  return undefined;
}
