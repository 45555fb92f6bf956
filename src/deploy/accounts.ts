// A deploy takes each account exclusively through the lease store the tests use: it waits for the holders (saying who), up to deploy.lockTimeout.
import { LeasePool, LeaseTimeoutError } from '../lease/pool.js';
import type { HeldLease } from '../lease/lease.js';
import type { SharedPool } from '../pool/pool.js';
import { describeOwner } from '../lease/owner.js';
import type { LeaseStore } from '../lease/store.js';
import { secs } from '../util/format.js';
import type { PairOutcome } from './events.js';
import type { AccountGate } from './runner.js';

export interface AccountLockOptions {
  readonly store: LeaseStore;
  /** A shared pool (test.pool / UBER_POOL): accounts are taken there, so no machine's tests or deploys use them meanwhile. */
  readonly shared?: SharedPool | undefined;
  readonly runId: string;
  /** How long to wait for one account's holders; then that account's pairs fail. */
  readonly timeoutMs: number;
  /** Someone holds the account: who (one sentence part, e.g. "pid 12 (test "x" in a.spec.ts, since 02:10:33Z)"). */
  readonly onWait?: ((profile: string, holder: string) => void) | undefined;
  /** The account is ours, before its first deploy (e.g. mark it as being deployed in state.json). */
  readonly onTaken?: ((profile: string) => Promise<void>) | undefined;
  /** Every pair of the account settled, while it is still held (record the outcomes), before it is freed. */
  readonly onSettled?: ((profile: string, outcomes: readonly PairOutcome[]) => Promise<void>) | undefined;
  /**
   * After onSettled, instead of freeing the account: true when the caller keeps it held and will call `release`
   * itself (uber run keeps an account whose deploy failed, so its tests never lease it).
   */
  readonly keep?: ((profile: string, outcomes: readonly PairOutcome[], release: () => Promise<unknown>) => boolean) | undefined;
}

export function accountLocks(o: AccountLockOptions): AccountGate {
  const taking = new Map<string, Promise<HeldLease | undefined>>();
  const meta = { kind: 'deploy' as const, run: o.runId, test: null, file: null };

  const held = (profile: string): string => `account "${profile}" stayed held for ${secs(o.timeoutMs)} (deploy.lockTimeout)`;
  const fix = 'its deploys did not run — deploy again once it is free, or raise deploy.lockTimeout.';

  const acquireShared = async (pool: SharedPool, profile: string, signal: AbortSignal): Promise<HeldLease> => {
    const one = pool.narrow([profile]);
    const item = (await one.status()).get(profile);
    if (item?.state === 'held') o.onWait?.(profile, `${item.who} (${item.kind === 'deploy' ? `deploy ${item.run ?? ''}`.trim() : `test "${item.test ?? ''}"`}, through the shared pool)`);
    try {
      return await one.acquire(meta, { timeoutMs: o.timeoutMs, signal });
    } catch (e) {
      if (!(e instanceof LeaseTimeoutError)) throw e;
      const last = (await one.status().catch(() => undefined))?.get(profile);
      throw new Error(`${held(profile)} in the shared pool ${pool.o.table}, last by ${last?.who ?? 'nobody'}; ${fix}`, { cause: e });
    }
  };

  const acquire = async (profile: string, signal: AbortSignal): Promise<HeldLease> => {
    if (o.shared) return acquireShared(o.shared, profile, signal);
    const now = await o.store.tryAcquire(profile, meta);
    if (now) return now;
    const seen = o.store.view(profile);
    if (seen && seen.verdict !== 'live' && o.store.breakIfDead(profile, seen)) {
      const freed = await o.store.tryAcquire(profile, meta); // a killed holder's lock: nobody to wait for
      if (freed) return freed;
    }
    o.onWait?.(profile, describeOwner(o.store.view(profile)?.owner));
    const pool = new LeasePool(o.store, [profile]);
    try {
      return await pool.acquire(meta, { timeoutMs: o.timeoutMs, signal });
    } catch (e) {
      if (!(e instanceof LeaseTimeoutError)) throw e;
      const holder = describeOwner(o.store.view(profile)?.owner);
      throw new Error(
        `account "${profile}" stayed held for ${secs(o.timeoutMs)} (deploy.lockTimeout), last by ${holder}; its deploys did not run — deploy again once it is free, or raise deploy.lockTimeout.`,
        { cause: e },
      );
    } finally {
      pool.close();
    }
  };

  return {
    async take(profile, signal) {
      const lease = acquire(profile, signal);
      taking.set(profile, lease.catch(() => undefined));
      await lease;
      await o.onTaken?.(profile);
    },
    async settled(profile, outcomes) {
      const lease = await taking.get(profile);
      try {
        await o.onSettled?.(profile, outcomes);
      } finally {
        if (!(lease && o.keep?.(profile, outcomes, () => lease.release()))) await lease?.release();
      }
    },
  };
}
