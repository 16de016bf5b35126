import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  type BatchGetCommandInput,
  DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { BATCH_GET_IN_FLIGHT, batchGetAll } from '../../../shared/adapters/batch-get.js';

const mock = mockClient(DynamoDBDocumentClient);
afterEach(() => mock.reset());
const doc = () => DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-west-1' }));
const keys = (n: number) => Array.from({ length: n }, (_, i) => ({ pk: `K#${i}`, sk: 'S' }));
const keysOf = (input: BatchGetCommandInput) =>
  (input.RequestItems?.t?.Keys ?? []) as Record<string, string>[];

describe('batchGetAll', () => {
  it('reads many keys in calls of 100 with a bounded number in flight, finding every item', async () => {
    // Prepare: a table that answers each call after a tick, counting the calls in flight.
    let inFlight = 0;
    let most = 0;
    mock.on(BatchGetCommand).callsFake(async (input: BatchGetCommandInput) => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 1));
      inFlight--;
      return { Responses: { t: keysOf(input) } };
    });
    // Act
    const found = await batchGetAll(doc(), 't', keys(10_000));
    // Assess
    expect(mock.commandCalls(BatchGetCommand)).toHaveLength(100);
    expect(most).toBe(BATCH_GET_IN_FLIGHT);
    expect(found.map((i) => i.pk).sort()).toEqual(
      keys(10_000)
        .map((k) => k.pk)
        .sort(),
    );
  });

  it('retries the keys left unprocessed, and fails when they stay so', async () => {
    mock
      .on(BatchGetCommand)
      .callsFakeOnce((input: BatchGetCommandInput) => ({
        Responses: { t: keysOf(input).slice(0, 60) },
        UnprocessedKeys: { t: { Keys: keysOf(input).slice(60) } },
      }))
      .callsFake((input: BatchGetCommandInput) => ({ Responses: { t: keysOf(input) } }));
    expect(await batchGetAll(doc(), 't', keys(100))).toHaveLength(100);
    mock
      .reset()
      .on(BatchGetCommand)
      .callsFake((input: BatchGetCommandInput) => ({
        UnprocessedKeys: { t: { Keys: keysOf(input) } },
      }));
    await expect(batchGetAll(doc(), 't', keys(3), { maxAttempts: 2 })).rejects.toThrow(
      '3 keys of t stayed unprocessed after 2 attempts',
    );
  });
});
