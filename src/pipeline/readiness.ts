// Which accounts of a pipelined run are ready for tests (every deploy into them succeeded), failed, skipped (a repo did not sync), or still deploying.
import type { PairOutcome } from '../deploy/events.js';
import type { Pair } from '../deploy/plan.js';

/** skipped: nothing failed, but a repo did not sync (a test run uses it), so this run did not deploy all of it. */
export type AccountState = 'deploying' | 'ready' | 'failed' | 'skipped';

export interface AccountChange {
  readonly profile: string;
  readonly state: Exclude<AccountState, 'deploying'>;
  /** Epoch ms of the change. */
  readonly at: number;
}

/** A pair that did not deploy (failed, cancelled, skipped) makes its account unfit for this run's tests; anything else counts as done. */
export const deployedWell = (o: Pick<PairOutcome, 'status'>): boolean => o.status !== 'failed' && o.status !== 'cancelled' && o.status !== 'skipped';

export class Readiness {
  /** Each profile's pairs (by id) without an outcome yet. */
  private readonly left = new Map<string, Set<string>>();
  private readonly bad = new Map<string, 'failed' | 'skipped'>();
  private readonly changes: AccountChange[] = [];

  /** Profiles without a pair (nothing to deploy into them) are ready at once. */
  constructor(readonly profiles: readonly string[], pairs: readonly Pair[], at = Date.now()) {
    for (const p of profiles) this.left.set(p, new Set());
    for (const pair of pairs) this.left.get(pair.profile)?.add(pair.id);
    for (const [profile, ids] of this.left) if (ids.size === 0) this.changes.push({ profile, state: 'ready', at });
  }

  /** Counts one pair's outcome; returns its account's change when this was the account's last pair. */
  settle(o: PairOutcome, at = Date.now()): AccountChange | undefined {
    const profile = o.pair.profile;
    const ids = this.left.get(profile);
    if (!ids?.delete(o.pair.id)) return undefined; // not ours, or already counted (never counted twice)
    if (!deployedWell(o)) this.bad.set(profile, o.status === 'skipped' && this.bad.get(profile) !== 'failed' ? 'skipped' : 'failed');
    if (ids.size > 0) return undefined;
    const change: AccountChange = { profile, state: this.bad.get(profile) ?? 'ready', at };
    this.changes.push(change);
    return change;
  }

  state(profile: string): AccountState {
    return this.changes.find((c) => c.profile === profile)?.state ?? 'deploying';
  }

  /** Every account's change so far, in the order they happened. */
  get settled(): readonly AccountChange[] {
    return this.changes;
  }

  get ready(): string[] {
    return this.changes.filter((c) => c.state === 'ready').map((c) => c.profile);
  }

  /** Accounts this run's tests must not get: a deploy failed, or a repo was skipped. */
  get failed(): string[] {
    return this.changes.filter((c) => c.state === 'failed' || c.state === 'skipped').map((c) => c.profile);
  }

  /** True once no account is still deploying. */
  get done(): boolean {
    return this.changes.length === this.left.size;
  }
}
