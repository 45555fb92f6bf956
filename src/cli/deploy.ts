// `uber deploy`: parse flags, run the deploy core, set the exit code (1 when any deploy failed).
import { Option } from 'commander';
import { deploy, type DeployFlags } from '../deploy/deploy.js';
import { PROFILES_HELP } from '../options/profiles.js';
import type { Register } from './program.js';

export const registerDeploy: Register = (program, ctx, result) => {
  program
    .command('deploy')
    .description('sync, then deploy every changed service into every profile in parallel, each in its own isolated copy')
    .addOption(new Option('--branch <name>', 'branch every repo deploys from (required)'))
    .addOption(new Option('--profiles <list>', PROFILES_HELP))
    .addOption(new Option('--retry <n>', 'extra attempts for transient failures (default: deploy.retries)'))
    .addOption(new Option('--concurrency <n>', 'deploys at once, or "auto" (default: deploy.concurrency)'))
    .addOption(new Option('--no-sync', 'deploy the repos as they are on disk, without git'))
    .addOption(new Option('--fail-fast', 'cancel everything queued or running at the first permanent failure'))
    .addOption(new Option('--keep-temp', 'keep each deploy\'s temp copy and HOME for debugging'))
    .addOption(new Option('--force', "deploy every pair, even where the account's record shows the same fingerprint"))
    .addOption(new Option('--dry-run', 'sync, then print what would deploy and which input changed; deploy nothing'))
    .addOption(new Option('--json', 'print the run as JSON on stdout'))
    .action(async (_opts: unknown, cmd: { optsWithGlobals: () => Record<string, unknown> }) => {
      const o = cmd.optsWithGlobals();
      const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
      const flags: DeployFlags = {
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
      const { ok } = await deploy(ctx, flags);
      result.code = ok ? 0 : 1;
    });
};
