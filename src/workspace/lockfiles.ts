// The workspace's lock files under .uber/workspace/: test runs' shared holds and one exclusive sync lock per repo; readers skip dead holders.
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { viewLock, type LockView } from '../lease/breaker.js';
import { HOST, ownerIsDead, type Owner } from '../lease/owner.js';
import type { UberPaths } from '../state/paths.js';

/**
 * A lock owner whose record cannot be read (a crash between mkdir and rename leaves none; uber's own locks are
 * born with their record) may be broken after this long; a lock with a live owner is never broken for its age.
 */
export const ORPHAN_MS = 60_000;

/** A test run's shared hold: the repos it uses (null: every repo of the workspace), and who holds them since when. */
export interface Hold {
  readonly runId: string;
  readonly host: string;
  readonly pid: number;
  readonly pidStart: number | null;
  /** Epoch ms. */
  readonly since: number;
  readonly repos: readonly string[] | null;
}

/** A sync lock's owner record: a lease owner (src/lease/owner.ts, so the breaker can judge it) plus the run it belongs to. */
export type SyncOwner = Owner & { readonly runId?: string };

export function locksDir(paths: Pick<UberPaths, 'root'>): string {
  return path.join(paths.root, 'workspace');
}

export function holdsDir(paths: Pick<UberPaths, 'root'>): string {
  return path.join(locksDir(paths), 'holds');
}

/** The exclusive lock dir of one repo (the repo's name as the folder under the workspace). */
export function syncLockPath(paths: Pick<UberPaths, 'root'>, repo: string): string {
  return path.join(locksDir(paths), `${encodeURIComponent(repo)}.lock`);
}

function list(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function parseHold(text: string): Hold | undefined {
  try {
    const h = JSON.parse(text) as Partial<Hold>;
    if (typeof h.runId !== 'string' || typeof h.pid !== 'number' || typeof h.host !== 'string' || typeof h.since !== 'number') return undefined;
    if (h.repos !== null && !(Array.isArray(h.repos) && h.repos.every((r) => typeof r === 'string'))) return undefined;
    return { runId: h.runId, host: h.host, pid: h.pid, pidStart: h.pidStart ?? null, since: h.since, repos: h.repos };
  } catch {
    return undefined;
  }
}

/**
 * The live holds that cover `repo`. A hold whose process is gone (dead, or its pid reused) never blocks: its file
 * is removed on the way, as are the temp files of a holder killed mid-write. An unreadable hold file is left
 * alone and does not block either: holds are written whole (temp file + rename), so it is not one of uber's.
 */
export function liveHolds(paths: Pick<UberPaths, 'root'>, repo: string): Hold[] {
  const dir = holdsDir(paths);
  const out: Hold[] = [];
  for (const name of list(dir)) {
    const file = path.join(dir, name);
    const tmp = /\.tmp-(\d+)$/.exec(name);
    if (tmp) {
      if (ownerIsDead({ host: HOST, pid: Number(tmp[1]), pidStart: null })) rmSync(file, { force: true });
      continue;
    }
    if (!name.endsWith('.json')) continue;
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue; // released meanwhile
    }
    const hold = parseHold(text);
    if (!hold) continue;
    if (ownerIsDead(hold)) {
      rmSync(file, { force: true });
      continue;
    }
    if (hold.repos === null || hold.repos.includes(repo)) out.push(hold);
  }
  return out.sort((a, b) => a.since - b.since);
}

/** A sync lock that blocks: its owner is alive (or on another host, where uber cannot tell). */
export interface BusyLock {
  readonly repo: string;
  readonly view: LockView;
}

/** Whether a lock as seen may be broken: its owner died, or it has no readable owner and is old. */
export function breakable(v: LockView): boolean {
  return v.verdict === 'dead' || (v.owner === undefined && v.verdict === 'stale');
}

/** The repos (those named, or all when null) that a live sync holds right now. */
export function liveSyncLocks(paths: Pick<UberPaths, 'root'>, repos: readonly string[] | null): BusyLock[] {
  const out: BusyLock[] = [];
  for (const name of list(locksDir(paths))) {
    const m = /^(.+)\.lock$/.exec(name);
    if (!m?.[1]) continue;
    const repo = decodeURIComponent(m[1]);
    if (repos !== null && !repos.includes(repo)) continue;
    const view = viewLock(path.join(locksDir(paths), name), ORPHAN_MS);
    if (view && !breakable(view)) out.push({ repo, view });
  }
  return out;
}

const since = (ms: number): string => new Date(ms).toISOString();

/** "test run <id> (pid N, since <ISO time>)". */
export function describeHold(h: Hold): string {
  return `test run ${h.runId} (pid ${h.pid}${h.host === HOST ? '' : ` on ${h.host}`}, since ${since(h.since)})`;
}

/** "the sync of run <id> (pid N, since <ISO time>)", or as much as the lock says. */
export function describeSyncOwner(o: SyncOwner | undefined): string {
  if (!o) return 'another sync';
  const run = o.runId ? ` of run ${o.runId}` : '';
  return `the sync${run} (pid ${o.pid}${o.host === HOST ? '' : ` on ${o.host}`}, since ${since(o.start)})`;
}
