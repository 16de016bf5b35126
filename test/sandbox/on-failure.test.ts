import { describe, expect, it } from 'vitest';
import { onFailureRecord } from '../../sandbox/sandbox.js';
import { quantityChange } from '../support/factories.js';

describe("the sandbox's stream on-failure destination", () => {
  it('keeps what Lambda sends it, shard and sequence pointers, never the record or its images', () => {
    const record = quantityChange('SECRET-SKU', 20, 5, { name: 'Blue mug' });
    const kept = onFailureRecord(
      {
        record,
        reason: 'boom',
        attempts: 3,
        shardId: 'shardId-0001',
        condition: 'RetryAttemptsExhausted',
      },
      'arn:aws:dynamodb:eu-west-1:000000000000:table/inventory/stream/1',
      'stock-monitor',
    );
    expect(kept).toMatchObject({
      requestContext: { condition: 'RetryAttemptsExhausted', approximateInvokeCount: 3 },
      version: '1.0',
      DDBStreamBatchInfo: {
        shardId: 'shardId-0001',
        startSequenceNumber: record.dynamodb?.SequenceNumber,
        endSequenceNumber: record.dynamodb?.SequenceNumber,
        batchSize: 1,
      },
    });
    const text = JSON.stringify(kept);
    for (const secret of ['SECRET-SKU', 'Blue mug', 'NewImage', 'boom'])
      expect(text).not.toContain(secret);
  });
});
