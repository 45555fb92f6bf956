// How many mocha workers `uber test` starts before it has planned (src/mocha/warm.ts): UBER_EARLY_WORKERS when set,
// else --jobs, else as many as the last run in this project used, else 2; from --jobs or the history, one per core at most.
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { nearestConfig } from '../config/find.js';
import { parseWhole } from '../options/whole.js';
import { uberPaths, type UberPaths } from '../state/paths.js';
import { writeFileAtomic } from '../util/atomic-write.js';

/** The value of `--name <v>` or `--name=<v>` on an uber command line (before `--`). */
function optionValue(args: readonly string[], name: string): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') break;
    if (a === name) return args[i + 1] ?? '';
    if (a.startsWith(`${name}=`)) return a.slice(name.length + 1);
  }
  return undefined;
}

/** Names the count to start early, whatever the cores and the last run (0: none); see README, "Workers start before uber has planned". */
export const EARLY_WORKERS_ENV = 'UBER_EARLY_WORKERS';

/**
 * EARLY_WORKERS_ENV as a count, undefined when unset or empty; anything but a whole number throws parseWhole's one
 * sentence (uber's plan calls this to refuse it before anything runs).
 */
export function namedEarlyWorkers(env: NodeJS.ProcessEnv): number | undefined {
  const v = env[EARLY_WORKERS_ENV];
  return v === undefined || v === '' ? undefined : parseWhole(EARLY_WORKERS_ENV, v, 0);
}

/** A preload in NODE_OPTIONS runs as a worker starts, before it can take the plan (its folder, uber's settings). */
const PRELOAD = /(^|\s)(-r|--require|--import|--loader|--experimental-loader)(\s|=|$)/;

/**
 * Workers worth starting now for `uber test <args>` run in cwd under env; 0 when the run will be serial, or when a
 * NODE_OPTIONS preload would run in them before the plan. Never more than one per core: mocha starts the rest as it hands
 * out files. Each worker's start takes ~0.3 s of CPU, and more at once than cores slow mocha's own start, which every
 * first test waits for (60 files on 4 profiles, 2 cores: 2.5% shorter runs with 2 started early than with 4).
 */
export function warmWorkerCount(args: readonly string[], cwd: string, env: NodeJS.ProcessEnv): number {
  if (PRELOAD.test(env.NODE_OPTIONS ?? '')) return 0;
  // a value uber's plan refuses (it throws here too) starts none: that run never runs
  let named: number | undefined;
  try {
    named = namedEarlyWorkers(env);
  } catch {
    return 0;
  }
  if (named !== undefined) return named;
  const most = os.availableParallelism();
  const parallel = (n: unknown): number => (typeof n === 'number' && Number.isInteger(n) && n >= 2 ? Math.min(n, most) : 0);
  const jobs = optionValue(args, '--jobs');
  if (jobs !== undefined) {
    try {
      return parallel(parseWhole('--jobs', jobs, 1));
    } catch {
      return 0;
    }
  }
  // no config: uber tests with its defaults, its data beside cwd (src/testrun/plan.ts)
  const explicit = optionValue(args, '--config');
  const config = explicit ? path.resolve(cwd, explicit) : nearestConfig(cwd);
  try {
    const { workers } = JSON.parse(readFileSync(uberPaths(config ? path.dirname(config) : cwd).workerHint, 'utf8')) as { workers?: unknown };
    if (workers !== undefined) return parallel(workers);
  } catch {
    // no run here yet, or a damaged hint: the default
  }
  return parallel(2);
}

/** Remembers this run's worker count for the next run's start (1 for a serial run: none started early). */
export function writeWorkerHint(paths: Pick<UberPaths, 'workerHint'>, jobs: number): void {
  try {
    writeFileAtomic(paths.workerHint, `${JSON.stringify({ workers: jobs })}\n`);
  } catch {
    // a hint only: the next run starts its default
  }
}
