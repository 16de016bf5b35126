import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { afterEach, describe, expect, it } from 'vitest';
import { type StreamDeadLetter, StreamPoller } from '../../sandbox/stream-poller.js';
import { quantityChange } from '../support/factories.js';
import { mockStreamOf } from '../support/stream-fake.js';

let streams: ReturnType<typeof mockStreamOf> | undefined;
afterEach(() => streams?.restore());

const consumer = {
  batchSize: 10,
  maxBatchingWindowSeconds: 0,
  retryAttempts: 1,
  maxRecordAgeSeconds: 3600,
  parallelizationFactor: 1,
};

/** Runs the poller over `count` records with `handler` until it has nothing left to do. */
const run = async (
  count: number,
  handler: (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse>,
) => {
  const records = Array.from({ length: count }, (_, i) => quantityChange(`SKU-${i}`, 20, 19));
  streams = mockStreamOf(records);
  const letters: StreamDeadLetter[] = [];
  const poller = new StreamPoller({
    client: new DynamoDBStreamsClient({ region: 'eu-west-1' }),
    streamArn: 'arn:aws:dynamodb:eu-west-1:123456789012:table/inventory/stream/x',
    handler,
    consumer,
    pollIntervalMs: 5,
    onDeadLetter: (letter) => letters.push(letter),
  });
  poller.start();
  await new Promise((r) => setTimeout(r, 50));
  while (!poller.idle) await new Promise((r) => setTimeout(r, 10));
  await poller.stop();
  return { records, letters };
};

const seq = (event: DynamoDBStreamEvent) =>
  event.Records.map((r) => r.dynamodb?.SequenceNumber as string);

describe('StreamPoller', () => {
  it('delivers batches of at most batchSize, in order, with Lambda-shaped records', async () => {
    const seen: string[][] = [];
    const { records } = await run(25, async (event) => {
      seen.push(seq(event));
      expect(typeof event.Records[0]?.dynamodb?.ApproximateCreationDateTime).toBe('number');
      return { batchItemFailures: [] };
    });
    expect(seen.map((b) => b.length)).toEqual([10, 10, 5]);
    expect(seen.flat()).toEqual(records.map((r) => r.dynamodb?.SequenceNumber));
  });

  it('resumes from the lowest failed record, bisects after the retries, and dead-letters only the poison', async () => {
    const calls: string[][] = [];
    let poison = '';
    const { records, letters } = await run(6, async (event) => {
      calls.push(seq(event));
      poison ||= seq(event)[2] as string;
      return { batchItemFailures: seq(event).includes(poison) ? [{ itemIdentifier: poison }] : [] };
    });
    const all = records.map((r) => r.dynamodb?.SequenceNumber as string);
    // First delivery, then from the checkpoint (retry 1), then bisected halves until the poison is alone.
    expect(calls[0]).toEqual(all);
    expect(calls[1]).toEqual(all.slice(2));
    expect(letters.map((l) => l.record.dynamodb?.SequenceNumber)).toEqual([poison]);
    const delivered = new Set(calls.flat());
    for (const s of all) expect(delivered.has(s)).toBe(true);
  });

  it('treats a thrown error as a failure of the whole batch', async () => {
    let attempts = 0;
    const { letters } = await run(1, async () => {
      attempts++;
      throw new Error('boom');
    });
    expect(attempts).toBe(consumer.retryAttempts + 1);
    expect(letters[0]?.reason).toBe('boom');
  });
});
