// Who holds a lease: the owner record written into the lock, and whether that owner is still alive.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { isAlive } from '../exec/alive.js';

export interface Owner {
  readonly leaseId: string;
  readonly profile: string;
  readonly host: string;
  readonly pid: number;
  /** Process start time (clock ticks since boot, /proc/<pid>/stat field 22); guards against pid reuse. */
  readonly pidStart: number | null;
  readonly file: string | null;
  readonly test: string | null;
  /** Who holds it: a test (the default) or a deploy into the account. */
  readonly kind?: 'test' | 'deploy' | undefined;
  /** Epoch ms (clock.ts): when the lock was taken (confirmed), or when taking it began (not yet confirmed). */
  readonly start: number;
  /** False until the holder has the lock and rewrote `start` with the moment it got it. */
  readonly confirmed: boolean;
  /** The run that took the lease (src/run/id.ts: a test run, or a deploy), carried into its audit line. */
  readonly run?: string | null | undefined;
}

/**
 * Owner JSON with a fixed-width `start` and `confirmed`, so the holder can rewrite both in place after taking the
 * lock without changing the file's length (and without touching the lock dir's mtime, which proper-lockfile watches).
 */
export function ownerJson(o: Owner): string {
  const { start, confirmed, ...rest } = o;
  return JSON.stringify({ start: 0, confirmed: false, ...rest }) // first, so the replaces below hit the keys
    .replace('"start":0', `"start":${start.toFixed(3).padStart(20, ' ')}`)
    .replace('"confirmed":false', `"confirmed":${confirmed ? 'true ' : 'false'}`);
}

export const HOST = os.hostname();

export function newLeaseId(): string {
  return `${process.pid.toString(36)}-${randomBytes(6).toString('hex')}`;
}

/** Start time of a process on this host, or null where /proc is not available. */
export function processStart(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const v = Number(fields[19]); // field 22 overall; fields[0] is field 3
    return Number.isFinite(v) ? v : null;
  } catch {
    return null;
  }
}

export const SELF_START = processStart(process.pid);

/** True when the owner is on this host and its process is gone (dead, zombie, or the pid was reused). */
export function ownerIsDead(o: Pick<Owner, 'host' | 'pid' | 'pidStart'>): boolean {
  return o.host === HOST && processGone(o.pid, o.pidStart);
}

/** A process of this pid space is gone: not running (or a zombie), or its pid now belongs to a later process. */
export function processGone(pid: number, pidStart: number | null): boolean {
  if (!isAlive(pid)) return true;
  if (pidStart === null) return false;
  const now = processStart(pid);
  return now !== null && now !== pidStart;
}

export function parseOwner(text: string): Owner | undefined {
  try {
    const o = JSON.parse(text) as Partial<Owner>;
    if (typeof o.leaseId !== 'string' || typeof o.pid !== 'number' || typeof o.host !== 'string') return undefined;
    return o as Owner;
  } catch {
    return undefined;
  }
}

export function readOwner(file: string): Owner | undefined {
  try {
    return parseOwner(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

/** "pid 12 (test "adds an order" in orders.spec.ts, since 02:10:33Z)" or "pid 40 (deploy 2026…-deploy-ab12cd, since …)". */
export function describeOwner(o: Owner | undefined): string {
  if (!o) return 'a holder that has not written its record yet';
  const since = new Date(o.start).toISOString().slice(11, 19);
  const what = o.kind === 'deploy' ? `deploy ${o.run ?? ''}`.trim() : o.test ? `test "${o.test}"${o.file ? ` in ${o.file}` : ''}` : o.file ? `file ${o.file}` : 'no test';
  return `pid ${o.pid}${o.host === HOST ? '' : ` on ${o.host}`} (${what}, since ${since}Z)`;
}

/** The audit fields that mark a deploy's hold (a test's hold carries none, as before). */
export function holderFields(o: Pick<Owner, 'kind' | 'run'>): { kind?: 'deploy'; run?: string } {
  return { ...(o.kind === 'deploy' ? { kind: 'deploy' as const } : {}), ...(o.run ? { run: o.run } : {}) };
}
