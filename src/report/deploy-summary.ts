// The summary of the last deploy (.uber/state.json): per profile deploys, failures, retries and busy time.
import { lastRun, type UberState } from '../state/state.js';
import { secs, table } from '../util/format.js';

export interface DeployProfileSummary {
  profile: string;
  healthy: boolean;
  deploys: number;
  failed: number;
  retried: number;
  attempts: number;
  /** Sum of attempt times into this profile. */
  busyMs: number;
  finishMs: number;
}

export interface DeploySummary {
  branch: string;
  deploys: number;
  failed: number;
  spanMs: number;
  profiles: DeployProfileSummary[];
}

export function summariseDeploys(all: UberState): DeploySummary {
  const state = lastRun(all); // the newest deploy run; other runs' records stay in state.json
  const attempts = state.deploys.flatMap((d) => d.attempts);
  const t0 = attempts.length > 0 ? Math.min(...attempts.map((a) => a.start)) : 0;
  const names = [...new Set([...Object.keys(state.profiles), ...state.deploys.map((d) => d.profile)])];
  const profiles = names.map((profile): DeployProfileSummary => {
    const own = state.deploys.filter((d) => d.profile === profile);
    const tries = own.flatMap((d) => d.attempts);
    return {
      profile,
      healthy: state.profiles[profile]?.healthy ?? !own.some((d) => d.status === 'failed'),
      deploys: own.length,
      failed: own.filter((d) => d.status === 'failed').length,
      retried: own.filter((d) => d.attempts.length > 1).length,
      attempts: tries.length,
      busyMs: tries.reduce((a, t) => a + Math.max(0, t.end - t.start), 0),
      finishMs: tries.length > 0 ? Math.max(...tries.map((t) => t.end)) - t0 : 0,
    };
  });
  return {
    branch: state.branch,
    deploys: state.deploys.length,
    failed: state.deploys.filter((d) => d.status === 'failed').length,
    spanMs: attempts.length > 0 ? Math.max(...attempts.map((a) => a.end)) - t0 : 0,
    profiles,
  };
}

export function renderDeploySummary(state: UberState): string {
  const s = summariseDeploys(state);
  return [
    `Deploy of ${s.branch}: ${s.deploys} deploys, ${s.failed} failed, ${secs(s.spanMs)} from first start to last end${state.interrupted ? ' (interrupted)' : ''}.`,
    '',
    table(
      ['profile', 'health', 'deploys', 'failed', 'retried', 'attempts', 'busy', 'finished at'],
      s.profiles.map((p) => [p.profile, p.healthy ? 'healthy' : 'unhealthy', String(p.deploys), String(p.failed), String(p.retried), String(p.attempts), secs(p.busyMs), secs(p.finishMs)]),
    ),
    '',
  ].join('\n');
}
