// orders: the table the service deployed, written and read through the leased account.
import assert from 'node:assert/strict';
import { describeTable, get, id, put, tables, writer } from './support/aws.mjs';

describe('orders', () => {
  it('stores an order and reads it back', async function () {
    const orderId = id('order');
    await put(tables.orders, { orderId: { S: orderId }, amount: { N: '42' }, ...writer(this) });
    const item = await get(tables.orders, { orderId: { S: orderId } });
    assert.equal(item?.amount?.N, '42');
  });

  it('keeps two orders apart by id', async function () {
    const [a, b] = [id('order'), id('order')];
    await put(tables.orders, { orderId: { S: a }, amount: { N: '1' }, ...writer(this) });
    await put(tables.orders, { orderId: { S: b }, amount: { N: '2' }, ...writer(this) });
    assert.equal((await get(tables.orders, { orderId: { S: a } }))?.amount?.N, '1');
    assert.equal((await get(tables.orders, { orderId: { S: b } }))?.amount?.N, '2');
  });

  it('talks to the account it leased (the table ARN names that account)', async function () {
    const n = Number(/^sandbox-(\d+)$/.exec(process.env.AWS_PROFILE ?? '')?.[1]);
    const table = await describeTable(tables.orders);
    assert.match(table.TableArn, new RegExp(`:${100000000000 + n}:table/`));
    await put(tables.orders, { orderId: { S: id('arn-check') }, amount: { N: '0' }, ...writer(this) });
  });
});
