// The account remembers: one DynamoDB table per account (its own credentials, region, endpoint) of what uber deployed there.
import {
  DescribeTableCommand,
  DynamoDBClient,
  ScanCommand,
  UpdateItemCommand,
  type AttributeValue,
  type ScanCommandOutput,
} from '@aws-sdk/client-dynamodb';
import { call, dynamoClient, ensureTable } from '../dynamo/table.js';
import { why } from '../dynamo/why.js';
import type { Parts } from '../fingerprint/fingerprint.js';

/** in-progress: a run started deploying it; deployed: that run finished ok; the rest: not current. */
export type RecordStatus = 'in-progress' | 'deployed' | 'failed' | 'cancelled' | 'conflict';

export interface AccountRecord {
  /** "<repo>/<service>#<stage>": one item per deployed stack. */
  readonly pair: string;
  readonly status: RecordStatus;
  /** "" when the deploy had no fingerprint (uncommitted changes): such a record never matches. */
  readonly fingerprint: string;
  readonly parts: Parts | undefined;
  readonly commit: string;
  readonly branch: string;
  /** ISO time of the last write. */
  readonly at: string;
  /** user@host of the machine that deployed. */
  readonly by: string;
  /** Grows with every run that marks the item; the newest mark owns it. */
  readonly seq: number;
  readonly run: string;
}

export type ReadResult = { readonly ok: true; readonly records: ReadonlyMap<string, AccountRecord>; readonly ms: number } | { readonly ok: false; readonly why: string };

const KEY = 'pair';

const s = (v: string): AttributeValue => ({ S: v });
const str = (v: AttributeValue | undefined): string => v?.S ?? '';

function toRecord(item: Record<string, AttributeValue>): AccountRecord {
  let parts: Parts | undefined;
  try {
    parts = item.parts?.S ? (JSON.parse(item.parts.S) as Parts) : undefined;
  } catch {
    parts = undefined;
  }
  return {
    pair: str(item[KEY]), status: str(item.status) as RecordStatus, fingerprint: str(item.fingerprint), parts,
    commit: str(item.commit), branch: str(item.branch), at: str(item.at), by: str(item.by), seq: Number(item.seq?.N ?? 0), run: str(item.run),
  };
}

/** What a run writes about one pair. */
export interface RecordWrite {
  readonly pair: string;
  readonly fingerprint: string;
  readonly parts: Parts | undefined;
  readonly commit: string;
  readonly branch: string;
  readonly by: string;
  readonly run: string;
  readonly seq: number;
}

export class RecordTable {
  private readonly client: DynamoDBClient;

  constructor(
    readonly profile: string,
    readonly table: string,
    env: NodeJS.ProcessEnv,
  ) {
    this.client = dynamoClient(profile, env);
  }

  /** Every record of the account; a table that does not exist yet is an empty one. */
  async read(): Promise<ReadResult> {
    const t0 = performance.now();
    try {
      const records = new Map<string, AccountRecord>();
      let start: Record<string, AttributeValue> | undefined;
      do {
        const page: ScanCommandOutput = await this.client.send(new ScanCommand({ TableName: this.table, ConsistentRead: true, ExclusiveStartKey: start }), call());
        for (const item of page.Items ?? []) records.set(str(item[KEY]), toRecord(item));
        start = page.LastEvaluatedKey;
      } while (start);
      return { ok: true, records, ms: performance.now() - t0 };
    } catch (e) {
      if ((e as Error).name === 'ResourceNotFoundException') return { ok: true, records: new Map(), ms: performance.now() - t0 };
      return { ok: false, why: why(e) };
    }
  }

  /** Creates the table (on-demand billing) unless it exists, then waits until it is ACTIVE. */
  ensureTable(): Promise<void> {
    return ensureTable(this.client, this.table, { hash: KEY });
  }

  private async update(input: ConstructorParameters<typeof UpdateItemCommand>[0]): Promise<boolean> {
    const attempt = async (): Promise<boolean> => {
      try {
        await this.client.send(new UpdateItemCommand(input), call());
        return true;
      } catch (e) {
        if ((e as Error).name === 'ConditionalCheckFailedException') return false;
        throw e;
      }
    };
    try {
      return await attempt();
    } catch (e) {
      if ((e as Error).name !== 'ResourceNotFoundException') throw e;
      await this.ensureTable();
      return attempt();
    }
  }

  /** Marks a pair in progress unless a newer run has marked it (true: this run owns the item). */
  mark(w: RecordWrite): Promise<boolean> {
    return this.update({
      TableName: this.table,
      Key: { [KEY]: s(w.pair) },
      UpdateExpression: 'SET #status = :status, #fp = :fp, #parts = :parts, #commit = :commit, #branch = :branch, #at = :at, #by = :by, #seq = :seq, #run = :run',
      ConditionExpression: 'attribute_not_exists(#key) OR #seq < :seq',
      ExpressionAttributeNames: { '#key': KEY, '#status': 'status', '#fp': 'fingerprint', '#parts': 'parts', '#commit': 'commit', '#branch': 'branch', '#at': 'at', '#by': 'by', '#seq': 'seq', '#run': 'run' },
      ExpressionAttributeValues: {
        ':status': s('in-progress'), ':fp': s(w.fingerprint), ':parts': s(JSON.stringify(w.parts ?? null)), ':commit': s(w.commit), ':branch': s(w.branch),
        ':at': s(new Date().toISOString()), ':by': s(w.by), ':seq': { N: String(w.seq) }, ':run': s(w.run),
      },
    });
  }

  /** Sets the outcome of this run's deploy, only while this run still owns the item (true when written). */
  finish(w: RecordWrite, status: Exclude<RecordStatus, 'in-progress' | 'conflict'>): Promise<boolean> {
    return this.update({
      TableName: this.table,
      Key: { [KEY]: s(w.pair) },
      UpdateExpression: 'SET #status = :status, #at = :at',
      ConditionExpression: '#run = :run AND #seq = :seq',
      ExpressionAttributeNames: { '#status': 'status', '#at': 'at', '#seq': 'seq', '#run': 'run' },
      ExpressionAttributeValues: { ':status': s(status), ':at': s(new Date().toISOString()), ':seq': { N: String(w.seq) }, ':run': s(w.run) },
    });
  }

  /**
   * This run deployed after losing the item to a newer run. If that run has already recorded a different fingerprint, the
   * account may run either: mark it not current, so the next run deploys again. A newer run still in progress writes last.
   */
  disown(w: RecordWrite): Promise<boolean> {
    return this.update({
      TableName: this.table,
      Key: { [KEY]: s(w.pair) },
      UpdateExpression: 'SET #status = :conflict, #at = :at',
      ConditionExpression: '#status = :deployed AND #fp <> :fp',
      ExpressionAttributeNames: { '#status': 'status', '#at': 'at', '#fp': 'fingerprint' },
      ExpressionAttributeValues: { ':conflict': s('conflict'), ':deployed': s('deployed'), ':fp': s(w.fingerprint), ':at': s(new Date().toISOString()) },
    });
  }

  /**
   * Whether this profile can read and write the table, with no side effect: a write whose condition can never hold is
   * refused by DynamoDB only after it was allowed (ConditionalCheckFailed = writable).
   */
  async probe(): Promise<{ read: string; write: string }> {
    const read = await this.read();
    if (!read.ok) return { read: read.why, write: 'not tried' };
    try {
      await this.client.send(new DescribeTableCommand({ TableName: this.table }), call());
    } catch (e) {
      if ((e as Error).name === 'ResourceNotFoundException') return { read: 'ok', write: 'not created yet (the first uber deploy creates it)' };
    }
    try {
      await this.client.send(new UpdateItemCommand({
        TableName: this.table, Key: { [KEY]: s('#uber-doctor') }, UpdateExpression: 'SET #at = :at',
        ConditionExpression: 'attribute_exists(#key) AND attribute_not_exists(#key)',
        ExpressionAttributeNames: { '#key': KEY, '#at': 'at' }, ExpressionAttributeValues: { ':at': s('probe') },
      }), call());
      return { read: 'ok', write: 'ok' };
    } catch (e) {
      return { read: 'ok', write: (e as Error).name === 'ConditionalCheckFailedException' ? 'ok' : why(e) };
    }
  }

  destroy(): void {
    this.client.destroy();
  }
}
