// payments-ledger: appends one ledger entry.
import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';

const db = new DynamoDBClient({});

export async function record(event) {
  await db.send(
    new PutItemCommand({
      TableName: process.env.LEDGER_TABLE,
      Item: { account: { S: event.account }, entry: { S: `${Date.now()}` }, amount: { N: String(event.amount) } },
    }),
  );
}
