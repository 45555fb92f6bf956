// The pool table is created on demand in the profile's own account (its endpoint_url), on-demand billing, key pk + sk.
import assert from 'node:assert/strict';
import { DescribeTableCommand, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { Server } from 'node:http';
import { dynamoClient, ensureTable, itemKey } from '../../src/dynamo/table.js';
import { profileFiles, startDynalite, tmp } from '../mocha/support.js';

describe('pool table', () => {
  let a: { server: Server; url: string };
  let b: { server: Server; url: string };
  let env: NodeJS.ProcessEnv;
  before(async () => {
    [a, b] = await Promise.all([startDynalite(), startDynalite()]);
    env = profileFiles(tmp('uber-pool-table-'), { 'pool-a': a.url, 'pool-b': b.url });
  });
  after(() => {
    a.server.close();
    b.server.close();
  });

  it('creates the table once, in the account the profile names, and twice is harmless', async () => {
    const client = dynamoClient('pool-a', env);
    await Promise.all([ensureTable(client, 'uber-pool'), ensureTable(dynamoClient('pool-a', env), 'uber-pool')]);
    await ensureTable(client, 'uber-pool');
    const d = await client.send(new DescribeTableCommand({ TableName: 'uber-pool' }));
    assert.equal(d.Table?.BillingModeSummary?.BillingMode, 'PAY_PER_REQUEST');
    assert.deepEqual(d.Table?.KeySchema, [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }]);
    await client.send(new PutItemCommand({ TableName: 'uber-pool', Item: { ...itemKey('lease#x', 'lease'), v: { S: '1' } } }));
    assert.equal((await client.send(new GetItemCommand({ TableName: 'uber-pool', Key: itemKey('lease#x', 'lease') }))).Item?.v?.S, '1');
    const other = dynamoClient('pool-b', env);
    await assert.rejects(other.send(new DescribeTableCommand({ TableName: 'uber-pool' })), { name: 'ResourceNotFoundException' });
  });
});
