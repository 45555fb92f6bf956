// Bounded history: old run folders and rotated lease audits are removed, the audit is rotated, so cost never grows with age.
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { HistoryConfig } from '../config/schema.js';
import { isAlive } from '../exec/alive.js';
import { pruneAudits, rotateAudit } from '../lease/audit.js';
import type { UberPaths } from '../state/paths.js';
import { isRunId, runIdTime, runPaths, type RunKind } from './id.js';

const DAY = 24 * 60 * 60 * 1000;

export interface Pruned {
  readonly runs: string[];
  readonly audits: string[];
  readonly rotated: string | undefined;
}

/** A folder without a summary whose owner process still lives on this host: a run in progress, never removed. */
function inProgress(paths: UberPaths, id: string): boolean {
  const rp = runPaths(paths, id);
  if (existsSync(rp.summary)) return false;
  try {
    const o = JSON.parse(readFileSync(rp.owner, 'utf8')) as { pid?: unknown; host?: unknown };
    return o.host === os.hostname() && typeof o.pid === 'number' && isAlive(o.pid);
  } catch {
    return false;
  }
}

function pointedAt(paths: UberPaths): Set<string> {
  const ids = new Set<string>();
  for (const name of ['latest.json', ...(['deploy', 'test', 'sync', 'run'] satisfies RunKind[]).map((k) => `latest-${k}.json`)]) {
    try {
      const p = JSON.parse(readFileSync(path.join(paths.runs, name), 'utf8')) as { id?: unknown };
      if (typeof p.id === 'string') ids.add(p.id);
    } catch {
      // no pointer, or a damaged one
    }
  }
  return ids;
}

/** Run folders beyond the newest `history.runs` or older than `history.days`, except runs in progress and the latest ones. */
function doomedRuns(paths: UberPaths, history: Pick<HistoryConfig, 'runs' | 'days'>, nowMs: number): string[] {
  if (!existsSync(paths.runs)) return [];
  const ids = readdirSync(paths.runs).filter(isRunId).sort().reverse(); // newest first: ids sort by start time
  const keep = pointedAt(paths);
  return ids.filter((id, i) => {
    const tooMany = i >= history.runs;
    const tooOld = nowMs - runIdTime(id) > history.days * DAY;
    return (tooMany || tooOld) && !keep.has(id) && !inProgress(paths, id);
  });
}

/** Removes run folders beyond the newest `history.runs` or older than `history.days`; keeps runs in progress and the latest ones. */
export function pruneRuns(paths: UberPaths, history: Pick<HistoryConfig, 'runs' | 'days'>, nowMs: number = Date.now()): string[] {
  const ids = doomedRuns(paths, history, nowMs);
  for (const id of ids) rmSync(path.join(paths.runs, id), { recursive: true, force: true });
  return ids;
}

/**
 * pruneRuns without blocking: a test run starts it beside mocha's start-up (removing folders is mostly waiting on
 * the disk) and awaits it at its end. The run's own folder already exists, so it counts among the newest.
 */
export async function pruneRunsAsync(paths: UberPaths, history: Pick<HistoryConfig, 'runs' | 'days'>, nowMs: number = Date.now()): Promise<string[]> {
  const ids = doomedRuns(paths, history, nowMs);
  await Promise.all(ids.map((id) => rm(path.join(paths.runs, id), { recursive: true, force: true }).catch(() => undefined)));
  return ids;
}

/** After a run: rotate the lease audit past its size, drop old rotated audits and old run folders (unless `runs` says which were already removed). */
export function pruneHistory(paths: UberPaths, history: HistoryConfig, nowMs: number = Date.now(), runs?: readonly string[]): Pruned {
  const rotated = rotateAudit(paths.audit, history.auditMB * 1024 * 1024, new Date(nowMs));
  const audits = pruneAudits(paths.audit, history.auditFiles, history.days * DAY, nowMs);
  return { runs: runs ? [...runs] : pruneRuns(paths, history, nowMs), audits, rotated };
}
