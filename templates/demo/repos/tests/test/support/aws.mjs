// The demo tests' view of AWS: table names for the deployed stage, and a DynamoDB client bound to the leased account.
import { DescribeTableCommand, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { dynamodb } from 'uber/client';

export const stage = process.env.DEMO_STAGE ?? 'demo';
export const tables = {
  orders: `orders-${stage}`,
  orderEvents: `orders-events-${stage}`,
  payments: `payments-${stage}`,
  ledger: `ledger-${stage}`,
};

/**
 * A DynamoDB client for the account this test leased: uber's helper reads that profile's region, keys and
 * endpoint_url, and the client refuses to work once the test's lease has ended.
 */
export function db() {
  return dynamodb();
}

/** Who wrote an item: lets the e2e suite check every write landed in the account the test leased. */
export function writer(mochaCtx) {
  return { writtenBy: { S: mochaCtx.test.fullTitle() }, profile: { S: process.env.AWS_PROFILE ?? '' } };
}

export const put = (table, item) => db().send(new PutItemCommand({ TableName: table, Item: item }));
export const get = async (table, key) => (await db().send(new GetItemCommand({ TableName: table, Key: key, ConsistentRead: true }))).Item;
export const describeTable = async (table) => (await db().send(new DescribeTableCommand({ TableName: table }))).Table;
export const id = (prefix) => `${prefix}-${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
