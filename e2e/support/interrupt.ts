// One interrupted run: start uber, send a signal at a chosen moment, then check exit 130, no process, no temp dir, no lease.
import { rmSync } from 'node:fs';
import path from 'node:path';
import type { ChaosProject } from './project.js';
import { killTagged, waitForNoTagged } from './procs.js';
import { startUber } from './uber.js';

export interface Interrupted {
  readonly signal: NodeJS.Signals;
  readonly afterMs: number;
  /** uber had already exited when the signal was due (the moment fell after the run). */
  readonly finishedFirst: boolean;
  readonly code: number | null;
  readonly leftProcesses: string[];
  readonly leftTemp: string[];
  readonly leftLeases: string[];
  readonly stderr: string;
  /** Fixture deploys started before uber exited. */
  readonly deploysStarted: number;
}

/** The last line of a finished run: deploy's health line, or uber test's tally. */
const DONE = /profiles healthy; state:|unhealthy profiles|^uber: \d+ tests? in /m;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Runs `uber args` in the project and signals it `afterMs` after its first output; waits up to `settleMs` for its processes to go. */
export async function interruptRun(p: ChaosProject, args: readonly string[], signal: NodeJS.Signals, afterMs: number, settleMs = 6000): Promise<Interrupted> {
  rmSync(path.join(p.dir, '.uber', 'state.json'), { force: true });
  const before = p.journal().filter((l) => l.event === 'start').length;
  const run = startUber(args, { cwd: p.dir, env: p.env, timeoutMs: 180_000 });
  let exited = false;
  void run.done.then(() => (exited = true));
  // the moment counts from uber's first output (progress, or mocha's): before it, node is still loading modules (no handler yet)
  for (const until = Date.now() + 90_000; !exited && run.stderr() === '' && run.stdout() === '' && Date.now() < until; ) await sleep(20);
  await sleep(afterMs);
  // a moment after the run's last line (summary printed, state written) is after the run: node may already be
  // tearing down, where a signal takes its default action; what matters happened and was recorded
  const seenDone = exited || DONE.test(run.stderr());
  if (!exited) process.kill(run.pid, signal);
  const res = await run.done;
  // uber may have printed its last line before the signal while this process had not read it yet: its own notice of
  // the signal then comes after that line, and the run had finished what it was doing
  const notice = res.stderr.search(/^uber: SIG[A-Z]+ received/m);
  const finishedFirst = seenDone || (notice >= 0 && DONE.test(res.stderr.slice(0, notice)));
  const left = await waitForNoTagged(p.tag, settleMs);
  killTagged(p.tag);
  return {
    signal,
    afterMs,
    finishedFirst,
    code: res.code,
    leftProcesses: left.map((f) => `${f.pid} ${f.cmd}`),
    leftTemp: p.tempLeft(),
    leftLeases: p.leases(),
    stderr: res.stderr,
    deploysStarted: p.journal().filter((l) => l.event === 'start').length - before,
  };
}
