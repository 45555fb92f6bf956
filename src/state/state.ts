// .uber/state.json: what deploys left behind (per profile health and in-progress marks, per pair records); read through a schema, merged under a lock.
import path from 'node:path';
import * as z from 'zod';
import { UsageError } from '../errors.js';
import { LeaseStore } from '../lease/store.js';
import { ownerIsDead } from '../lease/owner.js';
import { writeJsonAtomic } from '../util/atomic-write.js';
import { readJsonFile } from '../util/read-json.js';

/** unchanged: not deployed, because the account's record shows this exact fingerprint already runs there. */
export const DEPLOY_STATUSES = ['ok', 'no-op', 'unchanged', 'failed', 'cancelled'] as const;
export type DeployStatus = (typeof DEPLOY_STATUSES)[number];

/** The statuses that leave a pair running what was asked for (a profile with only these is healthy). */
export function isDeployed(status: string): boolean {
  return status === 'ok' || status === 'no-op' || status === 'unchanged';
}

export interface DeployAttempt {
  /** Epoch ms (performance.timeOrigin + performance.now()). */
  readonly start: number;
  readonly end: number;
  readonly outcome: 'ok' | 'no-op' | 'transient' | 'permanent' | 'cancelled';
}

export interface DeployRecord {
  readonly repo: string;
  /** Service path inside the repo, e.g. "services/api" ("." for the repo root). */
  readonly service: string;
  readonly profile: string;
  readonly status: DeployStatus;
  /** Failure class when failed: "transient" (retries exhausted) or "permanent". */
  readonly failureClass?: 'transient' | 'permanent' | undefined;
  /** The failure-table rule behind the verdict (e.g. "throttled", "credentials", "account-busy"). */
  readonly rule?: string | undefined;
  readonly attempts: readonly DeployAttempt[];
  readonly durationMs: number;
  /** The log of this pair's run, under that run's own folder (.uber/runs/<id>/logs/...). */
  readonly log: string;
  /** The deploy run that wrote this record. */
  readonly runId?: string | undefined;
}

/** A deploy that took this profile and has not finished it; left behind by a killed run. */
export interface DeployingMark {
  readonly runId: string;
  readonly pid: number;
  /** Process start time of pid (guards against pid reuse), null where unknown. */
  readonly pidStart: number | null;
  readonly host: string;
  /** ISO time the mark was written. */
  readonly since: string;
}

export interface ProfileRecord {
  readonly healthy: boolean;
  /** Services whose last deploy into this profile did not succeed. */
  readonly failed: readonly string[];
  /** The run that last wrote this record. */
  readonly runId?: string | undefined;
  readonly branch?: string | undefined;
  /** Set while a deploy is (or was, when killed) in progress into this profile; healthy is false meanwhile. */
  readonly deploying?: DeployingMark | undefined;
}

export interface RepoRecord {
  readonly commit: string | null;
  readonly branch: string | null;
  readonly fallback: boolean;
}

export interface UberState {
  readonly version: 1;
  /** The newest deploy run to write the state: its branch, end and whether it was interrupted. */
  readonly branch: string;
  readonly finishedAt: string;
  /** True when that run was interrupted (or has not finished yet): records describe only what finished. */
  readonly interrupted: boolean;
  readonly runId?: string | undefined;
  readonly repos: Readonly<Record<string, RepoRecord>>;
  readonly profiles: Readonly<Record<string, ProfileRecord>>;
  /** The newest record per (profile, repo, service). */
  readonly deploys: readonly DeployRecord[];
}

// loose(): keys written by a newer uber survive a merge by this one
const attemptSchema = z.looseObject({ start: z.number(), end: z.number(), outcome: z.enum(['ok', 'no-op', 'transient', 'permanent', 'cancelled']) });
const recordSchema = z.looseObject({
  repo: z.string(),
  service: z.string(),
  profile: z.string(),
  status: z.enum(DEPLOY_STATUSES),
  failureClass: z.enum(['transient', 'permanent']).optional(),
  rule: z.string().optional(),
  attempts: z.array(attemptSchema),
  durationMs: z.number(),
  log: z.string(),
  runId: z.string().optional(),
});
const markSchema = z.looseObject({ runId: z.string(), pid: z.number().int(), pidStart: z.number().nullable(), host: z.string(), since: z.string() });
const profileSchema = z.looseObject({
  healthy: z.boolean(),
  failed: z.array(z.string()),
  runId: z.string().optional(),
  branch: z.string().optional(),
  deploying: markSchema.optional(),
});
const repoSchema = z.looseObject({ commit: z.string().nullable(), branch: z.string().nullable(), fallback: z.boolean() });
export const stateSchema = z.looseObject({
  version: z.literal(1),
  branch: z.string(),
  finishedAt: z.string(),
  interrupted: z.boolean(),
  runId: z.string().optional(),
  repos: z.record(z.string(), repoSchema),
  profiles: z.record(z.string(), profileSchema),
  deploys: z.array(recordSchema),
});

export function damagedStateError(file: string, problem: string): UsageError {
  return new UsageError('ERR_UBER_STATE_DAMAGED', `The deploy state ${file} is damaged (${problem}); remove it or run uber deploy again.`);
}

/** The state, or undefined when there is none; a damaged file is a UsageError naming it and the fix. */
export function readState(file: string): UberState | undefined {
  const read = readJsonFile(file, stateSchema);
  if (read.kind === 'damaged') throw damagedStateError(file, read.reason);
  return read.kind === 'ok' ? read.value : undefined;
}

/** Writes atomically (util/atomic-write: temp file + rename) so a reader never sees half a file. */
export function writeState(file: string, state: UberState): void {
  writeJsonAtomic(file, state);
}

/** How long a state update waits for another process's update (each takes milliseconds). */
const STATE_LOCK_WAIT_MS = 30_000;

export interface StateUpdate {
  readonly state: UberState;
  /** Set when the file on disk was damaged and has been replaced: the problem found. */
  readonly replaced?: string | undefined;
}

/**
 * Read–merge–write under a lock (a lock file in .uber/locks, taken through the lease store, so a dead holder is
 * broken at once): `change` gets the current state (undefined when none, or damaged: then `replaced` says why).
 */
export async function updateState(file: string, change: (current: UberState | undefined) => UberState): Promise<StateUpdate> {
  const store = new LeaseStore({ dir: path.join(path.dirname(file), 'locks'), audit: false });
  const until = Date.now() + STATE_LOCK_WAIT_MS;
  let lease = await store.tryAcquire('state');
  while (!lease) {
    const v = store.view('state');
    if (v && v.verdict !== 'live') store.breakIfDead('state', v);
    if (Date.now() > until) throw new Error(`the lock on ${file} was held for more than ${STATE_LOCK_WAIT_MS / 1000} s by pid ${v?.owner?.pid ?? '?'}`);
    await new Promise((r) => setTimeout(r, 5));
    lease = await store.tryAcquire('state');
  }
  try {
    const read = readJsonFile(file, stateSchema);
    const replaced = read.kind === 'damaged' ? read.reason : undefined;
    const state = change(read.kind === 'ok' ? read.value : undefined);
    writeState(file, state);
    return { state, replaced };
  } finally {
    await lease.release();
  }
}

/** One run's part of the state (its profiles and records; the newest run's unless runId names another), which the deploy report, waterfall and --json show; all of it for a state without run ids. */
export function lastRun(state: UberState, runId: string | undefined = state.runId): UberState {
  if (!runId) return state;
  const profiles = Object.fromEntries(Object.entries(state.profiles).filter(([, p]) => p.runId === runId || p.deploying?.runId === runId));
  return { ...state, profiles, deploys: state.deploys.filter((d) => d.runId === runId) };
}

/** Profiles the last deploys left healthy, in state order; undefined when there is no state. */
export function healthyProfiles(state: UberState | undefined): string[] | undefined {
  if (!state) return undefined;
  return Object.entries(state.profiles)
    .filter(([, p]) => p.healthy && !p.deploying)
    .map(([name]) => name);
}

/** Each profile uber test leaves out, with why: "ci-2 (deploy run X, pid 12, was killed before it finished)". */
export function leftOutProfiles(state: UberState | undefined): { profile: string; why: string }[] {
  if (!state) return [];
  return Object.entries(state.profiles)
    .filter(([, p]) => !p.healthy || p.deploying)
    .map(([profile, p]) => {
      const d = p.deploying;
      if (d) {
        const dead = ownerIsDead(d);
        return { profile, why: `deploy ${d.runId} (pid ${d.pid}) ${dead ? 'stopped before it finished; deploy into it again' : 'is deploying into it now'}` };
      }
      return { profile, why: `its last deploy failed: ${p.failed.join(', ') || 'unknown'}` };
    });
}
