// One DynamoDB table per use, reached as one profile (its own credentials, region, endpoint_url), created on demand.
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient, type AttributeValue, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { profileClient, profileClientConfig } from '../aws/client.js';

/** A key attribute of a table: its name (every key uber writes is a string). */
export interface KeySchema {
  readonly hash: string;
  readonly range?: string | undefined;
}

/** The shared pool/queue table: partition key `pk`, sort key `sk` (leases: "lease#<profile>"/"lease"; queue: "queue#<run>"/"unit#..."). */
export const PK_SK: KeySchema = { hash: 'pk', range: 'sk' };

const CALL_MS = 10_000;
/** Each call ends on its own clock, not on a run's signal: an interrupted run still writes what it must. */
export const call = (ms = CALL_MS): { abortSignal: AbortSignal } => ({ abortSignal: AbortSignal.timeout(ms) });

/** A DynamoDB client for `profile`, from the profile files (never from AWS_PROFILE); `extra` e.g. maxAttempts, timeouts. */
export function dynamoClient(profile: string, env: NodeJS.ProcessEnv, extra: Partial<DynamoDBClientConfig> = {}): DynamoDBClient {
  return profileClient(DynamoDBClient, profileClientConfig(profile, env), {
    maxAttempts: 2,
    requestHandler: { connectionTimeout: 3000, requestTimeout: 5000 },
    ...extra,
  });
}

/** The key of one item of a `pk`/`sk` table. */
export function itemKey(pk: string, sk: string): Record<string, AttributeValue> {
  return { pk: { S: pk }, sk: { S: sk } };
}

const ready = new WeakMap<DynamoDBClient, Map<string, Promise<void>>>();

/**
 * Creates the table (on-demand billing; key `pk` + `sk` unless told otherwise) unless it exists, then waits until it
 * is ACTIVE. Once per client and table; a failure is not remembered, so the next call tries again.
 */
export function ensureTable(client: DynamoDBClient, name: string, keys: KeySchema = PK_SK): Promise<void> {
  let byName = ready.get(client);
  if (!byName) ready.set(client, (byName = new Map<string, Promise<void>>()));
  const known = byName.get(name);
  if (known) return known;
  const p = createAndWait(client, name, keys);
  byName.set(name, p);
  p.catch(() => byName.delete(name));
  return p;
}

async function createAndWait(client: DynamoDBClient, name: string, keys: KeySchema): Promise<void> {
  const attrs = [keys.hash, ...(keys.range ? [keys.range] : [])];
  try {
    await client.send(
      new CreateTableCommand({
        TableName: name,
        AttributeDefinitions: attrs.map((a) => ({ AttributeName: a, AttributeType: 'S' as const })),
        KeySchema: [{ AttributeName: keys.hash, KeyType: 'HASH' as const }, ...(keys.range ? [{ AttributeName: keys.range, KeyType: 'RANGE' as const }] : [])],
        BillingMode: 'PAY_PER_REQUEST',
      }),
      call(),
    );
  } catch (e) {
    if ((e as Error).name !== 'ResourceInUseException') throw e; // another process created it first
  }
  const until = Date.now() + 120_000;
  for (;;) {
    const d = await client.send(new DescribeTableCommand({ TableName: name }), call());
    if (d.Table?.TableStatus === 'ACTIVE') return;
    if (Date.now() > until) throw new Error(`table ${name} is not ACTIVE after 120 s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
