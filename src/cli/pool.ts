// `uber pool status`: who holds which account of the shared pool (--pool, test.pool or UBER_POOL), since when.
import { Option, type Command } from 'commander';
import { requireProfiles } from '../aws/profiles.js';
import { loadConfig } from '../config/load.js';
import { UsageError } from '../errors.js';
import { choosePool } from '../pool/spec.js';
import { readPoolStatus, renderPoolStatus } from '../pool/status.js';
import type { Register } from './program.js';

/** test.pool from the config, or undefined when there is no config. */
function configPool(cwd: string, explicit: string | undefined): string | undefined {
  try {
    return loadConfig(cwd, explicit).config.test.pool;
  } catch (e) {
    if (!explicit && e instanceof UsageError && e.code === 'ERR_UBER_CONFIG_MISSING') return undefined;
    throw e;
  }
}

export const registerPool: Register = (program, ctx) => {
  const pool = program.command('pool').description('the shared account pool (DynamoDB) of uber test --pool');
  pool
    .command('status')
    .description('who holds which account of the shared pool, since when, and who waits')
    .addOption(new Option('--pool <spec>', 'dynamodb:<profile>/<table> (default: test.pool, else UBER_POOL)'))
    .option('--json', 'print the leases and waiters as JSON on stdout')
    .action(async (_opts: unknown, cmd: Command) => {
      const o = cmd.optsWithGlobals<{ pool?: string; json?: boolean; config?: string }>();
      const spec = choosePool({ flag: o.pool, config: o.pool === undefined ? configPool(ctx.cwd, o.config) : undefined, env: ctx.env });
      if (spec.kind !== 'dynamodb') throw new UsageError('ERR_UBER_POOL_INVALID', 'No shared pool is configured (the pool is local lock files); pass --pool dynamodb:<profile>/<table>, or set test.pool or UBER_POOL.');
      requireProfiles([spec.profile], ctx.env);
      const status = await readPoolStatus(spec, ctx.env);
      ctx.stdout.write(o.json ? `${JSON.stringify(status, null, 2)}\n` : renderPoolStatus(status));
    });
};
