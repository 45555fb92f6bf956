// Where uber keeps its run data: .uber/ beside the config file (state, logs, leases, reports, timings).
import path from 'node:path';

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
  };
}
