// Run temp folders in TMPDIR that carry their owner (pid + start time), so a later run removes those a killed run left.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { HOST, ownerIsDead, SELF_START } from '../lease/owner.js';

/** The marker inside each owned temp folder (a run that keeps its folder, --keep-temp, removes it: kept folders are never swept). */
export const OWNER_MARKER = '.uber-owner.json';
/** The prefixes of uber's run folders: deploy copies and mocha attempt folders. */
export const RUN_TEMP_PREFIXES = ['uber-deploy-', 'uber-run-'] as const;

/** mkdtemp under parent, with this process recorded as its owner. */
export function ownedTempDir(parent: string, prefix: string): string {
  const dir = mkdtempSync(path.join(parent, prefix));
  const marker = path.join(dir, OWNER_MARKER);
  try {
    writeFileSync(marker, JSON.stringify({ host: HOST, pid: process.pid, pidStart: SELF_START }));
  } catch {
    // a full TMPDIR: the run goes on (its deploys fail one by one, naming ENOSPC); unmarked, the folder is never swept
    rmSync(marker, { force: true });
  }
  return dir;
}

/**
 * Removes the run folders in parent whose owner died (a killed run's leftovers); returns the removed paths.
 * A folder without a readable marker (just being made, or not uber's) and a live owner's folder are left alone.
 */
export function sweepDeadTemps(parent: string, prefixes: readonly string[] = RUN_TEMP_PREFIXES): string[] {
  let names: string[];
  try {
    names = readdirSync(parent);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    if (!prefixes.some((p) => name.startsWith(p))) continue;
    const dir = path.join(parent, name);
    let owner: { host?: unknown; pid?: unknown; pidStart?: unknown };
    try {
      owner = JSON.parse(readFileSync(path.join(dir, OWNER_MARKER), 'utf8')) as typeof owner;
    } catch {
      continue;
    }
    if (typeof owner.host !== 'string' || typeof owner.pid !== 'number') continue;
    const pidStart = typeof owner.pidStart === 'number' ? owner.pidStart : null;
    if (!ownerIsDead({ host: owner.host, pid: owner.pid, pidStart })) continue;
    try {
      rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
      removed.push(dir);
    } catch {
      // another sweeper, or a permission problem: left for the next run
    }
  }
  return removed;
}
