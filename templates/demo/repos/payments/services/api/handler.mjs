// payments-api: records a payment for an order.
import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { randomUUID } from 'node:crypto';

const db = new DynamoDBClient({});

export async function charge(event) {
  const { orderId, amount } = JSON.parse(event.body ?? '{}');
  const paymentId = randomUUID();
  await db.send(
    new PutItemCommand({
      TableName: process.env.PAYMENTS_TABLE,
      Item: { paymentId: { S: paymentId }, orderId: { S: orderId }, amount: { N: String(amount) } },
    }),
  );
  return { statusCode: 201, body: JSON.stringify({ paymentId }) };
}
