// uber run's waterfall: one lane per account with its deploy attempts and then its tests, on one time axis from the run's start.
import type { PairOutcome } from '../deploy/events.js';
import { writeChart, type Bar, type Chart, type Lane } from '../report/chart.js';
import type { TestRecord } from '../report/run.js';
import { DEPLOY_COLORS } from '../report/waterfall-deploys.js';
import { TEST_COLORS } from '../report/waterfall-tests.js';
import { secs } from '../util/format.js';
import type { AccountChange } from './readiness.js';

export interface TimelineInput {
  /** Epoch ms: the chart's origin (uber run started). */
  readonly start: number;
  readonly profiles: readonly string[];
  readonly outcomes: readonly PairOutcome[];
  readonly tests: readonly TestRecord[];
  readonly accounts: readonly AccountChange[];
  readonly testStart?: number | undefined;
}

export function runChart(r: TimelineInput): Chart {
  const at = (ms: number): number => Math.max(0, ms - r.start);
  const lanes: Lane[] = r.profiles.map((p) => {
    const change = r.accounts.find((a) => a.profile === p);
    const suffix = change?.state === 'failed' ? ' (deploy failed: not tested)' : change?.state === 'skipped' ? ' (repo not synced: not tested)' : '';
    return { id: `account:${p}`, label: `${p}${suffix}`, group: 'accounts: deploys, then tests (the line: deploys done)', finishMs: change ? at(change.at) : null };
  });
  const bars: Bar[] = [];
  r.outcomes.forEach((o, i) => {
    const name = o.pair.service === '.' ? o.pair.repo : `${o.pair.repo}/${o.pair.service}`;
    o.attempts.forEach((a, n) => {
      bars.push({
        lane: `account:${o.pair.profile}`,
        item: `deploy:${i}`,
        startMs: at(a.start),
        endMs: at(a.end),
        kind: 'attempt',
        state: a.outcome,
        title: `deploy ${name} → ${o.pair.profile}\nattempt ${n + 1}: ${a.outcome}, ${secs(a.end - a.start)} (+${secs(at(a.start))} → +${secs(at(a.end))})`,
        data: { service: name, profile: o.pair.profile },
      });
    });
  });
  r.tests.forEach((t, i) => {
    if (t.profile === null) return;
    bars.push({
      lane: `account:${t.profile}`,
      item: `test:${i}`,
      startMs: at(t.start),
      endMs: at(t.end),
      kind: 'test',
      state: t.state,
      title: `${t.fullTitle}\n${t.file}\n${t.state}, ${secs(t.end - t.start)} (+${secs(at(t.start))} → +${secs(at(t.end))})`,
      data: { profile: t.profile },
    });
  });
  const end = Math.max(1, ...bars.map((b) => b.endMs));
  const ready = r.accounts.filter((a) => a.state === 'ready');
  return {
    title: `uber run — ${r.outcomes.length} deploys, ${r.tests.length} tests on ${r.profiles.length} accounts`,
    notes: [
      'Deploys run account-major (every service of one account before the next, within the concurrency limits), so the first accounts are ready early.',
      `${ready.length ? `Ready for tests: ${ready.map((a) => `${a.profile} +${secs(at(a.at))}`).join(', ')}` : 'No account was ready for tests'}${r.testStart !== undefined ? `; tests started +${secs(at(r.testStart))}` : ''}. Hover for details.`,
    ],
    spanMs: end,
    lanes,
    bars,
    colors: { ...DEPLOY_COLORS, ...TEST_COLORS },
  };
}

/** Writes the run's waterfall HTML; returns its absolute path. */
export function writeRunWaterfall(r: TimelineInput, file: string): string {
  return writeChart(runChart(r), file);
}
