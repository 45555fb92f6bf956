// `uber test`: mocha's parallel mode with one leased AWS profile per test (or file); exit 1 on any failure or lost file.
import { Option } from 'commander';
import { EXIT, InterruptedError } from '../errors.js';
import { planTestRun } from '../testrun/plan.js';
import { runTestPlan } from '../testrun/runner.js';
import { startTrace } from '../testrun/trace-run.js';
import type { Register } from './program.js';

export const registerTest: Register = (program, ctx, result) => {
  program
    .command('test')
    .description('run the mocha suite in parallel; every test leases one AWS profile for itself')
    .argument('[spec...]', 'spec files or globs, relative to test.cwd (default: test.spec from the config); after -- : extra mocha args')
    .option('--parallel', "mocha's parallel mode (always on; accepted for clarity)")
    .option('--profiles <list>', 'comma-separated profiles to lease (default: the healthy profiles of the last deploy, else config profiles, else UBER_PROFILES, else "default")')
    .option('--jobs <n>', 'mocha workers (default: the number of leasable profiles)')
    .addOption(new Option('--lease-scope <scope>', 'lease per test or per file').choices(['test', 'file']))
    .option('--lease-timeout <seconds>', 'fail a test that waits longer than this for a free profile (default: test.leaseTimeout)')
    .option('--reporter <name>', 'mocha reporter')
    .option('--shard <i/n>', 'run shard i of n (default: from CIRCLE_NODE_INDEX/CIRCLE_NODE_TOTAL)')
    .option('--retry-crashed <n>', 're-run files whose worker crashed, on a fresh worker, this many times', '1')
    .action(async (specs: string[], _opts: Record<string, string | undefined>, cmd: import('commander').Command) => {
      const opts = cmd.optsWithGlobals<Record<string, string | undefined>>();
      const trace = startTrace(ctx);
      const raw = (cmd.parent as { rawArgs?: string[] } | null)?.rawArgs ?? [];
      const dash = raw.indexOf('--');
      const extra = dash >= 0 ? raw.slice(dash + 1) : [];
      const plan = await planTestRun(
        {
          specs: specs.slice(0, specs.length - extra.length),
          extra,
          config: opts.config,
          profiles: opts.profiles,
          jobs: opts.jobs,
          leaseScope: opts.leaseScope,
          leaseTimeout: opts.leaseTimeout,
          reporter: opts.reporter,
          shard: opts.shard,
          retryCrashed: opts.retryCrashed,
        },
        ctx,
      );
      trace.mark('planned');
      if (plan.files.length === 0) {
        ctx.stderr.write(`uber: shard ${plan.shard?.index}/${plan.shard?.total} got no spec files; nothing to run.\n`);
        return;
      }
      const outcome = await runTestPlan(plan, ctx);
      trace.finish();
      if (outcome.interrupted) throw new InterruptedError('Interrupted: mocha and its workers were stopped and every lease was released.');
      result.code = outcome.ok ? EXIT.ok : EXIT.failed;
    });
};
