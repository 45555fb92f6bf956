// `uber test`: mocha's parallel mode with one leased AWS profile per test (or file); exit 1 on any failure or lost file.
import { Option, type Command } from 'commander';
import { EXIT, InterruptedError } from '../errors.js';
import { planTestRun, type TestOptions } from '../testrun/plan.js';
import { runTestPlan } from '../testrun/runner.js';
import { earlyMocha } from '../testrun/early.js';
import { startTrace } from '../testrun/trace-run.js';
import type { Register } from './program.js';

/** uber test's flags, shared with uber run (which takes --profiles from its deploy side). */
export function testOptions(): Option[] {
  return [
    new Option('--parallel', "mocha's parallel mode (always on; accepted for clarity)"),
    new Option('--profiles <list>', 'comma-separated profiles to lease (default: the healthy profiles of the last deploy, else config profiles, else UBER_PROFILES, else "default")'),
    new Option('--jobs <n>', 'mocha workers (default: the number of leasable profiles)'),
    new Option('--lease-scope <scope>', 'lease per test or per file').choices(['test', 'file']),
    new Option('--lease-timeout <seconds>', 'fail a test that waits longer than this for a free profile (default: test.leaseTimeout)'),
    new Option('--reporter <name>', 'mocha reporter'),
    new Option('--shard <i/n>', 'run shard i of n (default: from CIRCLE_NODE_INDEX/CIRCLE_NODE_TOTAL)'),
    new Option('--pool <spec>', 'where leases live: local (lock files) or dynamodb:<profile>/<table>, shared by every machine (default: test.pool, else UBER_POOL, else local)'),
    new Option('--retry-crashed <n>', 're-run files whose worker crashed, on a fresh worker, this many times').default('1'),
    new Option('--queue', "every machine of the run pulls spec files and units from one queue in the pool's table (needs a DynamoDB pool)"),
    new Option('--run-id <id>', 'the id every machine of a --queue run shares (default on CircleCI: CIRCLE_WORKFLOW_ID-CIRCLE_JOB)'),
  ];
}

/** The spec arguments and parsed flags as the test planner takes them; words after `--` go to mocha. */
export function testFlags(specs: readonly string[], o: Record<string, unknown>, rawArgs: readonly string[]): TestOptions {
  const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
  const dash = rawArgs.indexOf('--');
  const extra = dash >= 0 ? rawArgs.slice(dash + 1) : [];
  return {
    specs: specs.slice(0, specs.length - extra.length),
    extra,
    config: str(o.config),
    profiles: str(o.profiles),
    jobs: str(o.jobs),
    leaseScope: str(o.leaseScope),
    leaseTimeout: str(o.leaseTimeout),
    reporter: str(o.reporter),
    shard: str(o.shard),
    pool: str(o.pool),
    retryCrashed: str(o.retryCrashed),
    queue: o.queue === true,
    runId: str(o.runId),
  };
}

export const registerTest: Register = (program, ctx, result) => {
  const cmd = program
    .command('test')
    .description('run the mocha suite in parallel; every test leases one AWS profile for itself')
    .argument('[spec...]', 'spec files or globs, relative to test.cwd (default: test.spec from the config); after -- : extra mocha args');
  for (const option of testOptions()) cmd.addOption(option);
  cmd.action(async (specs: string[], _opts: unknown, c: Command) => {
    const trace = startTrace(ctx);
    // mocha's process started with uber (src/cli/main.ts) and loaded while uber planned; main lets it go when
    // the plan fails, there is nothing to run, or the run fails before starting it
    const raw = (c.parent as { rawArgs?: string[] } | null)?.rawArgs ?? [];
    const plan = await planTestRun(testFlags(specs, c.optsWithGlobals<Record<string, unknown>>(), raw), ctx);
    trace.mark('planned');
    if (plan.files.length === 0) {
      ctx.stderr.write(`uber: shard ${plan.shard?.index}/${plan.shard?.total} got no spec files; nothing to run.\n`);
      return;
    }
    const outcome = await runTestPlan(plan, ctx, earlyMocha());
    trace.finish();
    if (outcome.interrupted) throw new InterruptedError('Interrupted: mocha and its workers were stopped and every lease was released.');
    result.code = outcome.ok ? EXIT.ok : EXIT.failed;
  });
};
