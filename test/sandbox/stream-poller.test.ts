import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type StreamBatching,
  type StreamDeadLetter,
  StreamPoller,
} from '../../sandbox/stream-poller.js';
import { quantityChange } from '../support/factories.js';
import { mockStreamOf } from '../support/stream-fake.js';

let streams: ReturnType<typeof mockClient> | undefined;
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
  created = new Date(),
  pageSize?: number,
  batching?: StreamBatching,
) => {
  const records = Array.from({ length: count }, (_, i) => quantityChange(`SKU-${i}`, 20, 19));
  streams = mockStreamOf(records, created, pageSize);
  const letters: StreamDeadLetter[] = [];
  const poller = new StreamPoller({
    client: new DynamoDBStreamsClient({ region: 'eu-west-1' }),
    streamArn: 'arn:aws:dynamodb:eu-west-1:123456789012:table/inventory/stream/x',
    handler,
    consumer,
    pollIntervalMs: 5,
    onDeadLetter: (letter) => letters.push(letter),
    ...(batching ? { batching } : {}),
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

  it('reads a shard once per poll while records trickle in, as Lambda does, and invokes with what it read', async () => {
    const batches: string[][] = [];
    // Records trickle in: three per read.
    await run(
      6,
      async (event) => {
        batches.push(seq(event));
        return { batchItemFailures: [] };
      },
      new Date(),
      3,
    );
    // Two polls, two invocations: a short read is not followed by another in the same poll.
    expect(batches.map((b) => b.length)).toEqual([3, 3]);
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

  it('dead-letters records older than the maximum record age without invoking the function', async () => {
    let invoked = 0;
    const { letters } = await run(
      3,
      async () => {
        invoked++;
        return { batchItemFailures: [] };
      },
      new Date(Date.now() - (consumer.maxRecordAgeSeconds + 60) * 1000),
    );
    expect(invoked).toBe(0);
    expect(letters).toHaveLength(3);
    expect(letters[0]?.reason).toBe('record older than the maximum record age of 3600 s');
  });

  it('reads a child shard only after its parent is drained', async () => {
    const parent = [quantityChange('P-1', 20, 19), quantityChange('P-2', 20, 19)];
    const child = [quantityChange('C-1', 20, 19)];
    const at = (r: (typeof parent)[number]) => ({
      ...r,
      dynamodb: { ...r.dynamodb, ApproximateCreationDateTime: new Date() },
    });
    streams = mockClient(DynamoDBStreamsClient);
    streams.on(DescribeStreamCommand).resolves({
      StreamDescription: {
        Shards: [{ ShardId: 'child', ParentShardId: 'parent' }, { ShardId: 'parent' }],
      },
    });
    streams.on(GetShardIteratorCommand, { ShardId: 'parent' }).resolves({ ShardIterator: 'p-0' });
    streams.on(GetShardIteratorCommand, { ShardId: 'child' }).resolves({ ShardIterator: 'c-0' });
    // The parent is closed: its last read returns no next iterator.
    streams
      .on(GetRecordsCommand, { ShardIterator: 'p-0' })
      .resolves({ Records: parent.map(at) as never });
    streams
      .on(GetRecordsCommand, { ShardIterator: 'c-0' })
      .resolves({ Records: child.map(at) as never, NextShardIterator: 'c-1' });
    streams
      .on(GetRecordsCommand, { ShardIterator: 'c-1' })
      .resolves({ Records: [], NextShardIterator: 'c-1' });
    const seen: string[] = [];
    const poller = new StreamPoller({
      client: new DynamoDBStreamsClient({ region: 'eu-west-1' }),
      streamArn: 'arn:aws:dynamodb:eu-west-1:123456789012:table/inventory/stream/x',
      handler: async (event) => {
        seen.push(...event.Records.map((r) => String(r.dynamodb?.Keys?.sku?.S)));
        return { batchItemFailures: [] };
      },
      consumer,
      pollIntervalMs: 5,
      onDeadLetter: () => {},
    });
    poller.start();
    const deadline = Date.now() + 5000;
    while (seen.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    await poller.stop();
    expect(seen).toEqual(['P-1', 'P-2', 'C-1']);
  });

  it.each([
    ['one', (sizes: number[]) => sizes.every((n) => n === 1)],
    ['all', (sizes: number[]) => sizes.length === 1],
    [{ random: { seed: 5 } }, (sizes: number[]) => new Set(sizes).size > 1],
  ] as const)('cuts the same records in order under the %j batching', async (batching, cut) => {
    const seen: string[][] = [];
    const { records } = await run(
      25,
      async (event) => {
        seen.push(seq(event));
        return { batchItemFailures: [] };
      },
      new Date(),
      undefined,
      batching,
    );
    expect(seen.flat()).toEqual(records.map((r) => r.dynamodb?.SequenceNumber));
    expect(seen.every((batch) => batch.length <= (batching === 'all' ? 25 : 10))).toBe(true);
    expect(cut(seen.map((batch) => batch.length))).toBe(true);
  });
});
