// Turns a run's outcomes into .uber/state.json: branch, commits per repo, per-profile health, per-pair attempts.
import { isDeployed, type DeployRecord, type UberState } from '../state/state.js';
import type { PairOutcome } from './events.js';
import { serviceName } from './format.js';

export type RepoInfo = UberState['repos'][string];

/** A deploy record plus the failure-table rule behind its verdict. */
export type DeployRecordWithRule = DeployRecord & { readonly rule?: string | undefined };

export function buildState(opts: {
  branch: string;
  repos: Record<string, RepoInfo>;
  profiles: readonly string[];
  outcomes: readonly PairOutcome[];
  interrupted: boolean;
}): UberState {
  const deploys: DeployRecordWithRule[] = opts.outcomes.map((o) => ({
    repo: o.pair.repo,
    service: o.pair.service,
    profile: o.pair.profile,
    status: o.status,
    failureClass: o.failureClass,
    rule: o.rule,
    attempts: o.attempts,
    durationMs: o.durationMs,
    log: o.log,
  }));
  const profiles: Record<string, { healthy: boolean; failed: string[] }> = {};
  for (const p of opts.profiles) {
    // a profile is healthy only when every one of its services deployed (ok or nothing to change)
    const failed = opts.outcomes.filter((o) => o.pair.profile === p && !isDeployed(o.status)).map((o) => serviceName(o.pair));
    profiles[p] = { healthy: failed.length === 0, failed };
  }
  return { version: 1, branch: opts.branch, finishedAt: new Date().toISOString(), interrupted: opts.interrupted, repos: opts.repos, profiles, deploys };
}
