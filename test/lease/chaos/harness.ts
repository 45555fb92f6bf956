// Chaos harness: N contender processes fight over a few profiles while some holders are SIGKILLed or SIGSTOPped.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { findOverlaps, readAudit, type Overlap } from '../../../src/lease/audit.js';
import { now } from '../../../src/lease/clock.js';
import { tmp } from '../../support/tmp.js';

export interface ChaosOptions {
  leases: number;
  contenders: number;
  profiles: string[];
  /** Share of holders killed with SIGKILL while holding. */
  killRatio: number;
  /** Holders stopped with SIGSTOP for longer than the stale window, then resumed. */
  stops: number;
  staleMs: number;
  mode: 'uber' | 'naive';
  log?: (line: string) => void;
}

export interface ChaosResult {
  leases: number;
  kills: number;
  stops: number;
  overlaps: Overlap[];
  /** Per kill: ms from the SIGKILL until the next lease of that profile started. */
  recoveryMs: number[];
  /** Per hand-off: ms from a holder's release to the next lease of that profile (a waiter taking it over). */
  handoffMs: number[];
  durationMs: number;
}

let bundled: Promise<string> | undefined;

/** The contender as one CommonJS file (esbuild), so a replacement starts in milliseconds rather than seconds. */
function bundle(): Promise<string> {
  bundled ??= (async () => {
    const esbuild = await import('esbuild');
    const out = path.join(tmp('uber-chaos-bin-'), 'contender.cjs');
    await esbuild.build({
      entryPoints: [fileURLToPath(new URL('./contender.ts', import.meta.url))],
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      outfile: out,
      logLevel: 'silent',
    });
    return out;
  })();
  return bundled;
}

export async function runChaos(o: ChaosOptions): Promise<ChaosResult> {
  const bin = await bundle();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'uber-chaos-'));
  const t0 = now();
  const kills: { t: number; profile: string }[] = [];
  let granted = 0;
  let stopsDone = 0;
  let stopped = 0; // holders stopped right now: the run goes on until each is resumed and its lock was fought over
  // profiles whose holder was killed and nobody has leased since, with the kill's time: the run goes on until each is taken over,
  // or gives up on one after four stale windows (its recovery then stays Infinity, which the tests assert against)
  const orphaned = new Map<string, number>();
  const waitingForTakeover = (): boolean => [...orphaned.values()].some((t) => now() - t < 4 * o.staleMs);
  let finished = false;
  const live = new Set<ChildProcess>();
  let allGone: (() => void) | undefined;

  const start = (): void => {
    const child = spawn(process.execPath, [bin, dir, JSON.stringify(o.profiles), String(o.staleMs), o.mode], { stdio: ['pipe', 'pipe', 'inherit'], detached: true }); // own group: a SIGSTOP never looks like a stopped job to the shell
    live.add(child);
    child.on('exit', () => {
      live.delete(child);
      if (!finished) start();
      else if (live.size === 0) allGone?.();
    });
    createInterface({ input: child.stdout }).on('line', (line) => {
      const [kind, , profile = ''] = line.split(' ');
      if (kind !== 'H') return;
      granted += 1;
      orphaned.delete(profile);
      if (granted >= o.leases && stopped === 0 && stopsDone >= o.stops && !waitingForTakeover()) finished = true;
      if (finished) return void child.stdin.write('x 0\n');
      if (stopsDone < o.stops && granted % Math.floor(o.leases / (o.stops + 1)) === 0) {
        stopsDone += 1;
        stopped += 1;
        child.kill('SIGSTOP');
        o.log?.(`stopped pid ${child.pid} holding ${profile}`);
        setTimeout(() => {
          child.kill('SIGCONT');
          child.stdin.write('r 0\n');
          stopped -= 1;
        }, o.staleMs + 800);
        return;
      }
      if (kills.length < o.killRatio * o.leases && Math.random() < o.killRatio * 1.5) {
        kills.push({ t: now(), profile });
        orphaned.set(profile, now());
        child.kill('SIGKILL');
        return;
      }
      child.stdin.write(`r ${1 + Math.floor(Math.random() * 6)}\n`);
    });
  };
  for (let i = 0; i < o.contenders; i += 1) start();
  await new Promise<void>((resolve) => (allGone = resolve));

  const audit = readAudit(path.join(dir, 'audit.jsonl'));
  const recoveryMs = kills.map((k) => {
    const next = audit.filter((r) => r.profile === k.profile && r.start > k.t).reduce((m, r) => Math.min(m, r.start), Infinity);
    return next - k.t;
  });
  const handoffMs: number[] = [];
  for (const p of o.profiles) {
    const list = audit.filter((r) => r.profile === p).sort((x, y) => x.start - y.start);
    for (let i = 1; i < list.length; i += 1) if (list[i - 1]!.ended === 'released' && list[i]!.pid !== list[i - 1]!.pid) handoffMs.push(list[i]!.start - list[i - 1]!.end);
  }
  if (process.env.CHAOS_DEBUG) {
    for (const k of kills) {
      const br = audit.filter((r) => r.profile === k.profile && r.ended === 'dead' && r.end > k.t).reduce((m, r) => Math.min(m, r.end), Infinity);
      o.log?.(`kill ${k.profile}: broken after ${(br - k.t).toFixed(0)} ms`);
    }
  }
  rmSync(dir, { recursive: true, force: true });
  return { leases: granted, kills: kills.length, stops: stopsDone, overlaps: findOverlaps(audit), recoveryMs, handoffMs, durationMs: now() - t0 };
}
