import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  DynamoDBClient,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';

/**
 * The Powertools idempotency table in memory, behind a DynamoDBClient mock: a put fails with
 * the stored record when one exists (as the real conditional put does), updates complete it,
 * deletes clear it. Enough to drive the real persistence layer through duplicates.
 */
export const mockIdempotencyTable = () => {
  const mock = mockClient(DynamoDBClient);
  const records = new Map<string, Record<string, unknown>>();
  const idOf = (key: Record<string, unknown> | undefined) => String((key?.id as { S?: string })?.S);
  mock.on(PutItemCommand).callsFake((input) => {
    const id = idOf(input.Item);
    const existing = records.get(id);
    if (existing) {
      throw new ConditionalCheckFailedException({
        message: 'exists',
        $metadata: {},
        Item: existing as never,
      });
    }
    records.set(id, input.Item);
    return {};
  });
  mock.on(UpdateItemCommand).callsFake((input) => {
    const id = idOf(input.Key);
    const values = input.ExpressionAttributeValues ?? {};
    const names = input.ExpressionAttributeNames ?? {};
    const record = { ...(records.get(id) ?? input.Key) } as Record<string, unknown>;
    for (const [placeholder, attribute] of Object.entries(names) as [string, string][]) {
      const value = values[`:${placeholder.slice(1)}`];
      if (value !== undefined) record[attribute] = value;
    }
    records.set(id, record);
    return {};
  });
  mock.on(DeleteItemCommand).callsFake((input) => {
    records.delete(idOf(input.Key));
    return {};
  });
  return { mock, records };
};
