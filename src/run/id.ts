// A run's identity and folder: every uber command that runs gets an id and .uber/runs/<id>/ for its own records.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { UberPaths } from '../state/paths.js';

export type RunKind = 'deploy' | 'test' | 'sync' | 'run';

/** Where one run keeps what belongs to it alone: logs, reports, its slice of the lease audit, its summary. */
export interface RunPaths {
  readonly id: string;
  readonly dir: string;
  readonly logs: string;
  readonly reports: string;
  readonly junit: string;
  readonly testRun: string;
  readonly waterfall: string;
  readonly deployWaterfall: string;
  readonly summary: string;
  /** Who runs it (pid, host, kind, start): a folder without a summary whose owner lives is a run in progress. */
  readonly owner: string;
  /** This run's lines of the lease audit. */
  readonly leases: string;
}

/** Sortable by start time, unique across processes and machines: 20261202T015500123Z-test-ab12cd. */
export function newRunId(kind: RunKind, at: Date = new Date()): string {
  const stamp = at.toISOString().replace(/[-:]/g, '').replace('.', '');
  return `${stamp}-${kind}-${randomBytes(3).toString('hex')}`;
}

const RUN_ID = /^\d{8}T\d{9}Z-(deploy|test|sync|run)-[0-9a-f]{6}$/;

export function isRunId(s: string): boolean {
  return RUN_ID.test(s);
}

/** When the run began, from its id (epoch ms); NaN for a string that is not a run id. */
export function runIdTime(id: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(\d{3})Z-/.exec(id);
  if (!m || !isRunId(id)) return Number.NaN;
  const [, y, mo, d, h, mi, s, ms] = m.map(Number) as [number, number, number, number, number, number, number, number];
  return Date.UTC(y, mo - 1, d, h, mi, s, ms);
}

/** The kind a run id names. */
export function runIdKind(id: string): RunKind | undefined {
  return isRunId(id) ? (id.split('-')[1] as RunKind) : undefined;
}

export function runPaths(paths: UberPaths, id: string): RunPaths {
  const dir = path.join(paths.runs, id);
  const reports = path.join(dir, 'reports');
  return {
    id,
    dir,
    logs: path.join(dir, 'logs'),
    reports,
    junit: path.join(reports, 'junit.xml'),
    testRun: path.join(reports, 'tests.json'),
    waterfall: path.join(reports, 'waterfall.html'),
    deployWaterfall: path.join(reports, 'deploy-waterfall.html'),
    summary: path.join(dir, 'summary.json'),
    owner: path.join(dir, 'run.json'),
    leases: path.join(dir, 'leases.jsonl'),
  };
}
