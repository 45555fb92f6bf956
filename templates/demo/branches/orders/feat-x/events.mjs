// orders (feat-x): reads the events recorded for one order, oldest first.
import { DynamoDBClient, QueryCommand } from '@aws-sdk/client-dynamodb';

const db = new DynamoDBClient({});

export async function listOrderEvents(event) {
  const { Items = [] } = await db.send(
    new QueryCommand({
      TableName: process.env.ORDER_EVENTS_TABLE,
      KeyConditionExpression: 'orderId = :id',
      ExpressionAttributeValues: { ':id': { S: event.pathParameters.id } },
    }),
  );
  return { statusCode: 200, body: JSON.stringify(Items.map((i) => ({ type: i.type.S, at: Number(i.at.N) }))) };
}
