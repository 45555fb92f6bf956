// Where uber keeps its run data: .uber/ beside the config file (state, logs, leases, reports, timings).
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../errors.js';

export interface UberPaths {
  readonly root: string;
  readonly state: string;
  readonly logs: string;
  readonly leases: string;
  readonly audit: string;
  readonly reports: string;
  readonly junit: string;
  readonly testRun: string;
  readonly timings: string;
  readonly waterfall: string;
  readonly deployWaterfall: string;
  readonly sandbox: string;
  /** One folder per run (src/run/id.ts): .uber/runs/<id>/. */
  readonly runs: string;
  /** How many mocha workers the last `uber test` here used: the next one starts that many before it plans. */
  readonly workerHint: string;
}

/** Throws a one-sentence UsageError when uber cannot write under dir (permissions, read-only mount, full disk); checked before anything runs. */
export function assertWritable(dir: string): void {
  const probe = path.join(dir, `.probe-${process.pid}`);
  let created: string | undefined; // the first folder this check made; removed again so a refused run leaves no trace
  try {
    created = mkdirSync(dir, { recursive: true });
    writeFileSync(probe, 'uber\n'); // a byte of data, not only an inode: a full disk fails here
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'error';
    throw new UsageError(
      'ERR_UBER_STATE_DIR',
      code === 'ENOSPC' ? `The disk holding ${dir} is full (ENOSPC); free some space and run again.` : `Cannot write in ${dir} (${code}); fix its permissions or mount, then run again.`,
    );
  } finally {
    try {
      rmSync(created ?? probe, { recursive: true, force: true });
    } catch {
      // nothing was written
    }
  }
}

export function uberPaths(projectDir: string): UberPaths {
  const root = path.join(projectDir, '.uber');
  const reports = path.join(root, 'reports');
  const leases = path.join(root, 'leases');
  return {
    root,
    state: path.join(root, 'state.json'),
    logs: path.join(root, 'logs'),
    leases,
    audit: path.join(leases, 'audit.jsonl'),
    reports,
    junit: path.join(reports, 'junit.xml'),
    testRun: path.join(reports, 'tests.json'),
    timings: path.join(root, 'timings.json'),
    waterfall: path.join(reports, 'waterfall.html'),
    deployWaterfall: path.join(reports, 'deploy-waterfall.html'),
    sandbox: path.join(root, 'sandbox'),
    runs: path.join(root, 'runs'),
    workerHint: path.join(root, 'test-workers.json'),
  };
}
