// The lifecycle of one pair in the deploy runner (queued → running → backoff → settled) and the counters it drives.

export type PairState = 'queued' | 'running' | 'backoff' | 'settled';

/** The allowed moves; anything else is a bug in uber. */
export const TRANSITIONS: Readonly<Record<PairState, readonly PairState[]>> = {
  queued: ['running', 'settled'], // started, or cancelled / refused before it ran
  running: ['backoff', 'settled'], // a transient failure waits to retry, or the pair has its outcome
  backoff: ['running', 'settled'], // retried, or cancelled while it waited
  settled: [],
};

/** Thrown on a move the table does not allow. */
export class PairStateBug extends Error {
  override readonly name = 'PairStateBug';
  readonly code = 'ERR_UBER_BUG';
}

/**
 * Holds every pair's state and the counters derived from it: how many run in all and per profile. The counters
 * change only in move(), so no path can count a pair twice or forget to count it down.
 */
export class PairStates<K> {
  private readonly states = new Map<K, PairState>();
  private readonly perProfile = new Map<string, number>();
  private runningNow = 0;

  constructor(
    keys: Iterable<K>,
    private readonly profileOf: (k: K) => string,
  ) {
    for (const k of keys) this.states.set(k, 'queued');
  }

  get(k: K): PairState {
    const s = this.states.get(k);
    if (s === undefined) throw new PairStateBug('bug: a pair the runner does not know');
    return s;
  }

  /** Moves k to `to`, adjusting the counters; throws a PairStateBug on an illegal move. */
  move(k: K, to: PairState): void {
    const from = this.get(k);
    if (!TRANSITIONS[from].includes(to)) throw new PairStateBug(`bug: a deploy pair cannot go from ${from} to ${to}`);
    this.states.set(k, to);
    const profile = this.profileOf(k);
    const delta = (to === 'running' ? 1 : 0) - (from === 'running' ? 1 : 0);
    this.runningNow += delta;
    this.perProfile.set(profile, (this.perProfile.get(profile) ?? 0) + delta);
  }

  get running(): number {
    return this.runningNow;
  }

  runningIn(profile: string): number {
    return this.perProfile.get(profile) ?? 0;
  }

  /** True when every pair of the profile is settled. */
  profileSettled(profile: string): boolean {
    for (const [k, s] of this.states) if (s !== 'settled' && this.profileOf(k) === profile) return false;
    return true;
  }

  get allSettled(): boolean {
    for (const s of this.states.values()) if (s !== 'settled') return false;
    return true;
  }
}
