// The waiting line of a shared pool: one ticket item per waiter (its arrival time in the sort key), served oldest first.
import { DeleteItemCommand, PutItemCommand, QueryCommand, UpdateItemCommand, type AttributeValue, type DynamoDBClient, type QueryCommandOutput } from '@aws-sdk/client-dynamodb';
import { randomBytes } from 'node:crypto';
import { call, itemKey } from '../dynamo/table.js';
import { SELF_START } from '../lease/owner.js';
import { SPACE } from './here.js';

const PK = 'waiters';
/** A ticket whose waiter has not refreshed it for this long is dropped (waiters refresh every few seconds). */
export const TICKET_STALE_MS = 3500;

export interface Ticket {
  readonly sk: string;
  readonly who: string;
  readonly arrived: number;
  readonly beat: number;
  readonly profiles: readonly string[];
  /** The waiter's process (src/pool/here.ts): a ticket of a dead process of this machine is dropped at once. */
  readonly space: string;
  readonly pid: number;
  readonly pidStart: number | null;
}

export class Waiters {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly table: string,
  ) {}

  /** Joins the line; the sort key orders by arrival (this clock), then a random tag. The ticket as written. */
  async enter(who: string, profiles: readonly string[], at: number): Promise<Ticket> {
    const sk = `${String(Math.floor(at)).padStart(15, '0')}#${randomBytes(6).toString('hex')}`;
    await this.client.send(
      new PutItemCommand({ TableName: this.table, Item: {
          ...itemKey(PK, sk), who: { S: who }, beat: { N: String(at) }, profiles: { S: JSON.stringify(profiles) },
          space: { S: SPACE }, pid: { N: String(process.pid) }, ...(SELF_START === null ? {} : { pidStart: { N: String(SELF_START) } }),
        },
      }),
      call(),
    );
    return { sk, who, arrived: Math.floor(at), beat: at, profiles, space: SPACE, pid: process.pid, pidStart: SELF_START };
  }

  /** Keeps the ticket alive for the others' eyes; refused once it has left (a late refresh never brings it back). */
  async touch(sk: string, at: number): Promise<void> {
    await this.client.send(
      new UpdateItemCommand({
        TableName: this.table, Key: itemKey(PK, sk), UpdateExpression: 'SET #beat = :beat', ConditionExpression: 'attribute_exists(#pk)',
        ExpressionAttributeNames: { '#beat': 'beat', '#pk': 'pk' }, ExpressionAttributeValues: { ':beat': { N: String(at) } },
      }),
      call(),
    );
  }

  async leave(sk: string): Promise<void> {
    await this.client.send(new DeleteItemCommand({ TableName: this.table, Key: itemKey(PK, sk) }), call());
  }

  /** Every ticket, oldest first (strongly consistent). */
  async list(): Promise<Ticket[]> {
    const out: Ticket[] = [];
    let start: Record<string, AttributeValue> | undefined;
    do {
      const page: QueryCommandOutput = await this.client.send(
        new QueryCommand({ TableName: this.table, KeyConditionExpression: '#pk = :pk', ExpressionAttributeNames: { '#pk': 'pk' }, ExpressionAttributeValues: { ':pk': { S: PK } }, ConsistentRead: true, ExclusiveStartKey: start }),
        call(),
      );
      for (const it of page.Items ?? []) {
        const sk = it.sk?.S ?? '';
        let profiles: string[] = [];
        try {
          profiles = JSON.parse(it.profiles?.S ?? '[]') as string[];
        } catch {
          profiles = [];
        }
        const pidStart = it.pidStart?.N ? Number(it.pidStart.N) : null;
        out.push({ sk, who: it.who?.S ?? '', arrived: Number(sk.split('#')[0]), beat: Number(it.beat?.N ?? 0), profiles, space: it.space?.S ?? '', pid: Number(it.pid?.N ?? 0), pidStart });
      }
      start = page.LastEvaluatedKey;
    } while (start);
    return out;
  }

  /** Drops a dead waiter's ticket, unless it was refreshed since it was seen. */
  async drop(t: Ticket): Promise<void> {
    try {
      await this.client.send(
        new DeleteItemCommand({ TableName: this.table, Key: itemKey(PK, t.sk), ConditionExpression: '#beat = :beat', ExpressionAttributeNames: { '#beat': 'beat' }, ExpressionAttributeValues: { ':beat': { N: String(t.beat) } } }),
        call(),
      );
    } catch {
      // refreshed, or already gone
    }
  }
}
