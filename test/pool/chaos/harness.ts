// Shared-pool chaos: M machine processes (each its own project folder and audit) on one dynalite table, some SIGKILLed or SIGSTOPped.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { findOverlaps, readAudit, type AuditRecord, type Overlap } from '../../../src/lease/audit.js';
import { now } from '../../../src/lease/clock.js';
import { profileFiles, startDynalite, tmp } from '../../mocha/support.js';
import { startFaultyProxy, type FaultCounts, type Faults } from './faulty-proxy.js';

export interface PoolChaosOptions {
  /** Stop once this many leases were granted (across machines). */
  leases: number;
  machines: number;
  workers: number;
  profiles: string[];
  leaseMs: number;
  /** Machines SIGKILLed while holding (each restarted at once, in the same folder). */
  kills: number;
  /** Machines SIGSTOPped past the lease time, then resumed. */
  stops: number;
  mode: 'uber' | 'naive';
  faults?: Faults | undefined;
  log?: ((line: string) => void) | undefined;
}

export interface PoolChaosResult {
  leases: number;
  kills: number;
  stops: number;
  overlaps: Overlap[];
  records: AuditRecord[];
  /** Per profile held by a killed machine: ms from the SIGKILL to the next lease of it. */
  recoveryMs: number[];
  /** Per hand-off between machines: ms from a release to the next lease of that profile. */
  handoffMs: number[];
  reclaimed: number;
  faults: FaultCounts | undefined;
  /** Retries and re-reads the machines reported (those that finished). */
  retries: number;
  rereads: number;
  durationMs: number;
}

let bundled: Promise<string> | undefined;

/** The machine as one CommonJS file (esbuild), so a restarted one starts in milliseconds. */
export function machineBin(): Promise<string> {
  bundled ??= (async () => {
    const esbuild = await import('esbuild');
    const out = path.join(tmp('uber-pool-bin-'), 'machine.cjs');
    await esbuild.build({ entryPoints: [fileURLToPath(new URL('./machine.ts', import.meta.url))], bundle: true, platform: 'node', format: 'cjs', target: 'node20', outfile: out, logLevel: 'silent' });
    return out;
  })();
  return bundled;
}

/** Starts dynalite (behind the faulty proxy when faults are given) and writes the AWS files of profile "pool". */
export async function poolSandbox(root: string, faults?: Faults): Promise<{ env: NodeJS.ProcessEnv; server: Server; counts: FaultCounts | undefined; close(): void }> {
  const db = await startDynalite();
  const proxy = faults ? await startFaultyProxy(db.url, faults) : undefined;
  const env = { PATH: process.env.PATH, NODE_NO_WARNINGS: '1', ...profileFiles(root, { pool: proxy?.url ?? db.url }) };
  return { env, server: db.server, counts: proxy?.counts, close: () => (proxy?.close(), db.server.close()) };
}

export async function runPoolChaos(o: PoolChaosOptions): Promise<PoolChaosResult> {
  const bin = await machineBin();
  const root = mkdtempSync(path.join(os.tmpdir(), 'uber-pool-chaos-'));
  const sandbox = await poolSandbox(root, o.faults);
  const table = 'uber-pool';
  const t0 = now();
  let granted = 0;
  let stopsDone = 0;
  let stopped = 0;
  let finished = false;
  let retries = 0;
  let rereads = 0;
  const live = new Set<ChildProcess>();
  let allGone: (() => void) | undefined;
  const dirs = Array.from({ length: o.machines }, (_, i) => path.join(root, `machine-${i + 1}`));
  for (const d of dirs) mkdirSync(d, { recursive: true });
  const killEvery = o.kills > 0 ? Math.floor(o.leases / (o.kills + 1)) : Infinity;
  const stopEvery = o.stops > 0 ? Math.floor(o.leases / (o.stops + 1)) : Infinity;
  const kills: { t: number; profile: string }[] = [];
  let asked = 0;

  const start = (dir: string): void => {
    const child = spawn(process.execPath, [bin, dir, table, JSON.stringify(o.profiles), String(o.leaseMs), String(o.workers), o.mode], { cwd: dir, env: sandbox.env, stdio: ['pipe', 'pipe', 'inherit'], detached: true });
    live.add(child);
    child.on('exit', () => {
      live.delete(child);
      if (!finished) start(dir);
      else if (live.size === 0) allGone?.();
    });
    child.stdin.on('error', () => undefined);
    createInterface({ input: child.stdout }).on('line', (line) => {
      const [kind = '', profile = ''] = line.split(' ');
      if (kind === 'S') {
        retries += Number(/retries=(\d+)/.exec(line)?.[1] ?? 0);
        rereads += Number(/rereads=(\d+)/.exec(line)?.[1] ?? 0);
      }
      if (kind === 'K') {
        kills.push({ t: now(), profile });
        o.log?.(`SIGKILL ${path.basename(dir)} while holding ${profile}`);
      }
      if (kind === 'Z') {
        o.log?.(`SIGSTOP ${path.basename(dir)} while holding ${profile}`);
        setTimeout(() => {
          child.kill('SIGCONT');
          stopped -= 1;
        }, o.leaseMs * 1.5 + 1000);
      }
      if (kind !== 'H') return;
      granted += 1;
      if (!finished && granted >= o.leases && stopped === 0 && stopsDone >= o.stops && kills.length >= o.kills) {
        finished = true;
        for (const c of live) c.stdin?.write('x\n');
      }
      if (finished) return;
      if (asked < o.kills && granted % killEvery === 0) {
        asked += 1;
        child.stdin.write('k\n');
      } else if (stopsDone < o.stops && granted % stopEvery === 0) {
        stopsDone += 1;
        stopped += 1;
        child.stdin.write('s\n');
      }
    });
  };
  for (const d of dirs) start(d);
  await new Promise<void>((resolve) => (allGone = resolve));
  sandbox.close();

  const records = dirs.flatMap((d) => readAudit(path.join(d, 'audit.jsonl')));
  const recoveryMs = kills.map((k) => records.filter((r) => r.profile === k.profile && r.start > k.t).reduce((m, r) => Math.min(m, r.start), Infinity) - k.t);
  const handoffMs: number[] = [];
  for (const p of o.profiles) {
    const list = records.filter((r) => r.profile === p && r.ended !== 'reclaimed').sort((x, y) => x.start - y.start);
    for (let i = 1; i < list.length; i += 1) if (list[i - 1]!.ended === 'released' && list[i]!.host === list[i - 1]!.host && list[i]!.pid !== list[i - 1]!.pid) handoffMs.push(list[i]!.start - list[i - 1]!.end);
  }
  rmSync(root, { recursive: true, force: true });
  return {
    leases: granted, kills: kills.length, stops: stopsDone, overlaps: findOverlaps(records), records, recoveryMs, handoffMs,
    reclaimed: records.filter((r) => r.ended === 'reclaimed').length, faults: sandbox.counts, retries, rereads, durationMs: now() - t0,
  };
}
