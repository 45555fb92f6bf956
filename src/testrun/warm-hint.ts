// How many mocha workers `uber test` starts before it has planned (src/mocha/warm.ts): --jobs when given, else as
// many as the last run in this project used, else 2 (the fewest uber starts in mocha's parallel mode).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { nearestConfig } from '../config/find.js';
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

/** Workers worth starting now for `uber test <args>` run in cwd; 0 when the run will be serial or cannot start. */
export function warmWorkerCount(args: readonly string[], cwd: string): number {
  const jobs = optionValue(args, '--jobs');
  const parallel = (n: number): number => (Number.isInteger(n) && n >= 2 ? n : 0);
  if (jobs !== undefined) return parallel(Number(jobs));
  const explicit = optionValue(args, '--config');
  const config = explicit ? path.resolve(cwd, explicit) : nearestConfig(cwd);
  if (!config) return 0; // uber will refuse to run
  try {
    const { workers } = JSON.parse(readFileSync(uberPaths(path.dirname(config)).workerHint, 'utf8')) as { workers?: unknown };
    if (typeof workers === 'number') return parallel(workers);
  } catch {
    // no run here yet, or a damaged hint: the default
  }
  return 2;
}

/** Remembers this run's worker count for the next run's start (1 for a serial run: none started early). */
export function writeWorkerHint(paths: Pick<UberPaths, 'workerHint'>, jobs: number): void {
  try {
    writeFileAtomic(paths.workerHint, `${JSON.stringify({ workers: jobs })}\n`);
  } catch {
    // a hint only: the next run starts its default
  }
}
