// The test waterfall: one lane per account and per worker, a bar per test coloured by its result.
import { secs } from '../util/format.js';
import { writeChart, type Bar, type Chart, type Lane } from './chart.js';
import type { TestRun } from './run.js';
import { summariseTestRun } from './summary.js';

export const TEST_COLORS: Record<string, string> = {
  passed: '#2f9e5b',
  failed: '#d64545',
  pending: '#b4b8bf',
  'lease wait': '#e0a526',
  'file passed': '#dcefe2',
  'file failed': '#f5d5d5',
  'file crashed': '#f2a6a6',
  'file load-failed': '#f2a6a6',
  'file bail': '#e4e6ea',
};

export function testChart(run: TestRun): Chart {
  const s = summariseTestRun(run);
  const spans = [...run.files, ...run.tests];
  const t0 = spans.length > 0 ? Math.min(run.startedAt, ...spans.map((x) => x.start)) : run.startedAt;
  const t1 = Math.max(run.endedAt, ...spans.map((x) => x.end));
  const lanes: Lane[] = [];
  const bars: Bar[] = [];
  const finish = (ends: number[]): number | null => (ends.length > 0 ? Math.max(...ends) - t0 : null);

  for (const p of s.profiles) {
    const held = run.tests.filter((t) => t.profile === p.profile);
    lanes.push({ id: `account:${p.profile}`, label: p.profile, group: 'accounts', finishMs: finish(held.map((t) => t.end)) });
  }
  for (const w of s.workers) {
    const own = [...run.files.filter((f) => f.pid === w.pid), ...run.tests.filter((t) => t.pid === w.pid)];
    lanes.push({ id: `worker:${w.pid}`, label: `worker pid ${w.pid}`, group: 'workers', finishMs: finish(own.map((x) => x.end)) });
  }

  // A file's whole span (hooks included) behind its tests: hook time is most of an integration file's time.
  run.files.forEach((f, i) => {
    if (f.pid === null) return;
    const retried = f.attempts > 1 ? `, ${f.attempts} attempts` : '';
    bars.push({
      lane: `worker:${f.pid}`,
      item: `file:${i}`,
      startMs: f.start - t0,
      endMs: f.end - t0,
      kind: 'file',
      state: `file ${f.state}`,
      title: `${f.file}${f.unit ? ` (unit ${f.unit})` : ''}\nfile ${f.state}${retried}, ${secs(f.end - f.start)} incl. hooks (${secs(f.start - t0)} → ${secs(f.end - t0)})\nworker pid ${f.pid}`,
      data: { file: f.file, group: 'workers' },
      background: true,
    });
  });

  run.tests.forEach((t, i) => {
    const title = `${t.fullTitle}\n${t.file}\n${t.state}, ${secs(t.end - t.start)} (${secs(t.start - t0)} → ${secs(t.end - t0)})\nprofile ${t.profile ?? 'none'}, worker pid ${t.pid}, lease wait ${secs(t.leaseWaitMs)}`;
    const common = { item: `test:${i}`, startMs: t.start - t0, endMs: t.end - t0, kind: 'test', state: t.state, title };
    const data = { test: t.fullTitle, file: t.file, profile: t.profile ?? '' };
    if (t.profile) bars.push({ ...common, lane: `account:${t.profile}`, data: { ...data, group: 'accounts' } });
    bars.push({ ...common, lane: `worker:${t.pid}`, data: { ...data, group: 'workers' } });
    if (t.leaseWaitMs > 0) {
      bars.push({
        lane: `worker:${t.pid}`,
        item: `test:${i}`,
        startMs: Math.max(0, t.start - t.leaseWaitMs - t0),
        endMs: t.start - t0,
        kind: 'wait',
        state: 'lease wait',
        title: `${t.fullTitle}\nwaited ${secs(t.leaseWaitMs)} for a free account`,
        data: { group: 'workers' },
      });
    }
  });

  const shard = run.shard ? ` · shard ${run.shard.index}/${run.shard.total}` : '';
  return {
    title: `uber test — ${s.tests.total} tests, ${s.tests.failed} failed${shard}`,
    notes: [
      `Started ${new Date(run.startedAt).toISOString()}; ${secs(s.wallMs)} wall time; ${run.profiles.length} profiles, ${s.workers.length} workers.`,
      `Makespan ${secs(s.makespanMs)} against a lower bound of ${secs(s.lowerBoundMs)} (${s.ratio.toFixed(2)}×); imbalance ${secs(s.imbalanceMs)}.`,
      'Hover a bar for the test name and its times; pale blocks behind a worker\'s tests are whole files (hooks included); the dashed line is where a lane finished.',
    ],
    spanMs: Math.max(1, t1 - t0),
    lanes,
    bars,
    colors: TEST_COLORS,
  };
}

/** Writes .uber/reports/waterfall.html (or `file`); returns its absolute path. */
export function writeTestWaterfall(run: TestRun, file: string): string {
  return writeChart(testChart(run), file);
}
