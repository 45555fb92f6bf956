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
  };
}
