// orders on feat-x: the order-events table only that branch declares, proving the feature branch was deployed.
import assert from 'node:assert/strict';
import { QueryCommand } from '@aws-sdk/client-dynamodb';
import { db, describeTable, id, put, tables, writer } from './support/aws.mjs';

describe('order events (feat-x)', () => {
  it('has the order-events table from the feat-x branch', async function () {
    const table = await describeTable(tables.orderEvents);
    assert.equal(table.TableStatus, 'ACTIVE');
    assert.deepEqual(table.KeySchema.map((k) => k.KeyType), ['HASH', 'RANGE']);
    await put(tables.orderEvents, { orderId: { S: id('probe') }, at: { N: '0' }, type: { S: 'probe' }, ...writer(this) });
  });

  it('lists the events of one order oldest first', async function () {
    const orderId = id('order');
    for (const [at, type] of [[3, 'shipped'], [1, 'created'], [2, 'paid']]) {
      await put(tables.orderEvents, { orderId: { S: orderId }, at: { N: String(at) }, type: { S: type }, ...writer(this) });
    }
    const { Items } = await db().send(
      new QueryCommand({ TableName: tables.orderEvents, KeyConditionExpression: 'orderId = :id', ExpressionAttributeValues: { ':id': { S: orderId } } }),
    );
    assert.deepEqual(Items.map((i) => i.type.S), ['created', 'paid', 'shipped']);
  });
});
