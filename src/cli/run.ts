// `uber run`: sync, then deploy and test pipelined per account; the deploy's and the test's own flags, one summary; exit 1 on any failure.
import path from 'node:path';
import { Command } from 'commander';
import { say, type Ctx } from '../context.js';
import { createView, type DeployView } from '../deploy/view.js';
import { EXIT, InterruptedError, RunFailedError } from '../errors.js';
import { runPipeline, type RunFlags, type RunResult } from '../pipeline/pipeline.js';
import { renderRunSummary } from '../pipeline/summary.js';
import { writeRunWaterfall } from '../pipeline/timeline.js';
import { collectSecrets, Redactor } from '../redact.js';
import { printSkips } from '../report/deploy-changed.js';
import { printDeployEnd } from '../report/deploy-end.js';
import { startTrace } from '../testrun/trace-run.js';
import { syncWithView } from '../workspace/view.js';
import { deployFlags, deployOptions } from './deploy.js';
import type { Register } from './program.js';
import { testFlags, testOptions } from './test.js';

/** Flags of uber deploy that make no sense for uber run (its output is the run summary; a dry run tests nothing). */
const NOT_FOR_RUN = new Set(['--json', '--dry-run', '--queue', '--run-id']); // uber run is one machine: no shared queue

function summaryOf(res: RunResult): string {
  const count = (s: string): number => res.deploy.outcomes.filter((o) => o.status === s).length;
  const tests = res.tests?.files.flatMap((f) => f.tests);
  return renderRunSummary({
    times: res.times,
    accounts: res.accounts,
    deploys: { ok: count('ok') + count('no-op'), failed: count('failed'), cancelled: count('cancelled'), skipped: count('skipped'), unchanged: count('unchanged') },
    tests: res.tests && tests ? { passed: tests.filter((t) => t.state === 'passed').length, failed: tests.filter((t) => t.state === 'failed').length, ok: res.tests.ok } : undefined,
    noTests: res.noTests,
  });
}

/**
 * The command behind the flags: the deploy shown as plain lines (mocha writes beside it), both ends printed; 0 or 1, or
 * throws. With --debug or UBER_TRACE=1 the phase trace of uber, mocha and its workers (src/testrun/trace.ts) is printed
 * at the end, with when each account was held and ready.
 */
export async function runCommand(ctx: Ctx, flags: RunFlags): Promise<{ code: 0 | 1; result: RunResult }> {
  const trace = startTrace(ctx);
  const redactor = new Redactor(collectSecrets(ctx.env));
  let view: DeployView | undefined;
  let res: RunResult;
  try {
    res = await runPipeline(ctx, flags, {
      sync: (opts) => syncWithView({ ...opts, json: false }),
      // plain lines, never a live tree: mocha's reporter writes at the same time
      onPlan: ({ pairs, profiles, changed }) => {
        trace.mark('deploy planned');
        printSkips(ctx, changed);
        view = createView({ stderr: ctx.stderr, interactive: false }, pairs, profiles, redactor);
      },
      onNote: (line) => void ctx.stderr.write(`${redactor.redact(line)}\n`),
      onEvent: (e) => view?.onEvent(e),
      onAccount: (c) => {
        trace.mark(`${c.profile} ${c.state}`);
        say(ctx, {
          ready: `uber run: ${c.profile} is deployed; its tests can lease it.`,
          failed: `uber run: a deploy into ${c.profile} failed; it will not be tested.`,
          skipped: `uber run: a repo did not sync, so ${c.profile} was not deployed; it will not be tested.`,
        }[c.state]);
      },
      onTestsStart: (ready) => {
        trace.mark('every account held: mocha gets its command line');
        say(ctx, ready.length > 0
          ? `uber run: tests start on ${ready.join(', ')}; the other accounts join as their deploys end.`
          : 'uber run: tests start while every account deploys; each account joins as its deploys end.');
      },
      onDeployEnd: async (r) => {
        trace.mark('deploys ended');
        await view?.finish();
        view = undefined;
        printDeployEnd(ctx, r, false, redactor);
      },
    });
  } finally {
    await view?.finish();
  }
  say(ctx, summaryOf(res));
  if (res.tests) {
    const tests = res.tests?.files.flatMap((f) => f.tests) ?? [];
    const input = { start: res.times.start, profiles: res.deploy.profiles, outcomes: res.deploy.outcomes, tests, accounts: res.accounts, testStart: res.times.testStart };
    say(ctx, `uber run: deploys and tests on one time axis: ${writeRunWaterfall(input, path.join(res.tests.run?.reports ?? res.reports, 'run-waterfall.html'))}`);
  }
  trace.finish();
  if (res.interrupted) throw ctx.signal.reason instanceof InterruptedError ? ctx.signal.reason : new InterruptedError('Interrupted: deploys and tests were stopped, children killed and every account released.');
  if (res.deploy.unsaved) throw new RunFailedError(res.deploy.unsaved);
  return { code: res.ok ? 0 : 1, result: res };
}

export const registerRun: Register = (program, ctx, result) => {
  const cmd = program
    .command('run')
    .description('sync, then deploy and test at once: each account is tested as soon as its own deploys are done')
    .argument('[spec...]', 'spec files or globs, relative to test.cwd (default: test.spec from the config); after -- : extra mocha args');
  const seen = new Set<string>();
  for (const option of [...deployOptions(), ...testOptions()]) {
    if (seen.has(option.long ?? '') || NOT_FOR_RUN.has(option.long ?? '')) continue; // --profiles: one list for both phases
    seen.add(option.long ?? '');
    cmd.addOption(option);
  }
  cmd.action(async (specs: string[], _opts: unknown, c: Command) => {
    const o = c.optsWithGlobals<Record<string, unknown>>();
    const raw = (c.parent as { rawArgs?: string[] } | null)?.rawArgs ?? [];
    const { profiles: _p, config: _c, ...test } = testFlags(specs, o, raw);
    const { code } = await runCommand(ctx, { deploy: { ...deployFlags(o), json: false, dryRun: false }, test });
    result.code = code === 0 ? EXIT.ok : EXIT.failed;
  });
};
