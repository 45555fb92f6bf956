// Turns outcomes into .uber/state.json records and merges them into what other runs wrote (newest per pair wins).
import { isDeployed, type DeployingMark, type DeployRecord, type ProfileRecord, type RepoRecord, type UberState } from '../state/state.js';
import type { PairOutcome } from './events.js';
import { serviceName } from './format.js';

export type RepoInfo = RepoRecord;

/** The state a first run starts from. */
function empty(branch: string, runId: string): UberState {
  return { version: 1, branch, finishedAt: new Date().toISOString(), interrupted: true, runId, repos: {}, profiles: {}, deploys: [] };
}

const byPair = (d: Pick<DeployRecord, 'profile' | 'repo' | 'service'>): string => `${d.repo}\u0000${d.service}\u0000${d.profile}`;
const pairKey = (d: Pick<DeployRecord, 'profile' | 'repo' | 'service'>): string => `${d.profile}\u0000${d.repo}\u0000${d.service}`;

/** The records of the pairs this run tried (a skipped pair writes none: its last record stands). */
export function deployRecords(outcomes: readonly PairOutcome[], runId: string): DeployRecord[] {
  return outcomes.flatMap((o) =>
    o.status === 'skipped'
      ? []
      : [{
          repo: o.pair.repo,
          service: o.pair.service,
          profile: o.pair.profile,
          status: o.status,
          failureClass: o.failureClass,
          rule: o.rule,
          attempts: o.attempts,
          durationMs: o.durationMs,
          log: o.log,
          runId,
        }],
  );
}

/**
 * One profile's record from its outcomes: healthy only when every one of its services deployed (ok or nothing to
 * change). A skipped service (never tried) counts as its last record says: failed there only if its last deploy failed.
 */
export function profileRecord(outcomes: readonly PairOutcome[], runId: string, branch: string, before: readonly DeployRecord[] = []): ProfileRecord {
  const last = new Map(before.map((d) => [pairKey(d), d]));
  const bad = (o: PairOutcome): boolean => {
    if (o.status !== 'skipped') return !isDeployed(o.status);
    const d = last.get(pairKey(o.pair));
    return d !== undefined && !isDeployed(d.status);
  };
  const failed = outcomes.filter(bad).map((o) => serviceName(o.pair));
  return { healthy: failed.length === 0, failed, runId, branch };
}

/** Marks profiles as being deployed by this run (not healthy until a deploy into them completes); keeps everything else. */
export function markDeploying(current: UberState | undefined, profiles: readonly string[], mark: DeployingMark, branch: string): UberState {
  const base = current ?? empty(branch, mark.runId);
  const next: Record<string, ProfileRecord> = { ...base.profiles };
  for (const p of profiles) next[p] = { ...(next[p] ?? { failed: [] }), healthy: false, deploying: mark };
  return { ...base, profiles: next };
}

/** Writes one profile's finished outcomes over what was there: its record is replaced, its pairs' records are the newest. */
export function mergeProfile(current: UberState | undefined, profile: string, outcomes: readonly PairOutcome[], runId: string, branch: string): UberState {
  const base = current ?? empty(branch, runId);
  const fresh = deployRecords(outcomes, runId);
  const keys = new Set(fresh.map(pairKey));
  return {
    ...base,
    profiles: { ...base.profiles, [profile]: profileRecord(outcomes, runId, branch, base.deploys) },
    // a stable order whichever account finished first: by repo, service, then profile
    deploys: [...base.deploys.filter((d) => !keys.has(pairKey(d))), ...fresh].sort((a, b) => byPair(a).localeCompare(byPair(b))),
  };
}

/** The run's end: its branch, time, repos and whether it was interrupted become the state's top level. */
export function mergeRunEnd(current: UberState | undefined, run: { runId: string; branch: string; repos: Record<string, RepoInfo>; interrupted: boolean }): UberState {
  const base = current ?? empty(run.branch, run.runId);
  return { ...base, branch: run.branch, runId: run.runId, finishedAt: new Date().toISOString(), interrupted: run.interrupted, repos: { ...base.repos, ...run.repos } };
}
