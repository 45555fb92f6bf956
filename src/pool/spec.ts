// Where leases live: `local` (lock files on this machine) or `dynamodb:<profile>/<table>` (one pool shared across machines).
import { splitTemplate } from '../deploy/template.js';
import { UsageError } from '../errors.js';

/** A parsed --pool: today's lock files, or a DynamoDB table reached with one profile's own credentials and endpoint. */
export type PoolSpec =
  | { readonly kind: 'local'; readonly text: 'local' }
  | { readonly kind: 'dynamodb'; readonly profile: string; readonly table: string; readonly text: string };

/** Where a pool spec came from, for the error message. */
export type PoolSource = '--pool' | 'test.pool' | 'UBER_POOL';

export const DEFAULT_POOL: PoolSpec = { kind: 'local', text: 'local' };
/** Seconds a shared-pool lease lasts without a heartbeat (heartbeats come every lease / 6). */
export const DEFAULT_POOL_LEASE_S = 60;

const TABLE = /^[\w.-]{3,255}$/;
const PROFILE = /^[^\s/]+$/;

function bad(from: PoolSource, text: string, why: string): UsageError {
  return new UsageError('ERR_UBER_POOL_INVALID', `${from} "${text}" is not a pool (${why}); use local or dynamodb:<profile>/<table>, e.g. --pool dynamodb:ci-pool/uber-leases.`);
}

/** Parses "local" or "dynamodb:<profile>/<table>"; anything else is a UsageError (ERR_UBER_POOL_INVALID, exit 2). */
export function parsePoolSpec(text: string, from: PoolSource = '--pool'): PoolSpec {
  const t = text.trim();
  if (t === 'local') return DEFAULT_POOL;
  const m = /^dynamodb:(.*)$/.exec(t);
  if (!m) throw bad(from, text, t === '' ? 'it is empty' : 'it must be local or start with dynamodb:');
  const rest = m[1]!;
  const slash = rest.indexOf('/');
  if (slash < 0) throw bad(from, text, 'the profile and the table are separated by /');
  const profile = rest.slice(0, slash);
  const table = rest.slice(slash + 1);
  if (!PROFILE.test(profile)) throw bad(from, text, 'the profile is empty or has a space');
  if (!TABLE.test(table)) throw bad(from, text, 'the table name must be 3-255 of A-Z a-z 0-9 _ . -');
  return { kind: 'dynamodb', profile, table, text: `dynamodb:${profile}/${table}` };
}

export interface PoolInputs {
  /** --pool as typed; undefined when not given. */
  readonly flag: string | undefined;
  /** The config's test.pool (undefined when unset). */
  readonly config: string | undefined;
  readonly env: NodeJS.ProcessEnv;
}

/** The pool: --pool, else config test.pool, else UBER_POOL, else local (the same order as --profiles). */
export function choosePool(i: PoolInputs): PoolSpec {
  if (i.flag !== undefined) return parsePoolSpec(i.flag, '--pool');
  if (i.config !== undefined) return parsePoolSpec(i.config, 'test.pool');
  if (i.env.UBER_POOL) return parsePoolSpec(i.env.UBER_POOL, 'UBER_POOL');
  return DEFAULT_POOL;
}

export interface PoolLeaseInputs {
  /** Config test.poolLease in seconds (undefined when unset). */
  readonly config: number | undefined;
  readonly env: NodeJS.ProcessEnv;
}

/** Lease time in ms: config test.poolLease, else UBER_POOL_LEASE, else 60 s; 1 s at least (tests use short leases). */
export function choosePoolLeaseMs(i: PoolLeaseInputs): number {
  if (i.config !== undefined) return i.config * 1000;
  const text = i.env.UBER_POOL_LEASE;
  if (text === undefined || text.trim() === '') return DEFAULT_POOL_LEASE_S * 1000;
  const s = Number(text.trim());
  if (!Number.isFinite(s) || s < 1) {
    throw new UsageError('ERR_UBER_POOL_INVALID', `UBER_POOL_LEASE must be a number of seconds of at least 1, not "${text}"; e.g. UBER_POOL_LEASE=60.`);
  }
  return s * 1000;
}

/** The argv template of test.poolCleanup, checked once (a UsageError names the key). */
export function parseCleanup(template: string): string[] {
  try {
    return splitTemplate(template);
  } catch (e) {
    const why = (e as Error).message.replace(/^deploy\.command /, '').replace(/; .*$/, '');
    throw new UsageError('ERR_UBER_POOL_INVALID', `test.poolCleanup ${why}; fix it in uber.config.yaml (an argv template, never a shell, e.g. "npm run clean -- {profile}").`);
  }
}
