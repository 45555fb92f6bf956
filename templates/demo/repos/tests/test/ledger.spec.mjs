// payments-ledger: entries per account, read back in entry order.
import assert from 'node:assert/strict';
import { QueryCommand } from '@aws-sdk/client-dynamodb';
import { db, id, put, tables, writer } from './support/aws.mjs';

describe('ledger', () => {
  it('appends entries and reads them back in order', async function () {
    const account = id('acct');
    for (const entry of ['0003', '0001', '0002']) {
      await put(tables.ledger, { account: { S: account }, entry: { S: entry }, amount: { N: '1' }, ...writer(this) });
    }
    const { Items } = await db().send(
      new QueryCommand({ TableName: tables.ledger, KeyConditionExpression: 'account = :a', ExpressionAttributeValues: { ':a': { S: account } } }),
    );
    assert.deepEqual(Items.map((i) => i.entry.S), ['0001', '0002', '0003']);
  });

  it('keeps a balance of credits and debits', async function () {
    const account = id('acct');
    const moves = [['0001', '100'], ['0002', '-30'], ['0003', '-20']];
    for (const [entry, amount] of moves) await put(tables.ledger, { account: { S: account }, entry: { S: entry }, amount: { N: amount }, ...writer(this) });
    const { Items } = await db().send(
      new QueryCommand({ TableName: tables.ledger, KeyConditionExpression: 'account = :a', ExpressionAttributeValues: { ':a': { S: account } } }),
    );
    assert.equal(Items.reduce((sum, i) => sum + Number(i.amount.N), 0), 50);
  });
});
