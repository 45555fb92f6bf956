// A run's life on disk, for every kind: begin (folder + owner), finish (summary.json, then "latest" if it is the newest finished).
import { mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as z from 'zod';
import { UsageError } from '../errors.js';
import type { UberPaths } from '../state/paths.js';
import { writeJsonAtomic } from '../util/atomic-write.js';
import { readJsonFile } from '../util/read-json.js';
import { newRunId, runPaths, type RunKind, type RunPaths } from './id.js';

export interface Run extends RunPaths {
  readonly kind: RunKind;
  /** Epoch ms. */
  readonly startedAt: number;
}

/** What every run leaves in summary.json; `details` is the kind's own (counts, problems). */
export interface RunSummary {
  readonly id: string;
  readonly kind: RunKind;
  readonly startedAt: number;
  readonly endedAt: number;
  readonly ok: boolean;
  readonly interrupted: boolean;
  readonly details?: Record<string, unknown> | undefined;
}

const KINDS = ['deploy', 'test', 'sync', 'run'] as const;

const pointerSchema = z.object({ id: z.string(), kind: z.enum(KINDS), endedAt: z.number() });
export type LatestPointer = z.output<typeof pointerSchema>;

/** .uber/runs/latest.json: the newest finished run of any kind; latest-<kind>.json: of that kind. */
export function latestFile(paths: UberPaths, kind?: RunKind): string {
  return path.join(paths.runs, kind ? `latest-${kind}.json` : 'latest.json');
}

/** Gives the run an id and its folder, with an owner file so pruning never removes a run in progress. */
export function beginRun(paths: UberPaths, kind: RunKind, at: Date = new Date()): Run {
  const id = newRunId(kind, at);
  const rp = runPaths(paths, id);
  mkdirSync(rp.dir, { recursive: true });
  writeJsonAtomic(rp.owner, { id, kind, pid: process.pid, host: os.hostname(), startedAt: at.getTime() });
  return { ...rp, kind, startedAt: at.getTime() };
}

/** The pointer in `file`: undefined when missing, a UsageError naming the file when damaged. */
export function readLatest(paths: UberPaths, kind?: RunKind): LatestPointer | undefined {
  const file = latestFile(paths, kind);
  const read = readJsonFile(file, pointerSchema);
  if (read.kind === 'damaged') throw new UsageError('ERR_UBER_RUN_POINTER', `${file} is damaged (not a run pointer); delete it and run uber again.`);
  return read.kind === 'ok' ? read.value : undefined;
}

function readLatestQuietly(paths: UberPaths, kind?: RunKind): LatestPointer | undefined {
  try {
    return readLatest(paths, kind);
  } catch {
    return undefined; // a damaged pointer is replaced by the next finished run
  }
}

/** Points `latest` at this run unless a run that finished later is already there; true when it did. */
function pointAt(paths: UberPaths, pointer: LatestPointer, kind?: RunKind): boolean {
  const file = latestFile(paths, kind);
  for (let i = 0; i < 3; i++) {
    const cur = readLatestQuietly(paths, kind);
    if (cur && (cur.endedAt > pointer.endedAt || (cur.endedAt === pointer.endedAt && cur.id >= pointer.id)) && cur.id !== pointer.id) return false;
    if (cur?.id !== pointer.id) writeJsonAtomic(file, pointer);
    // another run may have written between our read and our rename: look again, the later finish wins
    const now = readLatestQuietly(paths, kind);
    if (now?.id === pointer.id) return true;
  }
  return false;
}

/** Writes the run's summary.json, then points latest (of any kind, and of its kind) at it if it is the newest finished. */
export function finishRun(paths: UberPaths, run: Run, summary: Omit<RunSummary, 'id' | 'kind' | 'startedAt'>): { latest: boolean } {
  const full: RunSummary = { id: run.id, kind: run.kind, startedAt: run.startedAt, ...summary };
  writeJsonAtomic(run.summary, full);
  const pointer: LatestPointer = { id: run.id, kind: run.kind, endedAt: summary.endedAt };
  const latest = pointAt(paths, pointer, run.kind);
  pointAt(paths, pointer);
  return { latest };
}
