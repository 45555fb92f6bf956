// `uber report [--json] [--tests|--deploys]`: the last run's summary and its waterfall pages.
import { Option } from 'commander';
import { loadConfig } from '../config/load.js';
import { say } from '../context.js';
import { EXIT, UsageError } from '../errors.js';
import { renderDeploySummary, summariseDeploys } from '../report/deploy-summary.js';
import { readTestRun } from '../report/run.js';
import { latestTestRunFile } from '../run/latest.js';
import { renderTestSummary, summariseTestRun } from '../report/summary.js';
import { writeDeployWaterfall } from '../report/waterfall-deploys.js';
import { writeTestWaterfall } from '../report/waterfall-tests.js';
import { uberPaths } from '../state/paths.js';
import { readState } from '../state/state.js';
import type { Register } from './program.js';

interface ReportFlags {
  json?: boolean;
  tests?: boolean;
  deploys?: boolean;
  config?: string;
}

export const registerReport: Register = (program, ctx, result) => {
  program
    .command('report')
    .description('render the last run: summary table (utilisation, lease waits, imbalance, makespan), test and deploy waterfall HTML')
    .addOption(new Option('--tests', 'only the last finished test run (.uber/runs/latest-test.json → its tests.json)').conflicts('deploys'))
    .addOption(new Option('--deploys', 'only the last deploy (.uber/state.json)'))
    .addOption(new Option('--json', 'print the summaries and page paths as JSON on stdout'))
    .action((_opts: unknown, cmd: { optsWithGlobals: () => ReportFlags }) => {
      const flags = cmd.optsWithGlobals();
      const loaded = loadConfig(ctx.cwd, flags.config);
      const paths = uberPaths(loaded.dir);
      const record = flags.deploys ? paths.testRun : latestTestRunFile(paths);
      const run = flags.deploys ? undefined : readTestRun(record);
      const state = flags.tests ? undefined : readState(paths.state);
      if (!run && !state) {
        const what = flags.deploys ? `no deploy in ${paths.state}` : flags.tests ? `no test run in ${record}` : `no deploy or test run in ${paths.root}`;
        throw new UsageError('ERR_UBER_REPORT_NOTHING', `There is ${what} yet; run uber deploy or uber test first.`);
      }
      const out: Record<string, unknown> = {};
      if (run) {
        const page = writeTestWaterfall(run, paths.waterfall);
        out.tests = { summary: summariseTestRun(run), waterfall: page, record };
        if (!flags.json) ctx.stdout.write(`${renderTestSummary(run)}\nTest waterfall: ${page}\n\n`);
      }
      if (state) {
        const page = writeDeployWaterfall(state, paths.deployWaterfall);
        out.deploys = { summary: summariseDeploys(state), waterfall: page, record: paths.state };
        if (!flags.json) ctx.stdout.write(`${renderDeploySummary(state)}\nDeploy waterfall: ${page}\n`);
      }
      if (flags.json) ctx.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
      else say(ctx, 'Open the waterfall pages in a browser; they need no network.');
      result.code = EXIT.ok;
    });
};
