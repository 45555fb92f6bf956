// Reports of a run: the summary table, the test and deploy waterfalls, the run record's shape.
export { readTestRun, type TestRun, type TestRecord, type FileRecord } from './run.js';
export { renderTestSummary, summariseTestRun, type TestSummary } from './summary.js';
export { writeTestWaterfall, testChart } from './waterfall-tests.js';
export { writeDeployWaterfall, deployChart } from './waterfall-deploys.js';
export { renderDeploySummary, summariseDeploys, type DeploySummary } from './deploy-summary.js';
