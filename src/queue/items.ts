// The shared queue's items in the pool table: one head, one item per machine (its heartbeat), one per unit of work.
//
// All under pk "queue#<run id>": sk "head" (unit count, the claim cursor, the plan's fingerprint), "machine#<owner>"
// (a beat counter each holder bumps every lease / 6) and "unit#000042" (one spec file or split unit, its state).
// A unit goes free → held (owner, fencing token, attempts) → done (passed/failed) or failed (with the reason);
// a held unit whose holder stopped beating is held again by another machine, with the next token.
import { createHash } from 'node:crypto';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { RunItem } from '../testrun/units.js';

export type UnitState = 'free' | 'held' | 'done' | 'failed';
/** What a finished unit reported: the outcome of its last attempt. */
export type UnitResult = 'passed' | 'failed' | 'crashed' | 'load-failed';

/** A unit of the queue as read back. */
export interface QueueUnit {
  readonly n: number;
  readonly item: RunItem;
  readonly state: UnitState;
  readonly owner: string | null;
  /** Fencing token: 0 while never held, then one more on every claim. */
  readonly token: number;
  readonly attempts: number;
  readonly result: UnitResult | null;
  readonly reason: string | null;
}

export interface QueueHead {
  readonly count: number;
  readonly cursor: number;
  readonly fingerprint: string;
  readonly creator: string;
  readonly ready: boolean;
}

/** The most times one unit is started (its first holder's attempt and one more after a reclaim or a crash). */
export const MAX_ATTEMPTS = 2;

export const queuePk = (runId: string): string => `queue#${runId}`;
export const HEAD_SK = 'head';
export const machineSk = (owner: string): string => `machine#${owner}`;
export const unitSk = (n: number): string => `unit#${String(n).padStart(6, '0')}`;

/** Same units in the same order → the same fingerprint: machines whose plans differ are told so. */
export function planFingerprint(items: readonly RunItem[]): string {
  const h = createHash('sha256');
  for (const i of items) h.update(`${i.file}\0${i.unit ? `${i.unit.index}/${i.unit.count}` : ''}\n`);
  return h.digest('hex').slice(0, 16);
}

const S = (v: string): AttributeValue => ({ S: v });
const N = (v: number): AttributeValue => ({ N: String(v) });

/** A free unit's attributes (besides its key). */
export function unitAttributes(n: number, item: RunItem): Record<string, AttributeValue> {
  return {
    n: N(n),
    file: S(item.file),
    est: N(Math.round(item.estimateMs)),
    ...(item.unit ? { ui: N(item.unit.index), uc: N(item.unit.count), weights: S(JSON.stringify(item.weights ?? {})) } : {}),
    state: S('free'),
    token: N(0),
    attempts: N(0),
  };
}

const str = (a: AttributeValue | undefined): string | null => (a && 'S' in a && a.S !== undefined ? a.S : null);
const num = (a: AttributeValue | undefined): number => (a && 'N' in a && a.N !== undefined ? Number(a.N) : 0);

export function readUnit(a: Record<string, AttributeValue>): QueueUnit {
  const file = str(a.file) ?? '';
  const uc = num(a.uc);
  const item: RunItem =
    uc > 0
      ? { file, unit: { index: num(a.ui), count: uc }, estimateMs: num(a.est), weights: JSON.parse(str(a.weights) ?? '{}') as Record<string, number> }
      : { file, estimateMs: num(a.est) };
  return {
    n: num(a.n),
    item,
    state: (str(a.state) ?? 'free') as UnitState,
    owner: str(a.owner),
    token: num(a.token),
    attempts: num(a.attempts),
    result: str(a.result) as UnitResult | null,
    reason: str(a.reason),
  };
}

export function readHead(a: Record<string, AttributeValue>): QueueHead {
  return { count: num(a.count), cursor: num(a.cursor), fingerprint: str(a.fingerprint) ?? '', creator: str(a.creator) ?? '', ready: str(a.state) === 'ready' };
}

export function headAttributes(count: number, fingerprint: string, creator: string, at: number): Record<string, AttributeValue> {
  return { count: N(count), cursor: N(0), fingerprint: S(fingerprint), creator: S(creator), state: S('filling'), createdAt: N(at), expiresAt: N(Math.floor(at / 1000) + 7 * 86_400) };
}

export { N as numberValue, S as stringValue, num as numberOf, str as stringOf };
