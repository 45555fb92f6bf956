// The shared queue on DynamoDB: enqueue once per run, claim by conditional write, complete or fail under a fencing token.
//
// Every state change is one conditional UpdateItem on the unit's item. A write whose outcome is unknown (a timeout, a
// 5xx, throttling past the SDK's retries) is re-read and judged by what the item says (the claim id it carries, or the
// state under the token), never guessed.
import { randomBytes } from 'node:crypto';
import { GetItemCommand, PutItemCommand, QueryCommand, UpdateItemCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { call, itemKey } from '../dynamo/table.js';
import type { RunItem } from '../testrun/units.js';
import {
  HEAD_SK,
  headAttributes,
  machineSk,
  MAX_ATTEMPTS,
  numberOf,
  numberValue as N,
  planFingerprint,
  queuePk,
  readHead,
  readUnit,
  stringOf,
  stringValue as S,
  unitAttributes,
  unitSk,
  type QueueHead,
  type QueueUnit,
  type UnitResult,
} from './items.js';

export interface QueueOptions {
  readonly client: DynamoDBClient;
  readonly table: string;
  /** The run every machine shares (--run-id). */
  readonly runId: string;
  /** This machine: who holds its units. */
  readonly owner: string;
}

/** A unit this machine holds: what to run, and the token its result is written under. */
export interface Claim {
  readonly n: number;
  readonly token: number;
  readonly attempts: number;
  readonly item: RunItem;
}

export interface Snapshot {
  readonly head: QueueHead | undefined;
  readonly units: QueueUnit[];
  /** Owner → its beat counter. */
  readonly beats: Map<string, number>;
}

const FAILED_CONDITION = 'ConditionalCheckFailedException';
const TRIES = 4;

function isConditionFailure(e: unknown): boolean {
  return (e as Error).name === FAILED_CONDITION || (e as Error).name === 'TransactionCanceledException';
}

const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms * (0.5 + Math.random())));

export class WorkQueue {
  readonly pk: string;
  private readonly client: DynamoDBClient;
  private readonly table: string;
  readonly owner: string;

  constructor(o: QueueOptions) {
    this.client = o.client;
    this.table = o.table;
    this.owner = o.owner;
    this.pk = queuePk(o.runId);
  }

  private key(sk: string): Record<string, AttributeValue> {
    return itemKey(this.pk, sk);
  }

  private async get(sk: string): Promise<Record<string, AttributeValue> | undefined> {
    for (let t = 1; ; t++) {
      try {
        return (await this.client.send(new GetItemCommand({ TableName: this.table, Key: this.key(sk), ConsistentRead: true }), call())).Item;
      } catch (e) {
        if (t >= TRIES) throw e;
        await pause(100 * 2 ** t);
      }
    }
  }

  /**
   * A conditional write: true when it applied, false when its condition failed. An error of any other kind is
   * re-read: `applied` tells from the item whether the write in fact landed; if not, it is tried again.
   */
  private async write(send: () => Promise<unknown>, sk: string, applied: (item: Record<string, AttributeValue> | undefined) => boolean): Promise<boolean> {
    for (let t = 1; ; t++) {
      try {
        await send();
        return true;
      } catch (e) {
        // a retry (the SDK's own, or ours) of a write that had landed fails its condition: the item tells
        if (isConditionFailure(e)) return applied(await this.get(sk));
        if (t >= TRIES) throw e;
        await pause(100 * 2 ** t);
        if (applied(await this.get(sk))) return true;
      }
    }
  }

  /**
   * Puts this run's units into the queue, or joins the queue another machine made: the first machine's conditional
   * write of the head wins, it writes every unit, then marks the head ready; the others wait for that. A creator that
   * dies half-way is covered by whoever waited `fillAfterMs`: the units it left out are added (each only if absent).
   */
  async join(items: readonly RunItem[], o: { fillAfterMs: number; signal?: AbortSignal | undefined }): Promise<{ created: boolean; head: QueueHead }> {
    const fingerprint = planFingerprint(items);
    await this.beat();
    let created = false;
    try {
      await this.client.send(
        new PutItemCommand({ TableName: this.table, Item: { ...this.key(HEAD_SK), ...headAttributes(items.length, fingerprint, this.owner, Date.now()) }, ConditionExpression: 'attribute_not_exists(pk)' }),
        call(),
      );
      created = true;
    } catch (e) {
      if (!isConditionFailure(e)) {
        const head = await this.get(HEAD_SK); // a timed-out put may have landed: it is ours only if it names us
        if (!head || stringOf(head.creator) !== this.owner) throw e;
        created = true;
      }
    }
    if (created) {
      await this.fill(items);
      await this.client.send(new UpdateItemCommand({ TableName: this.table, Key: this.key(HEAD_SK), UpdateExpression: 'SET #s = :ready', ExpressionAttributeNames: { '#s': 'state' }, ExpressionAttributeValues: { ':ready': S('ready') } }), call());
    }
    const until = Date.now() + o.fillAfterMs;
    for (;;) {
      const raw = await this.get(HEAD_SK);
      if (!raw) throw new Error(`the queue head of ${this.pk} disappeared from ${this.table}`);
      const head = readHead(raw);
      if (head.ready) return { created, head };
      if (o.signal?.aborted) return { created, head };
      if (Date.now() >= until && head.fingerprint === fingerprint) {
        await this.fill(items); // the creator stopped half-way: add what it left out
        await this.client.send(new UpdateItemCommand({ TableName: this.table, Key: this.key(HEAD_SK), UpdateExpression: 'SET #s = :ready', ExpressionAttributeNames: { '#s': 'state' }, ExpressionAttributeValues: { ':ready': S('ready') } }), call());
        continue;
      }
      await pause(150);
    }
  }

  /** Writes every unit that is not in the table yet (a unit already there is never overwritten). */
  private async fill(items: readonly RunItem[]): Promise<void> {
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < items.length) {
        const n = next++;
        const sk = unitSk(n);
        await this.write(
          () => this.client.send(new PutItemCommand({ TableName: this.table, Item: { ...this.key(sk), ...unitAttributes(n, items[n]!) }, ConditionExpression: 'attribute_not_exists(pk)' }), call()),
          sk,
          (item) => item !== undefined,
        ).catch((e: unknown) => {
          if (!isConditionFailure(e)) throw e;
        });
      }
    };
    await Promise.all(Array.from({ length: Math.min(16, items.length) }, worker));
  }

  /** One heartbeat of this machine: every unit it holds stays its own while the beats go on. */
  async beat(): Promise<void> {
    await this.client.send(
      new UpdateItemCommand({
        TableName: this.table,
        Key: this.key(machineSk(this.owner)),
        UpdateExpression: 'ADD beat :one SET #at = :now, expiresAt = :exp',
        ExpressionAttributeNames: { '#at': 'at' },
        ExpressionAttributeValues: { ':one': N(1), ':now': N(Date.now()), ':exp': N(Math.floor(Date.now() / 1000) + 7 * 86_400) },
      }),
      call(),
    );
  }

  /**
   * Claims the next unit in queue order: the cursor says which, a conditional write makes it this machine's.
   * Undefined when the cursor has passed the last unit (what is left is held, done, or found by `sweep`).
   */
  async claimNext(count: number): Promise<Claim | undefined> {
    for (;;) {
      const out = await this.client.send(
        new UpdateItemCommand({ TableName: this.table, Key: this.key(HEAD_SK), UpdateExpression: 'ADD #c :one', ExpressionAttributeNames: { '#c': 'cursor' }, ExpressionAttributeValues: { ':one': N(1) }, ReturnValues: 'UPDATED_NEW' }),
        call(),
      );
      // an increment whose answer was lost skips a unit at worst: it stays free, and sweeping finds it
      const n = numberOf(out.Attributes?.cursor) - 1;
      if (n >= count) return undefined;
      const claim = await this.claim(n, { state: 'free' });
      if (claim) return claim;
    }
  }

  /**
   * Takes unit `n` if it is as `from` says: free, or held by `owner` under `token` (a dead holder's, or this machine's
   * own for a re-run). The token goes up by one and so do the attempts. Undefined when someone else changed it first.
   */
  async claim(n: number, from: { state: 'free' } | { state: 'held'; owner: string; token: number }): Promise<Claim | undefined> {
    const sk = unitSk(n);
    const claimId = randomBytes(8).toString('hex');
    const condition = from.state === 'free' ? '#s = :free' : '#s = :held AND #o = :from AND #t = :token';
    const values: Record<string, AttributeValue> =
      from.state === 'free' ? { ':free': S('free') } : { ':held': S('held'), ':from': S(from.owner), ':token': N(from.token) };
    let attributes: Record<string, AttributeValue> | undefined;
    const ok = await this.write(
      async () => {
        const out = await this.client.send(
          new UpdateItemCommand({
            TableName: this.table,
            Key: this.key(sk),
            ConditionExpression: condition,
            UpdateExpression: 'SET #s = :held2, #o = :me, claimId = :cid, claimedAt = :now ADD #t :one, attempts :one',
            ExpressionAttributeNames: { '#s': 'state', '#o': 'owner', '#t': 'token' },
            ExpressionAttributeValues: { ...values, ':held2': S('held'), ':me': S(this.owner), ':cid': S(claimId), ':now': N(Date.now()), ':one': N(1) },
            ReturnValues: 'ALL_NEW',
          }),
          call(),
        );
        attributes = out.Attributes;
      },
      sk,
      (item) => {
        if (item && stringOf(item.claimId) === claimId) attributes = item;
        return attributes !== undefined;
      },
    );
    if (!ok || !attributes) return undefined;
    const u = readUnit(attributes);
    return { n, token: u.token, attempts: u.attempts, item: u.item };
  }

  /** Ends unit `n` with its result, only while this machine still holds it under `token`; false: fenced (reclaimed). */
  complete(n: number, token: number, result: UnitResult, reason?: string): Promise<boolean> {
    return this.end(n, token, result === 'passed' || result === 'failed' ? 'done' : 'failed', result, reason);
  }

  /** Ends unit `n` as failed after its last attempt: held by `owner` under `token` (this machine, or a dead one). */
  giveUp(n: number, held: { owner: string; token: number }, result: UnitResult, reason: string): Promise<boolean> {
    return this.end(n, held.token, 'failed', result, reason, held.owner);
  }

  private end(n: number, token: number, state: 'done' | 'failed', result: UnitResult, reason: string | undefined, owner = this.owner): Promise<boolean> {
    const sk = unitSk(n);
    return this.write(
      () =>
        this.client.send(
          new UpdateItemCommand({
            TableName: this.table,
            Key: this.key(sk),
            ConditionExpression: '#s = :held AND #o = :o AND #t = :token',
            UpdateExpression: `SET #s = :state, #r = :result, endedAt = :now, endedBy = :me${reason ? ', reason = :why' : ''}`,
            ExpressionAttributeNames: { '#s': 'state', '#o': 'owner', '#t': 'token', '#r': 'result' },
            ExpressionAttributeValues: {
              ':held': S('held'),
              ':o': S(owner),
              ':token': N(token),
              ':state': S(state),
              ':result': S(result),
              ':now': N(Date.now()),
              ':me': S(this.owner),
              ...(reason ? { ':why': S(reason) } : {}),
            },
          }),
          call(),
        ),
      sk,
      (item) => item !== undefined && stringOf(item.state) === state && numberOf(item.token) === token && stringOf(item.endedBy) === this.owner,
    );
  }

  /** Gives a held unit back (an interrupted machine): free again, for any machine to claim. */
  release(n: number, token: number): Promise<boolean> {
    const sk = unitSk(n);
    return this.write(
      () =>
        this.client.send(
          new UpdateItemCommand({
            TableName: this.table,
            Key: this.key(sk),
            ConditionExpression: '#s = :held AND #o = :me AND #t = :token',
            UpdateExpression: 'SET #s = :free REMOVE #o',
            ExpressionAttributeNames: { '#s': 'state', '#o': 'owner', '#t': 'token' },
            ExpressionAttributeValues: { ':held': S('held'), ':me': S(this.owner), ':token': N(token), ':free': S('free') },
          }),
          call(),
        ),
      sk,
      (item) => item !== undefined && stringOf(item.state) === 'free' && numberOf(item.token) === token,
    );
  }

  /** The whole queue as it is now (one consistent query of the run's partition). */
  async snapshot(): Promise<Snapshot> {
    const units: QueueUnit[] = [];
    const beats = new Map<string, number>();
    let head: QueueHead | undefined;
    let start: Record<string, AttributeValue> | undefined;
    do {
      const out = await this.client.send(
        new QueryCommand({ TableName: this.table, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': S(this.pk) }, ConsistentRead: true, ExclusiveStartKey: start }),
        call(),
      );
      for (const item of out.Items ?? []) {
        const sk = stringOf(item.sk) ?? '';
        if (sk === HEAD_SK) head = readHead(item);
        else if (sk.startsWith('machine#')) beats.set(sk.slice('machine#'.length), numberOf(item.beat));
        else if (sk.startsWith('unit#')) units.push(readUnit(item));
      }
      start = out.LastEvaluatedKey;
    } while (start);
    return { head, units, beats };
  }
}

export { MAX_ATTEMPTS };
