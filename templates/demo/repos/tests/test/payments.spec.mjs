// payments-api: payments are stored and found by order through the byOrder index.
import assert from 'node:assert/strict';
import { QueryCommand } from '@aws-sdk/client-dynamodb';
import { db, get, id, put, tables, writer } from './support/aws.mjs';

describe('payments', () => {
  it('records a payment', async function () {
    const paymentId = id('pay');
    await put(tables.payments, { paymentId: { S: paymentId }, orderId: { S: id('order') }, amount: { N: '9.5' }, ...writer(this) });
    assert.equal((await get(tables.payments, { paymentId: { S: paymentId } }))?.amount?.N, '9.5');
  });

  it('finds every payment of an order through the byOrder index', async function () {
    const orderId = id('order');
    for (const amount of ['10', '20']) {
      await put(tables.payments, { paymentId: { S: id('pay') }, orderId: { S: orderId }, amount: { N: amount }, ...writer(this) });
    }
    const { Items } = await db().send(
      new QueryCommand({ TableName: tables.payments, IndexName: 'byOrder', KeyConditionExpression: 'orderId = :o', ExpressionAttributeValues: { ':o': { S: orderId } } }),
    );
    assert.deepEqual(Items.map((i) => i.amount.N).sort(), ['10', '20']);
  });
});
