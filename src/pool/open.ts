// Opens the shared pool a spec names: a DynamoDB client as the pool's profile (no SDK retries: the lease table retries itself).
import { dynamoClient } from '../dynamo/table.js';
import { run } from '../exec/run.js';
import { SharedPool, type SharedPoolOptions } from './pool.js';
import { parseCleanup, type PoolSpec } from './spec.js';

export interface OpenPoolOptions extends Omit<SharedPoolOptions, 'client' | 'table' | 'cleanup'> {
  readonly spec: Extract<PoolSpec, { kind: 'dynamodb' }>;
  readonly env: NodeJS.ProcessEnv;
  /** test.poolCleanup: argv template with {profile}, run with AWS_PROFILE set to that profile. */
  readonly cleanup?: string | undefined;
  readonly cwd?: string | undefined;
}

export function openSharedPool(o: OpenPoolOptions): SharedPool {
  // a call may not outlive a good part of the lease (a heartbeat retries within it); 3 s at most
  const callMs = Math.round(Math.min(3000, Math.max(1000, o.leaseMs / 5)));
  const client = dynamoClient(o.spec.profile, o.env, { maxAttempts: 1, requestHandler: { connectionTimeout: callMs, requestTimeout: callMs, throwOnRequestTimeout: true } });
  const words = o.cleanup ? parseCleanup(o.cleanup) : undefined;
  const cleanup = words
    ? async (profile: string, signal: AbortSignal | undefined): Promise<void> => {
        const argv = words.map((w) => w.replaceAll('{profile}', profile));
        const env = { ...o.env, AWS_PROFILE: profile, UBER_PROFILE: profile };
        const r = await run(argv, { cwd: o.cwd ?? process.cwd(), env, signal, timeoutMs: 600_000 });
        if (r.reason !== 'exit' || r.exitCode !== 0) {
          const how = r.reason === 'exit' ? `exit ${r.exitCode}` : r.reason === 'signal' ? `signal ${r.signal}` : (r.errorMessage ?? r.reason);
          throw new Error(`The cleanup command (test.poolCleanup) for "${profile}", taken back from a dead holder, failed (${how}); the account stays marked dirty and the next lease runs the cleanup again.`);
        }
      }
    : undefined;
  return new SharedPool({ ...o, client, table: o.spec.table, cleanup });
}

/**
 * After a mocha attempt (uber, the parent, calls it): the accounts its dead workers still held go back to the shared
 * pool at once, instead of after their lease (another machine may be waiting). A failure leaves them to expire.
 */
export async function sweepDeadWorkers(o: Omit<OpenPoolOptions, 'who'>): Promise<string[]> {
  const pool = openSharedPool({ ...o, who: 'uber (sweeping dead workers)' });
  try {
    return await pool.sweepDead();
  } catch {
    return [];
  } finally {
    pool.o.client.destroy();
  }
}
