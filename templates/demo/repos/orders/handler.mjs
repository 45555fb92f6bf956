// orders: HTTP handlers that store and read orders in the ORDERS_TABLE.
import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';

const db = new DynamoDBClient({});
const table = process.env.ORDERS_TABLE;

export async function createOrder(event) {
  const { orderId, amount } = JSON.parse(event.body ?? '{}');
  await db.send(new PutItemCommand({ TableName: table, Item: { orderId: { S: orderId }, amount: { N: String(amount) } } }));
  return { statusCode: 201, body: JSON.stringify({ orderId }) };
}

export async function getOrder(event) {
  const { Item } = await db.send(new GetItemCommand({ TableName: table, Key: { orderId: { S: event.pathParameters.id } } }));
  return Item ? { statusCode: 200, body: JSON.stringify({ orderId: Item.orderId.S, amount: Number(Item.amount.N) }) } : { statusCode: 404 };
}
