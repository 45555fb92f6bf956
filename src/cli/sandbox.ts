// `uber sandbox up|down|status`: local DynamoDB accounts (dynalite) with their own AWS profile files.
import type { Command } from 'commander';
import path from 'node:path';
import { findConfig } from '../config/load.js';
import { say, type Ctx } from '../context.js';
import { UsageError } from '../errors.js';
import { parseWhole } from '../options/whole.js';
import { exportLines } from '../sandbox/aws-files.js';
import { sandboxDown, sandboxStatus, sandboxUp, type SandboxStatus } from '../sandbox/control.js';
import { DEFAULT_BASE_PORT, MAX_ACCOUNTS, type SandboxAccount } from '../sandbox/layout.js';
import { uberPaths } from '../state/paths.js';
import { columns } from '../util/format.js';
import type { Register } from './program.js';

/** --dir, else .uber/sandbox beside the config file, else beside the current folder. */
function sandboxDir(cmd: Command, ctx: Ctx): string {
  const opts = cmd.optsWithGlobals<{ dir?: string; config?: string }>();
  if (opts.dir) return path.resolve(ctx.cwd, opts.dir);
  let projectDir = ctx.cwd;
  try {
    projectDir = path.dirname(findConfig(ctx.cwd, opts.config));
  } catch (e) {
    if (opts.config) throw e; // an explicit --config that does not exist is a mistake; no config at all is fine
  }
  return uberPaths(projectDir).sandbox;
}

function accountLines(accounts: readonly SandboxAccount[], up?: readonly boolean[]): string[] {
  const health = (i: number): string => (up ? (up[i] ? '  up' : '  NOT ANSWERING') : '');
  return columns(accounts.map((a, i) => [a.profile, a.region, `${a.endpoint}${health(i)}`]), { left: true }).map((line) => `  ${line}`);
}

function statusJson(s: SandboxStatus): string {
  return `${JSON.stringify(
    {
      state: s.state,
      dir: s.files.dir,
      pid: s.pid ?? null,
      inMemory: s.runtime?.inMemory ?? null,
      awsConfigFile: s.files.awsConfig,
      awsCredentialsFile: s.files.awsCredentials,
      accounts: (s.runtime?.accounts ?? []).map((a, i) => ({ ...a, up: s.up[i] ?? false })),
    },
    null,
    2,
  )}\n`;
}

export const registerSandbox: Register = (program, ctx, result) => {
  const sandbox = program
    .command('sandbox')
    .description('local AWS accounts for demos and tests: one dynalite server per account, profiles sandbox-1..N')
    .action(() => {
      throw new UsageError('ERR_UBER_USAGE', 'uber sandbox needs a sub-command: up, down or status; run uber sandbox --help for their options.');
    });
  const dirOption = ['--dir <dir>', 'sandbox folder (default: .uber/sandbox beside uber.config.yaml, else in the current folder)'] as const;

  sandbox
    .command('up')
    .description('start N local accounts (or reuse the running ones) and print the two export lines that point the SDK at them')
    .option('--accounts <n>', 'number of accounts', '3')
    .option(...dirOption)
    .option('--in-memory', 'keep the accounts in memory instead of on disk in the sandbox folder')
    .option('--port <port>', 'first loopback port to try; ports in use are skipped', String(DEFAULT_BASE_PORT))
    .action(async (opts: { accounts: string; inMemory?: boolean; port: string }, cmd: Command) => {
      const accounts = parseWhole('--accounts', opts.accounts, 1, MAX_ACCOUNTS);
      const basePort = parseWhole('--port', opts.port, 1024, 65535);
      const dir = sandboxDir(cmd, ctx);
      const { runtime, reused, files } = await sandboxUp({ dir, accounts, inMemory: Boolean(opts.inMemory), basePort, ctx });
      const where = runtime.inMemory ? 'in memory' : `data in ${files.data}`;
      say(ctx, `uber sandbox: ${reused ? 'reusing' : 'started'} ${runtime.accounts.length} local account(s) (pid ${runtime.pid}, ${where})`);
      for (const line of accountLines(runtime.accounts)) say(ctx, line);
      say(ctx, `Profiles are in ${path.dirname(files.awsConfig)} (your ~/.aws is untouched). Point the SDK and uber at them:`);
      ctx.stdout.write(`${exportLines(files).join('\n')}\n`);
      say(ctx, 'Stop the accounts with: uber sandbox down');
      result.code = 0;
    });

  sandbox
    .command('down')
    .description('stop the local accounts and remove their AWS files (data on disk stays for the next up)')
    .option(...dirOption)
    .action(async (_opts: unknown, cmd: Command) => {
      const { files, stopped } = await sandboxDown(sandboxDir(cmd, ctx));
      say(ctx, stopped ? `uber sandbox: stopped (pid ${stopped.pid}${stopped.how === 'killed' ? ', killed after it ignored SIGTERM' : ''})` : `uber sandbox: nothing runs in ${files.dir}`);
      result.code = 0;
    });

  sandbox
    .command('status')
    .description('tell what runs where: pid, profiles, regions, endpoints, and whether each answers')
    .option(...dirOption)
    .option('--json', 'print the status as JSON on stdout')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const s = await sandboxStatus(sandboxDir(cmd, ctx));
      if (opts.json) ctx.stdout.write(statusJson(s));
      else if (s.state === 'stopped') say(ctx, `uber sandbox: not running (${s.files.dir}); start it with: uber sandbox up`);
      else {
        const accounts = s.runtime?.accounts ?? [];
        say(ctx, `uber sandbox: ${s.state === 'running' ? 'running' : 'NOT HEALTHY (starting, or some accounts do not answer)'} — pid ${s.pid}, ${s.files.dir}`);
        if (accounts.length) for (const line of accountLines(accounts, s.up)) say(ctx, line);
        say(ctx, `  AWS_CONFIG_FILE=${s.files.awsConfig}`);
        say(ctx, `  AWS_SHARED_CREDENTIALS_FILE=${s.files.awsCredentials}`);
      }
      result.code = 0;
    });
};
