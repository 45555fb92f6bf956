// Finds processes a run left behind: every process whose environment carries the run's tag (zombies count as dead).
import { readdirSync, readFileSync } from 'node:fs';
import { isAlive } from '../../src/exec/alive.js';

/** The env var that marks every process of one chaos run; uber passes SLS_FIXTURE_* to deploys (UBER_PASS_ENV). */
export const TAG_VAR = 'SLS_FIXTURE_CHAOS_TAG';

export interface Found {
  readonly pid: number;
  readonly cmd: string;
}

/** Live processes (not zombies) whose environment has TAG_VAR=tag, excluding this process. */
export function taggedProcesses(tag: string): Found[] {
  const needle = `${TAG_VAR}=${tag}\0`;
  const found: Found[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    if (pid === process.pid) continue;
    let environ: string;
    try {
      environ = readFileSync(`/proc/${pid}/environ`, 'latin1');
    } catch {
      continue; // gone, or a kernel thread
    }
    if (!`${environ}\0`.includes(needle) || !isAlive(pid)) continue;
    let cmd = '';
    try {
      cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').slice(0, 160);
    } catch {
      // gone meanwhile
    }
    found.push({ pid, cmd });
  }
  return found;
}

/** Waits until no tagged process is alive or the time is up; returns what is still alive. */
export async function waitForNoTagged(tag: string, withinMs: number): Promise<Found[]> {
  const until = Date.now() + withinMs;
  for (;;) {
    const left = taggedProcesses(tag);
    if (left.length === 0 || Date.now() >= until) return left;
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Kills what a failed check left behind, so one failure does not spill into the next test. */
export function killTagged(tag: string): void {
  for (const p of taggedProcesses(tag)) {
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}
