// The item lease primitive: take / heartbeat / free one lease item by conditional write; an unknown outcome is re-read, never guessed.
import { BatchGetItemCommand, GetItemCommand, ScanCommand, type BatchGetItemCommandOutput, type ScanCommandOutput, UpdateItemCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { backoff } from '../failure/backoff.js';
import { call, ensureTable, itemKey } from './table.js';

/** Who takes a lease (written into the item, shown by `uber pool status`). */
export interface Holder {
  /** Unique per acquisition: the owner the conditions check. */
  readonly leaseId: string;
  /** "circleci <workflow>/<job>#<container> pid 12" or "ann@laptop pid 12". */
  readonly who: string;
  readonly host: string;
  readonly pid: number;
  /** The holder's pid space (src/pool/here.ts) and its process start time: a taker in the same space can tell it died. */
  readonly space: string;
  readonly pidStart: number | null;
  readonly test: string | null;
  readonly file: string | null;
  readonly kind: 'test' | 'deploy';
  readonly run: string | null;
}

/** One lease item as read. Times are epoch ms on the writer's clock. */
export interface LeaseItem extends Holder {
  readonly profile: string;
  readonly state: 'held' | 'free';
  /** The fencing token: +1 on every acquisition, never down. */
  readonly token: number;
  readonly since: number;
  readonly beat: number;
  /** beat + the holder's lease time: after this (plus the skew margin) anyone may take it back. */
  readonly expires: number;
  /** An account taken back from a dead holder and not cleaned since. */
  readonly dirty: boolean;
  /** Who held it before it was taken back (empty when it was free). */
  readonly reclaimedFrom: string;
  /** Held between two tests of one holder (SharedPool.park): its last test ended, so a taker takes nothing back. */
  readonly kept: boolean;
  /** The waiting-line ticket of the acquisition that took it ('' when it took without waiting): that waiter is served. */
  readonly ticket: string;
}

/** What a take found: the lease, and the item it replaced (an expired holder's, when taken back). */
export type TakeResult = { readonly ok: true; readonly token: number; readonly replaced: LeaseItem | undefined } | { readonly ok: false };
/** A heartbeat or a release: done, or refused because the item names another owner or token (fenced). */
export type WriteResult = 'ok' | 'fenced';

export const leasePk = (profile: string): string => `lease#${profile}`;
const SK = 'lease';

/** Errors that say the write did not happen (the service refused it before applying). */
const REFUSED = new Set(['ThrottlingException', 'ProvisionedThroughputExceededException', 'RequestLimitExceeded', 'ValidationException', 'AccessDeniedException', 'UnrecognizedClientException']);

const n = (v: number): AttributeValue => ({ N: String(v) });
const s = (v: string): AttributeValue => ({ S: v });

export function toLeaseItem(item: Record<string, AttributeValue> | undefined): LeaseItem | undefined {
  if (!item?.pk?.S?.startsWith('lease#')) return undefined;
  const str = (k: string): string => item[k]?.S ?? '';
  const num = (k: string): number => Number(item[k]?.N ?? 0);
  const opt = (k: string): string | null => (item[k]?.S ? item[k].S : null);
  return {
    profile: item.pk.S.slice('lease#'.length), state: str('state') === 'held' ? 'held' : 'free', token: num('token'), leaseId: str('owner'), who: str('who'), host: str('host'),
    pid: num('pid'), space: str('space'), pidStart: item.pidStart?.N ? Number(item.pidStart.N) : null, test: opt('test'), file: opt('file'), kind: str('kind') === 'deploy' ? 'deploy' : 'test', run: opt('run'), since: num('since'), beat: num('beat'),
    expires: num('expires'), dirty: item.dirty?.BOOL === true, reclaimedFrom: str('reclaimedFrom'), kept: item.kept?.BOOL === true, ticket: str('ticket'),
  };
}

export interface LeaseTableOptions {
  readonly client: DynamoDBClient;
  readonly table: string;
  /** Gives up on a call that keeps failing after this long (throws its last error). */
  readonly giveUpMs?: number | undefined;
  /** First retry delay (full jitter, doubling up to 500 ms). */
  readonly retryBaseMs?: number | undefined;
  /** Counts retries and re-reads, for the bench and the tests. */
  readonly stats?: { retries: number; rereads: number } | undefined;
}

/** The lease items of one table: reads and conditional writes with their own retry and re-read. */
export class LeaseTable {
  readonly table: string;
  private readonly client: DynamoDBClient;
  private readonly giveUpMs: number;
  private readonly retryBaseMs: number;

  constructor(private readonly o: LeaseTableOptions) {
    this.client = o.client;
    this.table = o.table;
    this.giveUpMs = o.giveUpMs ?? 30_000;
    this.retryBaseMs = o.retryBaseMs ?? 20;
  }

  /** Creates the table on demand (retried like every call here). */
  ensure(): Promise<void> {
    return this.retrying(() => ensureTable(this.client, this.table));
  }

  /** Runs `f` until it returns, retrying every error after a jittered wait; the last error after giveUpMs. */
  private async retrying<T>(f: () => Promise<T>): Promise<T> {
    const t0 = Date.now();
    const delays = backoff({ baseMs: this.retryBaseMs, capMs: 500 });
    for (;;) {
      try {
        return await f();
      } catch (e) {
        if ((e as Error).name === 'ResourceNotFoundException') await ensureTable(this.client, this.table).catch(() => undefined);
        if (Date.now() - t0 > this.giveUpMs) throw e;
        if (this.o.stats) this.o.stats.retries += 1;
        await new Promise((r) => setTimeout(r, delays.next().value));
      }
    }
  }

  /** One profile's item (strongly consistent); undefined when it was never leased. */
  read(profile: string): Promise<LeaseItem | undefined> {
    return this.retrying(async () => {
      const out = await this.client.send(new GetItemCommand({ TableName: this.table, Key: itemKey(leasePk(profile), SK), ConsistentRead: true }), call());
      return toLeaseItem(out.Item);
    });
  }

  /** Every listed profile's item (strongly consistent), in one or a few calls. */
  readMany(profiles: readonly string[]): Promise<Map<string, LeaseItem | undefined>> {
    return this.retrying(async () => {
      const found = new Map<string, LeaseItem | undefined>(profiles.map((p) => [p, undefined]));
      for (let i = 0; i < profiles.length; i += 100) {
        let keys: Record<string, AttributeValue>[] | undefined = profiles.slice(i, i + 100).map((p) => itemKey(leasePk(p), SK));
        while (keys && keys.length > 0) {
          const out: BatchGetItemCommandOutput = await this.client.send(new BatchGetItemCommand({ RequestItems: { [this.table]: { Keys: keys, ConsistentRead: true } } }), call());
          for (const raw of out.Responses?.[this.table] ?? []) {
            const it = toLeaseItem(raw);
            if (it) found.set(it.profile, it);
          }
          keys = out.UnprocessedKeys?.[this.table]?.Keys;
        }
      }
      return found;
    });
  }

  /** Every lease item of the table (strongly consistent scan), whatever the profiles: for `uber pool status`. */
  scan(): Promise<LeaseItem[]> {
    return this.retrying(async () => {
      const items: LeaseItem[] = [];
      let start: Record<string, AttributeValue> | undefined;
      do {
        const page: ScanCommandOutput = await this.client.send(
          new ScanCommand({ TableName: this.table, ConsistentRead: true, ExclusiveStartKey: start, FilterExpression: 'begins_with(#pk, :lease)', ExpressionAttributeNames: { '#pk': 'pk' }, ExpressionAttributeValues: { ':lease': s('lease#') } }),
          call(),
        );
        for (const raw of page.Items ?? []) {
          const it = toLeaseItem(raw);
          if (it) items.push(it);
        }
        start = page.LastEvaluatedKey;
      } while (start);
      return items.sort((a, b) => (a.profile < b.profile ? -1 : a.profile > b.profile ? 1 : 0));
    });
  }

  /**
   * Takes the profile if the item is still as `seen` (same token) and free, or held but expired before `cutoff` (the
   * taker's clock minus the skew margin), or held by `dead` (a holder the taker saw die), or by `resume` (the
   * taker's own kept lease, which the new one follows: nothing is taken back). A write with an unknown outcome is
   * re-read: ours when the item names us. `ticket`: the taker's place in the waiting line, named in the item so that
   * the waiters behind it see it served as they read the items, before its ticket is gone.
   */
  async take(
    profile: string,
    seen: LeaseItem | undefined,
    me: Holder,
    at: { now: number; leaseMs: number; cutoff: number; dead?: string | undefined; resume?: string | undefined; ticket?: string | undefined },
  ): Promise<TakeResult> {
    const token = (seen?.token ?? 0) + 1;
    // taken back from a holder that did not end its lease (a kept item's holder had: its test ended)
    const expired = seen?.state === 'held' && at.resume === undefined && !seen.kept;
    const names: Record<string, string> = { '#pk': 'pk', '#state': 'state', '#token': 'token', '#expires': 'expires', '#owner': 'owner', '#who': 'who', '#host': 'host', '#pid': 'pid', '#test': 'test', '#file': 'file', '#kind': 'kind', '#run': 'run', '#since': 'since', '#beat': 'beat', '#lease': 'leaseMs', '#dirty': 'dirty', '#from': 'reclaimedFrom', '#space': 'space', '#pidStart': 'pidStart', '#kept': 'kept', '#ticket': 'ticket' };
    const values: Record<string, AttributeValue> = {
      ':held': s('held'), ':token': n(token), ':owner': s(me.leaseId), ':who': s(me.who), ':host': s(me.host), ':pid': n(me.pid), ':space': s(me.space), ':pidStart': me.pidStart === null ? { NULL: true } : n(me.pidStart), ':test': s(me.test ?? ''), ':file': s(me.file ?? ''),
      ':kind': s(me.kind), ':run': s(me.run ?? ''), ':now': n(at.now), ':expires': n(at.now + at.leaseMs), ':lease': n(at.leaseMs),
      ':dirty': { BOOL: expired || seen?.dirty === true }, ':from': s(expired ? seen.who : ''), ':no': { BOOL: false }, ':ticket': s(at.ticket ?? ''),
    };
    let condition = 'attribute_not_exists(#pk)';
    if (seen) {
      values[':seen'] = n(seen.token);
      values[':free'] = s('free');
      values[':cutoff'] = n(at.cutoff);
      condition = '#token = :seen AND (#state = :free OR #expires < :cutoff)';
      const from = at.resume ?? at.dead;
      if (from !== undefined) {
        // the token already names that holder; its owner is checked too, so the condition says whom it takes from
        values[':dead'] = s(from);
        condition = '#token = :seen AND (#state = :free OR #expires < :cutoff OR #owner = :dead)';
      }
    }
    const update = new UpdateItemCommand({
      TableName: this.table,
      Key: itemKey(leasePk(profile), SK),
      UpdateExpression: 'SET #state = :held, #token = :token, #owner = :owner, #who = :who, #host = :host, #pid = :pid, #space = :space, #pidStart = :pidStart, #test = :test, #file = :file, #kind = :kind, #run = :run, #since = :now, #beat = :now, #expires = :expires, #lease = :lease, #dirty = :dirty, #from = :from, #kept = :no, #ticket = :ticket',
      ConditionExpression: condition,
      // every name must be used: the seen case does not test #pk
      ExpressionAttributeNames: seen ? Object.fromEntries(Object.entries(names).filter(([k]) => k !== '#pk')) : names,
      ExpressionAttributeValues: values,
    });
    const ours = (it: LeaseItem | undefined): boolean => it?.leaseId === me.leaseId && it.token === token && it.state === 'held';
    const won: TakeResult = { ok: true, token, replaced: expired ? seen : undefined };
    let unknown = false;
    const settle = async (): Promise<TakeResult | undefined> => {
      if (this.o.stats) this.o.stats.rereads += 1;
      const now = await this.read(profile);
      if (ours(now)) return won;
      if ((now?.token ?? 0) !== (seen?.token ?? 0)) return { ok: false }; // another write landed (ours cannot any more)
      return undefined;
    };
    return this.retrying(async () => {
      try {
        await this.client.send(update, call());
        return won;
      } catch (e) {
        if ((e as Error).name === 'ConditionalCheckFailedException') return (unknown ? await settle() : undefined) ?? { ok: false };
        if (!REFUSED.has((e as Error).name)) {
          // timeout, 5xx, reset: it may have been written; the item says
          unknown = true;
          const known = await settle();
          if (known) return known;
        }
        throw e; // not applied (yet): retried with the same condition, so two attempts can never both land
      }
    });
  }

  /** Moves the holder's expiry on; 'fenced' when the item no longer names this owner and token. */
  heartbeat(profile: string, leaseId: string, token: number, at: { now: number; leaseMs: number }): Promise<WriteResult> {
    return this.conditional(
      profile, leaseId, token,
      { UpdateExpression: 'SET #beat = :now, #expires = :expires', names: { '#beat': 'beat', '#expires': 'expires' }, values: { ':now': n(at.now), ':expires': n(at.now + at.leaseMs) } },
      (it) => it.state === 'held' && it.beat >= at.now,
    );
  }

  /** Frees the account (the token stays: the next holder's is higher); 'fenced' when another holder has it now. */
  release(profile: string, leaseId: string, token: number, o: { dirty: boolean }): Promise<WriteResult> {
    return this.conditional(
      profile, leaseId, token,
      { UpdateExpression: 'SET #state = :free, #dirty = :dirty', names: { '#dirty': 'dirty' }, values: { ':free': s('free'), ':dirty': { BOOL: o.dirty } } },
      (it) => it.state === 'free',
      // a release that landed unseen frees the item, and another holder may take it before the re-read: while this
      // holder's deadline had not passed, nobody else could have taken it otherwise
      true,
    );
  }

  /** Marks the item kept between two tests of this holder (its test ended), while this holder still has it. */
  kept(profile: string, leaseId: string, token: number): Promise<WriteResult> {
    return this.conditional(profile, leaseId, token, { UpdateExpression: 'SET #kept = :yes', names: { '#kept': 'kept' }, values: { ':yes': { BOOL: true } } }, (it) => it.kept);
  }

  /** Marks the account cleaned (after the cleanup command), while this holder still has it. */
  cleaned(profile: string, leaseId: string, token: number): Promise<WriteResult> {
    return this.conditional(profile, leaseId, token, { UpdateExpression: 'SET #dirty = :no', names: { '#dirty': 'dirty' }, values: { ':no': { BOOL: false } } }, (it) => !it.dirty);
  }

  /**
   * A write conditional on owner + token (+ held). `landed` tells from a re-read whether this very write took effect:
   * after a timeout, and after a refusal (an earlier attempt of ours may have landed before the one refused).
   */
  private conditional(
    profile: string,
    leaseId: string,
    token: number,
    w: { UpdateExpression: string; names: Record<string, string>; values: Record<string, AttributeValue> },
    landed: (it: LeaseItem) => boolean,
    movedOnMeansLanded = false,
  ): Promise<WriteResult> {
    const cmd = new UpdateItemCommand({
      TableName: this.table,
      Key: itemKey(leasePk(profile), SK),
      UpdateExpression: w.UpdateExpression,
      ConditionExpression: '#owner = :owner AND #token = :token AND #state = :held',
      ExpressionAttributeNames: { ...w.names, '#owner': 'owner', '#token': 'token', '#state': 'state' },
      ExpressionAttributeValues: { ...w.values, ':owner': s(leaseId), ':token': n(token), ':held': s('held') },
    });
    const mine = (it: LeaseItem | undefined): it is LeaseItem => it?.leaseId === leaseId && it.token === token;
    /** An earlier attempt may have landed unseen (timeout, 5xx, reset): from then on the item is read before any write. */
    let unknown = false;
    const movedOn = (it: LeaseItem | undefined): boolean => unknown && movedOnMeansLanded && (it?.token ?? 0) > token;
    return this.retrying(async () => {
      try {
        if (unknown) {
          const it = await this.read(profile);
          if (this.o.stats) this.o.stats.rereads += 1;
          if (movedOn(it)) return 'ok';
          if (!mine(it)) return 'fenced';
          if (landed(it)) return 'ok';
          if (it.state !== 'held') return 'fenced';
        }
        await this.client.send(cmd, call());
        return 'ok';
      } catch (e) {
        if ((e as Error).name !== 'ConditionalCheckFailedException') {
          if (!REFUSED.has((e as Error).name)) unknown = true;
          throw e;
        }
        // refused: fenced, unless an earlier attempt of ours is what changed the item
        const it = await this.read(profile);
        if (this.o.stats) this.o.stats.rereads += 1;
        if (movedOn(it)) return 'ok';
        return mine(it) && landed(it) ? 'ok' : 'fenced';
      }
    });
  }
}
