import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  ProvisionedThroughputExceededException,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { DigestBuffer } from '../../../shared/adapters/digest-buffer.js';
import { digestEntryOf } from '../../../shared/domain/digest.js';
import { anAlert, lowStockTrigger } from '../../support/alert-facts.js';

const mock = mockClient(DynamoDBDocumentClient);
afterEach(() => mock.reset());

const buffer = () =>
  new DigestBuffer(DynamoDBDocumentClient.from(new DynamoDBClient({})), 'control', 8);
const entries = (n: number) =>
  Array.from({ length: n }, (_, i) => ({
    entry: digestEntryOf(
      anAlert(
        { sku: `MUG-${i}`, location: 'WH-1', previousQuantity: 20, quantity: 5 },
        { ...lowStockTrigger, alertId: `alert-${i}` },
      ),
    ),
    committedAt: '2026-11-25T12:05:00.000Z',
  }));
const throttled = () =>
  new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: {} });

describe('DigestBuffer.putAbsent', () => {
  it('takes an entry already there as written, and writes the others again only where they failed', async () => {
    mock
      .on(PutCommand)
      .resolves({})
      .on(PutCommand, { Item: { attributes: { sku: 'MUG-1' } } })
      .rejects(new ConditionalCheckFailedException({ message: 'there', $metadata: {} }))
      .on(PutCommand, { Item: { attributes: { sku: 'MUG-2' } } })
      .rejectsOnce(throttled())
      .resolves({});
    await buffer().putAbsent(entries(3));
    const skus = mock.commandCalls(PutCommand).map((c) => c.args[0].input.Item?.attributes.sku);
    expect(skus.sort()).toEqual(['MUG-0', 'MUG-1', 'MUG-2', 'MUG-2']);
    for (const call of mock.commandCalls(PutCommand))
      expect(call.args[0].input.ConditionExpression).toBe('attribute_not_exists(pk)');
  });

  it('throws, naming how many, when a write still fails after every attempt', async () => {
    mock
      .on(PutCommand)
      .resolves({})
      .on(PutCommand, { Item: { attributes: { sku: 'MUG-0' } } })
      .rejects(throttled());
    await expect(buffer().putAbsent(entries(2), 2)).rejects.toThrow(
      /^1 digest buffer entries not written: .*slow down/,
    );
    expect(mock.commandCalls(PutCommand, { Item: { attributes: { sku: 'MUG-0' } } })).toHaveLength(
      2,
    );
  });
});
