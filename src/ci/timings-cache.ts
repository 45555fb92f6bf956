// The timings cache across CircleCI containers: each keeps the timings of the files it ran; the next run merges all.
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { readTestRun } from '../report/run.js';
import { latestTestRunFile } from '../run/latest.js';
import type { UberPaths } from '../state/paths.js';
import { mergeTimings, readTimings, timingKey, writeTimings, type FileTiming } from '../timings/timings.js';

/** Where each container's share lives: .uber/ci-timings/node-<i>.json (the folder CircleCI caches). */
export function ciTimingsDir(paths: UberPaths): string {
  return path.join(paths.root, 'ci-timings');
}

/** Merges every container's share (oldest first) onto .uber/timings.json (written even when empty); returns counts. */
export function restoreTimings(paths: UberPaths): { merged: number; files: number } {
  const dir = ciTimingsDir(paths);
  const shares = existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => /^node-\d+\.json$/.test(f))
        .flatMap((f) => {
          const t = readTimings(path.join(dir, f));
          return t ? [t] : [];
        })
        .sort((a, b) => a.updatedAt.localeCompare(b.updatedAt))
    : [];
  let timings = readTimings(paths.timings);
  for (const share of shares) timings = mergeTimings(timings, share.files);
  timings ??= mergeTimings(undefined, {});
  writeTimings(paths.timings, timings); // always written: the CI workspace persists it for every container
  return { merged: shares.length, files: Object.keys(timings.files).length };
}

/** Keeps only this container's files (those in the last run record) as node-<index>.json, alone in the folder. */
export function saveTimings(paths: UberPaths, nodeIndex: number): { file: string; files: number } | undefined {
  const timings = readTimings(paths.timings);
  if (!timings) return undefined;
  const ran = readTestRunQuietly(paths);
  const mine: Record<string, FileTiming> = {};
  for (const [key, t] of Object.entries(timings.files)) if (!ran || ran.has(key)) mine[key] = t;
  if (Object.keys(mine).length === 0) Object.assign(mine, timings.files); // record and history disagree: keep all
  const dir = ciTimingsDir(paths);
  if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `node-${nodeIndex}.json`);
  writeTimings(file, { version: 1, updatedAt: timings.updatedAt, files: mine });
  return { file, files: Object.keys(mine).length };
}

function readTestRunQuietly(paths: UberPaths): Set<string> | undefined {
  try {
    const run = readTestRun(latestTestRunFile(paths));
    return run ? new Set(run.files.map((f) => timingKey(f.file))) : undefined;
  } catch {
    return undefined;
  }
}
