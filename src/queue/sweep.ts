// What a machine whose own list is done does with the queue: which units to take over, which to give up, or wait.
//
// A holder is dead when its beat counter has not moved for a whole lease on the watcher's own clock (the DynamoDB
// Lock Client's record-version rule): no two machines' clocks are ever compared.
import { MAX_ATTEMPTS, type QueueUnit } from './items.js';
import type { Snapshot } from './store.js';

/** Remembers when each holder's beat counter last moved, as this machine saw it. */
export class Liveness {
  private readonly seen = new Map<string, { beat: number; at: number }>();

  observe(beats: ReadonlyMap<string, number>, now: number): void {
    for (const [owner, beat] of beats) {
      const s = this.seen.get(owner);
      if (!s || s.beat !== beat) this.seen.set(owner, { beat, at: now });
    }
  }

  /** True once `owner` has not beaten for `leaseMs` (an owner never seen beating counts from its first sighting). */
  dead(owner: string, now: number, leaseMs: number): boolean {
    const s = this.seen.get(owner);
    if (!s) {
      this.seen.set(owner, { beat: -1, at: now });
      return false;
    }
    return now - s.at >= leaseMs;
  }
}

export interface SweepPlan {
  /** Free units (an increment of the cursor that was lost, a unit given back): claim as they are. */
  readonly free: QueueUnit[];
  /** Held by a dead machine, with an attempt left: take over under the next token. */
  readonly takeOver: QueueUnit[];
  /** Held by a dead machine on its last attempt: fail with the reason. */
  readonly giveUp: QueueUnit[];
  /** Held by live machines: wait for them. */
  readonly waiting: QueueUnit[];
  /** Nothing free and nothing held: the run is over. */
  readonly drained: boolean;
}

/** Sorts the queue's units by what this machine should do (`mine`: units it knows it holds, never its own to take). */
export function planSweep(snap: Snapshot, me: string, mine: ReadonlySet<number>, dead: (owner: string) => boolean): SweepPlan {
  const free: QueueUnit[] = [];
  const takeOver: QueueUnit[] = [];
  const giveUp: QueueUnit[] = [];
  const waiting: QueueUnit[] = [];
  for (const u of snap.units) {
    if (u.state === 'free') free.push(u);
    else if (u.state !== 'held') continue;
    else if (u.owner === me ? !mine.has(u.n) : u.owner === null || dead(u.owner)) (u.attempts >= MAX_ATTEMPTS ? giveUp : takeOver).push(u);
    else waiting.push(u);
  }
  return { free, takeOver, giveUp, waiting, drained: free.length + takeOver.length + giveUp.length + waiting.length === 0 && snap.head !== undefined };
}
