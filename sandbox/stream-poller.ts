import {
  DescribeStreamCommand,
  type DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type _Record as StreamsRecord,
} from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import type { EnvironmentConfig } from '../infra/config/environments.js';
import { seededRandom } from './local-bus.js';

type StreamConsumer = EnvironmentConfig['streamConsumer'];

/**
 * How a reader cuts what it has read into batches. `mapping` is the event source mapping's
 * own (batch size and window); `one` gives every record its own invocation; `all` reads until
 * it has caught up with the shard and hands everything read in one invocation; `random` cuts
 * what was read into seeded random batches of 1 … batch size. The same changes must give the
 * same results under each.
 */
export type StreamBatching =
  | 'mapping'
  | 'one'
  | 'all'
  | { readonly random: { readonly seed: number } };

/** A record the poller gave up on, with why (the local stream DLQ). */
export interface StreamDeadLetter {
  readonly record: DynamoDBRecord;
  readonly reason: string;
  readonly attempts: number;
  /** The shard the record was read from. */
  readonly shardId?: string | undefined;
  /** Why it was given up: the retries ran out, or it grew older than the maximum age. */
  readonly condition: 'RetryAttemptsExhausted' | 'RecordAgeExceeded';
}

export interface StreamPollerOptions {
  readonly client: DynamoDBStreamsClient;
  readonly streamArn: string;
  readonly handler: (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse | undefined>;
  readonly consumer: StreamConsumer;
  readonly onDeadLetter: (letter: StreamDeadLetter) => void;
  /** Explains a failed record for the DLQ (the stock-monitor's own decoder). */
  readonly explain?: (record: DynamoDBRecord) => string | undefined;
  /** Lambda polls a shard about four times a second. */
  readonly pollIntervalMs?: number;
  /** Deliver every batch this many times (at-least-once drills); 1 in normal use. */
  readonly deliveries?: number;
  /** The clock, in ms (tests). */
  readonly now?: () => number;
  /** How records are cut into batches (default `mapping`). */
  readonly batching?: StreamBatching;
}

interface ShardState {
  iterator: string | undefined;
  /** Last sequence number read, to resume from when an iterator expires. */
  lastRead: string | undefined;
  readonly parent: string | undefined;
  buffer: DynamoDBRecord[];
  bufferSince: number | undefined;
  closed: boolean;
}

/** Converts a DynamoDB Streams API record to the shape Lambda delivers. */
export const toLambdaRecord = (record: StreamsRecord, streamArn: string): DynamoDBRecord => {
  const { dynamodb, ...rest } = record;
  const created = dynamodb?.ApproximateCreationDateTime as Date | number | undefined;
  return {
    ...(rest as Omit<DynamoDBRecord, 'dynamodb'>),
    eventSourceARN: streamArn,
    dynamodb: {
      ...(dynamodb as DynamoDBRecord['dynamodb']),
      ...(created !== undefined
        ? {
            ApproximateCreationDateTime:
              created instanceof Date ? Math.floor(created.getTime() / 1000) : created,
          }
        : {}),
    },
  };
};

/**
 * Reads the inventory table's real DynamoDB stream and invokes the stock-monitor with the
 * event source mapping's semantics: batch size and batching window, ReportBatchItemFailures
 * (checkpoint at the lowest failed sequence number), finite retries, bisect on error, and the
 * on-failure destination. Shards are read in order, one batch in flight per shard, children
 * only after their parent is drained.
 */
export class StreamPoller {
  private readonly shards = new Map<string, ShardState>();
  private running = false;
  private loop: Promise<void> | undefined;
  private inFlight = 0;
  private lastDescribe = 0;
  invocations = 0;
  /** The size of the next batch, given how many records are buffered. */
  private readonly batchSizeFor: (buffered: number) => number;
  /** Records read before a batch is cut: the batch size, or everything there is for `all`. */
  private readonly readLimit: number;

  constructor(private readonly options: StreamPollerOptions) {
    const { batchSize } = options.consumer;
    const batching = options.batching ?? 'mapping';
    this.readLimit = batching === 'all' ? Number.POSITIVE_INFINITY : batchSize;
    if (batching === 'one') this.batchSizeFor = () => 1;
    else if (batching === 'all') this.batchSizeFor = (buffered) => buffered;
    else if (batching === 'mapping') this.batchSizeFor = () => batchSize;
    else {
      const random = seededRandom(batching.random.seed);
      this.batchSizeFor = (buffered) => 1 + Math.floor(random() * Math.min(buffered, batchSize));
    }
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  /** True when every shard is read to its end and nothing is buffered or in flight. */
  get idle(): boolean {
    return (
      this.inFlight === 0 &&
      [...this.shards.values()].every((s) => s.buffer.length === 0 && s.bufferSince === undefined)
    );
  }

  private async run(): Promise<void> {
    const interval = this.options.pollIntervalMs ?? 250;
    while (this.running) {
      const started = Date.now();
      try {
        await this.tick();
      } catch (error) {
        console.error(`stream poller: ${(error as Error).name}: ${(error as Error).message}`);
      }
      const wait = interval - (Date.now() - started);
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
  }

  private async describe(): Promise<void> {
    let exclusiveStartShardId: string | undefined;
    do {
      const output = await this.options.client.send(
        new DescribeStreamCommand({
          StreamArn: this.options.streamArn,
          ExclusiveStartShardId: exclusiveStartShardId,
        }),
      );
      for (const shard of output.StreamDescription?.Shards ?? []) {
        if (!shard.ShardId || this.shards.has(shard.ShardId)) continue;
        this.shards.set(shard.ShardId, {
          iterator: undefined,
          lastRead: undefined,
          parent: shard.ParentShardId,
          buffer: [],
          bufferSince: undefined,
          closed: false,
        });
      }
      exclusiveStartShardId = output.StreamDescription?.LastEvaluatedShardId;
    } while (exclusiveStartShardId);
    this.lastDescribe = Date.now();
  }

  private async tick(): Promise<void> {
    if (this.shards.size === 0 || Date.now() - this.lastDescribe > 5000) await this.describe();
    const { consumer } = this.options;
    for (const [shardId, shard] of this.shards) {
      if (shard.closed && shard.buffer.length === 0) continue;
      const parent = shard.parent ? this.shards.get(shard.parent) : undefined;
      if (parent && !(parent.closed && parent.buffer.length === 0)) continue;
      if (!shard.closed) {
        shard.iterator ??= await this.iteratorFor(shardId, shard.lastRead);
        // One read per poll, as Lambda polls a shard a few times a second, and more at once only
        // while reads come back full (catching up), until the batch is full. Reading on while
        // records trickle in would hammer DynamoDB Local and starve the other reader.
        const pageSize = Math.min(1000, consumer.batchSize);
        while (shard.iterator && shard.buffer.length < this.readLimit) {
          let output: Awaited<ReturnType<typeof this.readRecords>>;
          try {
            output = await this.readRecords(shard.iterator, consumer.batchSize);
          } catch (error) {
            // Iterators expire (15 minutes on AWS; DynamoDB Local also trims an iterator taken
            // on an empty shard): take a new one after the last record read.
            const name = (error as Error).name;
            if (name !== 'ExpiredIteratorException' && name !== 'TrimmedDataAccessException')
              throw error;
            shard.iterator = await this.iteratorFor(shardId, shard.lastRead);
            continue;
          }
          const records = (output.Records ?? []).map((r) =>
            toLambdaRecord(r, this.options.streamArn),
          );
          shard.buffer.push(...records);
          shard.lastRead = records.at(-1)?.dynamodb?.SequenceNumber ?? shard.lastRead;
          shard.iterator = output.NextShardIterator;
          if (!shard.iterator) shard.closed = true;
          if (records.length < pageSize) break;
        }
        if (shard.buffer.length > 0) shard.bufferSince ??= Date.now();
      }
      const windowMs = consumer.maxBatchingWindowSeconds * 1000;
      const ready =
        shard.buffer.length >= this.readLimit ||
        this.options.batching === 'all' ||
        (shard.bufferSince !== undefined && Date.now() - shard.bufferSince >= windowMs) ||
        (shard.closed && shard.buffer.length > 0);
      if (!ready || shard.buffer.length === 0) continue;
      this.inFlight++;
      try {
        // The mapping cuts one batch per poll; the other batchings cut all that is ready, in order.
        do {
          const batch = shard.buffer.splice(0, this.batchSizeFor(shard.buffer.length));
          for (let n = 0; n < (this.options.deliveries ?? 1); n++)
            await this.deliver(batch, shardId);
        } while ((this.options.batching ?? 'mapping') !== 'mapping' && shard.buffer.length > 0);
      } finally {
        this.inFlight--;
        shard.bufferSince = shard.buffer.length > 0 ? Date.now() : undefined;
      }
    }
  }

  /** Records older than the maximum record age go to the DLQ instead of the function, as on Lambda. */
  private dropExpired(records: DynamoDBRecord[], shardId?: string): DynamoDBRecord[] {
    const oldest =
      (this.options.now?.() ?? Date.now()) / 1000 - this.options.consumer.maxRecordAgeSeconds;
    return records.filter((record) => {
      const created = record.dynamodb?.ApproximateCreationDateTime;
      if (created === undefined || created >= oldest) return true;
      this.options.onDeadLetter({
        record,
        reason: `record older than the maximum record age of ${this.options.consumer.maxRecordAgeSeconds} s`,
        attempts: 0,
        shardId,
        condition: 'RecordAgeExceeded',
      });
      return false;
    });
  }

  private async iteratorFor(
    shardId: string,
    after: string | undefined,
  ): Promise<string | undefined> {
    const output = await this.options.client.send(
      new GetShardIteratorCommand({
        StreamArn: this.options.streamArn,
        ShardId: shardId,
        ...(after
          ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: after }
          : { ShardIteratorType: 'TRIM_HORIZON' }),
      }),
    );
    return output.ShardIterator;
  }

  private readRecords(iterator: string, batchSize: number) {
    return this.options.client.send(
      new GetRecordsCommand({ ShardIterator: iterator, Limit: Math.min(1000, batchSize) }),
    );
  }

  /**
   * Delivers one batch until every record succeeded or was dead-lettered: partial failures
   * resume from the lowest failed record; after `retryAttempts` a batch is bisected, and a
   * single record that still fails goes to the DLQ, so it never blocks its neighbours.
   */
  private async deliver(records: DynamoDBRecord[], shardId?: string): Promise<void> {
    const { consumer } = this.options;
    let pending = records;
    let attempts = 0;
    let lastError = '';
    while (pending.length > 0) {
      pending = this.dropExpired(pending, shardId);
      if (pending.length === 0) return;
      this.invocations++;
      let failedFrom: number | undefined;
      try {
        const response = await this.options.handler({ Records: pending });
        const failed = new Set((response?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
        if (failed.size > 0) {
          const index = pending.findIndex((r) => failed.has(r.dynamodb?.SequenceNumber ?? ''));
          failedFrom = index === -1 ? 0 : index;
          lastError = 'reported in batchItemFailures';
        }
      } catch (error) {
        failedFrom = 0;
        lastError = (error as Error).message;
      }
      if (failedFrom === undefined) return;
      if (failedFrom > 0) attempts = 0;
      pending = pending.slice(failedFrom);
      attempts++;
      if (attempts <= consumer.retryAttempts) continue;
      if (pending.length > 1) {
        // Bisect: each half gets its own retries.
        const half = Math.ceil(pending.length / 2);
        await this.deliver(pending.slice(0, half), shardId);
        await this.deliver(pending.slice(half), shardId);
        return;
      }
      const [record] = pending as [DynamoDBRecord];
      this.options.onDeadLetter({
        record,
        reason: this.options.explain?.(record) ?? lastError,
        attempts,
        shardId,
        condition: 'RetryAttemptsExhausted',
      });
      return;
    }
  }
}
