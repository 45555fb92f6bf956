// .uber/state.json: what the last deploy left behind (branch, commits, healthy profiles, per-pair outcomes).
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** unchanged: not deployed, because the account's record shows this exact fingerprint already runs there. */
export type DeployStatus = 'ok' | 'no-op' | 'unchanged' | 'failed' | 'cancelled';

/** The statuses that leave a pair running what was asked for (a profile with only these is healthy). */
export function isDeployed(status: DeployStatus): boolean {
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
  readonly failureClass?: string | undefined;
  readonly attempts: readonly DeployAttempt[];
  readonly durationMs: number;
  readonly log: string;
}

export interface UberState {
  readonly version: 1;
  readonly branch: string;
  readonly finishedAt: string;
  /** True when the run was interrupted: records describe only what finished. */
  readonly interrupted: boolean;
  readonly repos: Record<string, { readonly commit: string | null; readonly branch: string | null; readonly fallback: boolean }>;
  readonly profiles: Record<string, { readonly healthy: boolean; readonly failed: readonly string[] }>;
  readonly deploys: readonly DeployRecord[];
}

export function readState(file: string): UberState | undefined {
  if (!existsSync(file)) return undefined;
  try {
    const s = JSON.parse(readFileSync(file, 'utf8')) as UberState;
    return s.version === 1 ? s : undefined;
  } catch {
    return undefined;
  }
}

/** Writes atomically (temp file + rename) so a reader never sees half a file. */
export function writeState(file: string, state: UberState): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(tmp, file);
}

/** Profiles the last deploy left healthy, in state order; undefined when there is no state. */
export function healthyProfiles(state: UberState | undefined): string[] | undefined {
  if (!state) return undefined;
  return Object.entries(state.profiles)
    .filter(([, p]) => p.healthy)
    .map(([name]) => name);
}
