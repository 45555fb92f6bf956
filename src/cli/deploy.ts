// `uber deploy`: parse flags, show the run (sync view, deploy view), run the deploy core, print its end, set the exit code.
import { Option } from 'commander';
import type { Ctx } from '../context.js';
import { deploy, type DeployFlags, type DeployResult } from '../deploy/deploy.js';
import { createView, type DeployView } from '../deploy/view.js';
import { InterruptedError, RunFailedError } from '../errors.js';
import { collectSecrets, Redactor } from '../redact.js';
import { printPlan, printSkips } from '../report/deploy-changed.js';
import { printDeployEnd } from '../report/deploy-end.js';
import { syncWithView } from '../workspace/view.js';
import { PROFILES_HELP } from '../options/profiles.js';
import type { Register } from './program.js';

/** The command behind the flags: views on stderr, the deploy, its end printed; 0 or 1, or throws (interrupted, unsaved state). */
export async function deployCommand(ctx: Ctx, flags: DeployFlags): Promise<{ code: 0 | 1; result: DeployResult }> {
  const redactor = new Redactor(collectSecrets(ctx.env));
  let view: DeployView | undefined;
  let res: DeployResult;
  try {
    res = await deploy(ctx, flags, {
      // json: false — deploy prints one JSON document of its own; sync's table still goes to stderr
      sync: (opts) => syncWithView({ ...opts, json: false }),
      onPlan: ({ pairs, profiles, changed }) => {
        if (flags.dryRun) return;
        printSkips(ctx, changed);
        view = createView(ctx, pairs, profiles, redactor);
      },
      onNote: (line) => void ctx.stderr.write(`${redactor.redact(line)}\n`),
      onEvent: (e) => view?.onEvent(e),
    });
  } finally {
    await view?.finish();
  }
  if (res.dryRun) {
    printPlan(ctx, res.plan, flags.json);
    return { code: 0, result: res };
  }
  printDeployEnd(ctx, res, flags.json, redactor);
  if (res.unsaved && !res.interrupted) throw new RunFailedError(res.unsaved);
  if (res.interrupted) throw ctx.signal.reason instanceof InterruptedError ? ctx.signal.reason : new InterruptedError();
  return { code: res.ok ? 0 : 1, result: res };
}

/** uber deploy's flags, shared with uber run (which leaves out --dry-run and --json). */
export function deployOptions(): Option[] {
  return [
    new Option('--branch <name>', 'branch every repo deploys from (required)'),
    new Option('--profiles <list>', PROFILES_HELP),
    new Option('--retry <n>', 'extra attempts for transient failures (default: deploy.retries)'),
    new Option('--concurrency <n>', 'deploys at once, or "auto" (default: deploy.concurrency)'),
    new Option('--no-sync', 'deploy the repos as they are on disk, without git'),
    new Option('--fail-fast', 'cancel everything queued or running at the first permanent failure'),
    new Option('--keep-temp', 'keep each deploy\'s temp copy and HOME for debugging'),
    new Option('--force', "deploy every pair, even where the account's record shows the same fingerprint"),
    new Option('--dry-run', 'sync, then print what would deploy and which input changed; deploy nothing'),
    new Option('--json', 'print the run as JSON on stdout'),
  ];
}

/** The parsed flags (commander's optsWithGlobals) as the deploy core takes them. */
export function deployFlags(o: Record<string, unknown>): DeployFlags {
  const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
  return {
    config: str(o.config),
    branch: str(o.branch),
    profiles: str(o.profiles),
    retry: str(o.retry),
    concurrency: str(o.concurrency),
    sync: o.sync !== false,
    failFast: o.failFast === true,
    keepTemp: o.keepTemp === true,
    json: o.json === true,
    force: o.force === true,
    dryRun: o.dryRun === true,
  };
}

export const registerDeploy: Register = (program, ctx, result) => {
  const cmd = program.command('deploy').description('sync, then deploy every changed service into every profile in parallel, each in its own isolated copy');
  for (const option of deployOptions()) cmd.addOption(option);
  cmd.action(async (_opts: unknown, c: { optsWithGlobals: () => Record<string, unknown> }) => {
    result.code = (await deployCommand(ctx, deployFlags(c.optsWithGlobals()))).code;
  });
};
