// The deploy waterfall: one lane per profile, a bar per service, each attempt its own segment.
import { lastRun, type DeployRecord, type UberState } from '../state/state.js';
import { secs } from '../util/format.js';
import { writeChart, type Bar, type Chart, type Lane } from './chart.js';

export const DEPLOY_COLORS: Record<string, string> = {
  ok: '#2f9e5b',
  'no-op': '#8fd19e',
  transient: '#e0a526',
  permanent: '#d64545',
  cancelled: '#b4b8bf',
  'retry backoff': '#8a8f98',
};

function serviceName(d: DeployRecord): string {
  return d.service === '.' || d.service === '' ? d.repo : `${d.repo}/${d.service}`;
}

export function deployChart(all: UberState): Chart {
  const state = lastRun(all); // the newest deploy run; other runs' records stay in state.json
  const attempts = state.deploys.flatMap((d) => d.attempts);
  const t0 = attempts.length > 0 ? Math.min(...attempts.map((a) => a.start)) : 0;
  const t1 = attempts.length > 0 ? Math.max(...attempts.map((a) => a.end)) : 1;
  const profiles = [...new Set([...Object.keys(state.profiles), ...state.deploys.map((d) => d.profile)])];
  const lanes: Lane[] = profiles.map((p) => {
    const own = state.deploys.filter((d) => d.profile === p).flatMap((d) => d.attempts.map((a) => a.end));
    const health = state.profiles[p]?.healthy === false ? ' (unhealthy)' : '';
    return { id: `profile:${p}`, label: `${p}${health}`, group: 'profiles', finishMs: own.length > 0 ? Math.max(...own) - t0 : null };
  });
  const bars: Bar[] = [];
  state.deploys.forEach((d, i) => {
    const name = serviceName(d);
    d.attempts.forEach((a, n) => {
      const retry = n > 0 ? ` (retry ${n})` : '';
      const prev = d.attempts[n - 1];
      if (prev) {
        bars.push({
          lane: `profile:${d.profile}`,
          item: `deploy:${i}`,
          startMs: prev.end - t0,
          endMs: a.start - t0,
          kind: 'backoff',
          state: 'retry backoff',
          title: `${name} → ${d.profile}\nwaited ${secs(a.start - prev.end)} before retry ${n}`,
          data: { service: name, profile: d.profile },
        });
      }
      bars.push({
        lane: `profile:${d.profile}`,
        item: `deploy:${i}`,
        startMs: a.start - t0,
        endMs: a.end - t0,
        kind: 'attempt',
        state: a.outcome,
        title: `${name} → ${d.profile}\nattempt ${n + 1} of ${d.attempts.length}${retry}: ${a.outcome}\n${secs(a.end - a.start)} (${secs(a.start - t0)} → ${secs(a.end - t0)})\nfinal: ${d.status}${d.failureClass ? ` (${d.failureClass})` : ''}`,
        data: { service: name, profile: d.profile, attempt: String(n + 1), attempts: String(d.attempts.length), status: d.status },
      });
    });
  });
  const failed = state.deploys.filter((d) => d.status === 'failed').length;
  const unchanged = state.deploys.filter((d) => d.status === 'unchanged');
  const same = unchanged.length > 0 ? [`${unchanged.length} unchanged (not deployed: the account already runs this fingerprint): ${unchanged.map((d) => `${serviceName(d)} → ${d.profile}`).join(', ')}.`] : [];
  const retried = state.deploys.filter((d) => d.attempts.length > 1).length;
  return {
    title: `uber deploy — ${state.branch}: ${state.deploys.length - unchanged.length} deploys, ${failed} failed${unchanged.length > 0 ? `, ${unchanged.length} unchanged` : ''}`,
    notes: [
      `Finished ${state.finishedAt}${state.interrupted ? ' (interrupted: only what finished is shown)' : ''}; ${secs(t1 - t0)} from first start to last end; ${retried} deploys retried.`,
      'Each segment is one attempt; gaps between segments of one service are retry backoff. Hover for details.',
      ...same,
    ],
    spanMs: Math.max(1, t1 - t0),
    lanes,
    bars,
    colors: DEPLOY_COLORS,
  };
}

/** Writes .uber/reports/deploy-waterfall.html (or `file`); returns its absolute path. */
export function writeDeployWaterfall(state: UberState, file: string): string {
  return writeChart(deployChart(state), file);
}
