// What `uber pool status` shows: who holds which account of a shared pool, since when; who waits; and the pool probe.
import { dynamoClient } from '../dynamo/table.js';
import { why } from '../dynamo/why.js';
import { LeaseTable, type LeaseItem } from '../dynamo/lease.js';
import { UsageError } from '../errors.js';
import { now } from '../lease/clock.js';
import { secs } from '../util/format.js';
import type { PoolSpec } from './spec.js';
import { TICKET_STALE_MS, Waiters, type Ticket } from './waiters.js';

type Shared = Extract<PoolSpec, { kind: 'dynamodb' }>;

export interface PoolStatus {
  readonly pool: string;
  readonly leases: readonly LeaseItem[];
  readonly waiters: readonly Ticket[];
  /** This machine's clock when read (epoch ms), to say "3 s ago". */
  readonly at: number;
}

function unreachable(spec: Shared, e: unknown): UsageError {
  return new UsageError(
    'ERR_UBER_POOL_UNREACHABLE',
    `The shared pool ${spec.text} cannot be reached as profile "${spec.profile}" (${why(e)}); check that profile's credentials, region and endpoint_url, or use --pool local.`,
  );
}

/** Creates the pool's table if needed, in one short try: a pool that cannot be reached stops the run before anything starts. */
export async function probePool(spec: Shared, env: NodeJS.ProcessEnv): Promise<void> {
  const client = dynamoClient(spec.profile, env, { maxAttempts: 2, requestHandler: { connectionTimeout: 3000, requestTimeout: 5000, throwOnRequestTimeout: true } });
  try {
    await new LeaseTable({ client, table: spec.table, giveUpMs: 3000 }).ensure();
  } catch (e) {
    throw unreachable(spec, e);
  } finally {
    client.destroy();
  }
}

export async function readPoolStatus(spec: Shared, env: NodeJS.ProcessEnv): Promise<PoolStatus> {
  const client = dynamoClient(spec.profile, env, { requestHandler: { connectionTimeout: 3000, requestTimeout: 5000, throwOnRequestTimeout: true } });
  try {
    const table = new LeaseTable({ client, table: spec.table, giveUpMs: 8000 });
    const [leases, waiters] = await Promise.all([table.scan(), new Waiters(client, spec.table).list()]);
    return { pool: spec.text, leases, waiters, at: now() };
  } catch (e) {
    if ((e as Error).name === 'ResourceNotFoundException') return { pool: spec.text, leases: [], waiters: [], at: now() };
    throw unreachable(spec, e);
  } finally {
    client.destroy();
  }
}

const clock = (ms: number): string => `${new Date(ms).toISOString().slice(11, 19)}Z`;

/** One line per account, then the waiters; expired holders are said as such (the next lease takes them back). */
export function renderPoolStatus(s: PoolStatus): string {
  const lines = [`${s.pool}: ${s.leases.filter((l) => l.state === 'held').length} of ${s.leases.length} accounts held`];
  const width = Math.max(7, ...s.leases.map((l) => l.profile.length));
  for (const l of s.leases) {
    const name = l.profile.padEnd(width);
    if (l.state === 'free') {
      lines.push(`  ${name}  free${l.dirty ? ' (dirty: the next lease runs test.poolCleanup first)' : ''}, token ${l.token}`);
      continue;
    }
    const what = l.kind === 'deploy' ? `deploy ${l.run ?? ''}`.trim() : l.test ? `test "${l.test}"${l.file ? ` in ${l.file}` : ''}` : l.file ? `file ${l.file}` : 'no test';
    const expired = l.expires < s.at;
    const state = expired ? `EXPIRED ${secs(s.at - l.expires)} ago (no heartbeat: the next lease takes it back)` : `heartbeat ${secs(s.at - l.beat)} ago`;
    lines.push(`  ${name}  held by ${l.who} (${what}) since ${clock(l.since)} (${secs(s.at - l.since)}), ${state}, token ${l.token}`);
  }
  const live = s.waiters.filter((w) => s.at - w.beat <= TICKET_STALE_MS);
  if (live.length > 0) lines.push(`${live.length} waiting, oldest first:`, ...live.map((w) => `  ${w.who} since ${clock(w.arrived)} (${secs(s.at - w.arrived)})`));
  return `${lines.join('\n')}\n`;
}
