// Starts mocha's process as `uber test` begins, so its start-up overlaps uber's own (src/mocha/launch.ts); the
// runner hands it the command line when the plan is ready, or lets it go when there is nothing to run.
import { rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { nodeScript } from '../exec/node-script.js';
import { ownedTempDir } from '../isolation/temp.js';
import { run, type RunResult } from '../exec/run.js';
import type { LaunchPlan } from '../mocha/launch.js';
import type { RunOptions } from '../exec/run.js';
import { mochaBin, mochaModule } from './argv.js';

/** SIGTERM → SIGKILL grace for mocha's process group. */
export const MOCHA_GRACE_MS = 3000;

export interface EarlyMocha {
  /**
   * Runs mocha with `argv` in `cwd` under `env` (the whole environment, as run() would get it); `warm`: mocha's
   * parallel runner may take the workers started with it (false for a serial run, or node flags that make mocha's
   * bin start another node).
   */
  start(argv: readonly string[], opts: Pick<RunOptions, 'cwd' | 'env' | 'stdout' | 'stderr'> & { warm: boolean }): Promise<RunResult>;
  /** Lets the waiting process exit unused (a no-op after start). */
  cancel(): Promise<void>;
}

/** A folder for the early workers' plan; none when TMPDIR cannot take one (the workers then start when mocha asks). */
function planFolder(): string | undefined {
  try {
    return ownedTempDir(os.tmpdir(), 'uber-run-');
  } catch {
    return undefined;
  }
}

/** Spawns the waiting mocha (and `workers` of its workers); its output goes where start() says, its end comes back from start(). */
function startEarlyMocha(o: { cwd: string; env: NodeJS.ProcessEnv; signal: AbortSignal; graceMs: number; color: boolean; workers: number }): EarlyMocha {
  const spawnEnv = { ...o.env }; // as the process got it: start() sends what changed since
  let give!: (text: string | undefined) => void;
  const input = new Promise<string | undefined>((resolve) => (give = resolve));
  const sinks: { stdout?: Writable | undefined; stderr?: Writable | undefined } = {};
  // mocha prints nothing before it has its command line; after, its output goes where start() was told
  const relay = (pick: 'stdout' | 'stderr'): Writable =>
    new Writable({
      write(chunk: Buffer, _enc, cb) {
        const to = sinks[pick];
        if (to) to.write(chunk, cb);
        else cb();
      },
    });
  // the early workers read the plan from a file in a folder of uber's, gone when mocha is (a killed uber's: swept)
  const planDir = o.workers > 0 ? planFolder() : undefined;
  const warm = planDir ? [String(o.workers), path.join(planDir, 'plan.json')] : [];
  const ended = run([...nodeScript(mochaModule('launch')), mochaBin(), o.color ? '--color' : '--no-color', ...warm], { cwd: o.cwd, env: spawnEnv, signal: o.signal, graceMs: o.graceMs, input, stdout: relay('stdout'), stderr: relay('stderr') }).finally(() => {
    if (planDir) rmSync(planDir, { recursive: true, force: true });
  });
  let used = false;
  return {
    start(argv, opts) {
      used = true;
      sinks.stdout = opts.stdout;
      sinks.stderr = opts.stderr;
      const set: Record<string, string> = {};
      for (const [k, v] of Object.entries(opts.env)) if (v !== undefined && spawnEnv[k] !== v) set[k] = v;
      const unset = Object.keys(spawnEnv).filter((k) => opts.env[k] === undefined);
      give(JSON.stringify({ argv: [...argv], cwd: opts.cwd, set, unset, warm: opts.warm } satisfies LaunchPlan));
      return ended;
    },
    async cancel() {
      if (used) return;
      give(undefined);
      await ended;
    },
  };
}

let pending: EarlyMocha | undefined;

/**
 * For `uber test`: starts the early mocha before the command's own modules load (src/cli/main.ts), so mocha's
 * start overlaps all of uber's; the command runs it (earlyMocha), and main lets it go if it was never started.
 */
export function startEarlyMochaFor(o: Parameters<typeof startEarlyMocha>[0]): void {
  pending ??= startEarlyMocha(o);
}

/** The early mocha started for this command, if any. */
export function earlyMocha(): EarlyMocha | undefined {
  return pending;
}

/** Lets the early mocha exit if nothing started it (a usage error, nothing to run, a run that failed first). */
export async function dropEarlyMocha(): Promise<void> {
  const e = pending;
  pending = undefined;
  await e?.cancel();
}
