// Mocha's workers, started by the waiting mocha (src/mocha/launch.ts) before uber has planned: their start-up (node,
// mocha's worker, ~0.3 s of CPU each) overlaps uber's own instead of following it. Mocha's parallel runner is handed
// this pool when it asks for one; the workers take uber's environment and folder from the plan (src/mocha/adopt.ts).
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { PLAN_FILE_ENV, type WarmPlan } from './adopt.js';

/** mocha's wrapper of workerpool (lib/nodejs/buffered-worker-pool.cjs), as far as uber uses it. */
interface MochaPool {
  terminate(force?: boolean): Promise<void>;
  options: { maxWorkers: number };
  _pool?: WorkerPool;
}
/** workerpool's Pool inside it; each of its workers (a WorkerHandler) holds its child process as `worker`. */
interface WorkerPool {
  maxWorkers?: number;
  minWorkers?: number;
  workers?: { worker?: Refable & { channel?: Refable | null } }[];
  _removeWorker?: (worker: unknown) => Promise<unknown>;
}
interface Refable {
  ref?(): void;
  unref?(): void;
}

/**
 * Whether the early workers' processes and IPC channels keep this process alive. Until mocha takes the pool they
 * must not: a mocha that runs serially, or starts another node for node's flags, never asks for it, and this process
 * then ends as mocha's does (the idle workers exit with it, as workerpool's do when their parent goes).
 */
function keepAlive(inner: WorkerPool, alive: boolean): void {
  for (const handler of Array.isArray(inner.workers) ? inner.workers : []) {
    for (const h of [handler.worker, handler.worker?.channel]) {
      if (alive) h?.ref?.();
      else h?.unref?.();
    }
  }
}
interface MochaPoolClass {
  new (opts: { maxWorkers: number; minWorkers?: number }): MochaPool;
  create(opts: { maxWorkers: number }): MochaPool;
}

export interface WarmWorkers {
  /** Writes what the workers adopt; mocha's runner gets the pool if it asks for at least as many workers. */
  plan(plan: WarmPlan): void;
  /** Stops the workers (the run needs none of them: serial mocha, node flags, nothing to run). */
  drop(): Promise<void>;
}

/**
 * Starts `count` workers of the mocha in lib/, which will read the plan from `file` (in a folder uber owns and
 * removes: src/testrun/early.ts). Undefined when that mocha's layout is not the one uber knows.
 */
export function startWarmWorkers(lib: string, count: number, file: string): WarmWorkers | undefined {
  let Pool: MochaPoolClass | undefined;
  try {
    Pool = (createRequire(import.meta.url)(path.join(lib, 'nodejs', 'buffered-worker-pool.cjs')) as { BufferedWorkerPool?: MochaPoolClass }).BufferedWorkerPool;
  } catch {
    return undefined;
  }
  if (typeof Pool?.create !== 'function') return undefined;
  const PoolClass = Pool;
  // only the workers started now get the variable: mocha copies process.env as it forks each one
  process.env[PLAN_FILE_ENV] = file;
  let pool: MochaPool | undefined;
  try {
    pool = new PoolClass({ maxWorkers: count, minWorkers: count });
  } catch {
    return undefined; // a workerpool that takes other options: mocha starts its workers itself
  } finally {
    delete process.env[PLAN_FILE_ENV];
  }
  const early = pool._pool;
  if (!early || typeof early.maxWorkers !== 'number') {
    void pool.terminate(true); // a layout uber does not know: mocha starts its workers itself
    return undefined;
  }
  keepAlive(early, false);
  const create = PoolClass.create.bind(PoolClass);
  PoolClass.create = (opts) => {
    PoolClass.create = create;
    const warm = pool;
    pool = undefined;
    if (!warm) return create(opts);
    if (typeof opts.maxWorkers !== 'number') {
      void warm.terminate(true); // mocha's own default worker count: its own pool
      return create(opts);
    }
    // from here on the pool is the one mocha would have made: at most maxWorkers, none kept alive for their own sake
    const inner = early;
    inner.minWorkers = 0;
    keepAlive(inner, true);
    if (opts.maxWorkers < count) {
      // fewer than started (the history now says fewer pay): the others stop, so --jobs stays exact
      const { workers, _removeWorker: remove } = inner;
      if (!Array.isArray(workers) || typeof remove !== 'function') {
        void warm.terminate(true);
        return create(opts);
      }
      for (const w of workers.slice(opts.maxWorkers)) void remove.call(inner, w).catch(() => undefined);
    }
    inner.maxWorkers = opts.maxWorkers;
    warm.options.maxWorkers = opts.maxWorkers;
    return warm;
  };
  return {
    plan(plan) {
      writeFileSync(file, JSON.stringify(plan));
    },
    async drop() {
      PoolClass.create = create;
      const warm = pool;
      pool = undefined;
      await warm?.terminate(true);
    },
  };
}
