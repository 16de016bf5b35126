import type { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import type { EnvironmentConfig } from '../infra/config/environments.js';
import { SERVICE_NAMES } from '../shared/contracts/metrics.js';
import { LOCAL_REGION } from './dynamodb-local.js';
import { type LocalHandlers, lambdaContext } from './local-handlers.js';
import type { RunRecord } from './run-record.js';
import type { SandboxOptions } from './sandbox.js';
import {
  type StreamBatching,
  type StreamDeadLetter,
  StreamPoller,
  type StreamPollerOptions,
} from './stream-poller.js';

/**
 * What Lambda sends an event source mapping's on-failure destination for a DynamoDB stream:
 * the invocation's context and the batch's shard and sequence range, never the records.
 */
export const onFailureRecord = (
  letter: StreamDeadLetter,
  streamArn: string,
  functionName: string,
) => {
  const sequence = letter.record.dynamodb?.SequenceNumber;
  const arrival = letter.record.dynamodb?.ApproximateCreationDateTime;
  const arrivedAt = arrival !== undefined ? new Date(arrival * 1000).toISOString() : undefined;
  return {
    requestContext: {
      requestId: `local-${Date.now()}`,
      functionArn: `arn:aws:lambda:${LOCAL_REGION}:000000000000:function:${functionName}`,
      condition: letter.condition,
      approximateInvokeCount: letter.attempts,
    },
    responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
    version: '1.0',
    timestamp: new Date().toISOString(),
    DDBStreamBatchInfo: {
      shardId: letter.shardId,
      startSequenceNumber: sequence,
      endSequenceNumber: sequence,
      approximateArrivalOfFirstRecord: arrivedAt,
      approximateArrivalOfLastRecord: arrivedAt,
      batchSize: 1,
      streamArn,
    },
  };
};

/** The inventory stream and the sandbox's options about reading it. */
export interface StreamReading
  extends Pick<
    SandboxOptions,
    'pollIntervalMs' | 'streamDeliveries' | 'streamBatching' | 'aroundStockMonitor'
  > {
  readonly client: DynamoDBStreamsClient;
  readonly streamArn: string;
}

/** The inventory stream's readers; the demand-recorder's is absent when the environment turns it off. */
export interface StreamReaders {
  readonly stockMonitor: StreamPoller;
  readonly demandRecorder: StreamPoller | undefined;
}

/**
 * The stock-monitor's and the demand-recorder's readers of the inventory stream, each with its
 * own event source mapping's semantics, as deployed; not started yet.
 */
export const streamReaders = (
  reading: StreamReading,
  handlers: LocalHandlers,
  config: EnvironmentConfig,
  run: RunRecord,
): StreamReaders => {
  const reader = readerOf(reading, run);
  const invokeMonitor = (event: DynamoDBStreamEvent) =>
    handlers.stockMonitor(event, lambdaContext('stock-monitor'));
  const around = reading.aroundStockMonitor;
  return {
    stockMonitor: reader(
      'stream',
      around ? (event) => around(event, () => invokeMonitor(event)) : invokeMonitor,
      config.streamConsumer,
      reading.streamBatching,
    ),
    // The demand-recorder reads the same stream on its own mapping; it skips what it cannot read.
    demandRecorder: config.demandConsumer.enabled
      ? reader(
          'demand',
          (event) => handlers.demandRecorder(event, lambdaContext('demand-recorder')),
          config.demandConsumer,
        )
      : undefined,
  };
};

/** A reader of the inventory stream whose failed records are dead-lettered in the run. */
const readerOf =
  (reading: StreamReading, run: RunRecord) =>
  (
    source: 'stream' | 'demand',
    handler: StreamPollerOptions['handler'],
    consumer: EnvironmentConfig['streamConsumer'],
    batching?: StreamBatching,
  ) =>
    new StreamPoller({
      client: reading.client,
      streamArn: reading.streamArn,
      handler,
      consumer,
      pollIntervalMs: reading.pollIntervalMs ?? 250,
      ...(reading.streamDeliveries ? { deliveries: reading.streamDeliveries } : {}),
      ...(batching ? { batching } : {}),
      // The on-failure destination keeps what Lambda sends it, pointers into a stream that
      // forgets its records after 24 hours; why it failed is in the function's logs only.
      onDeadLetter: (letter: StreamDeadLetter) =>
        run.deadLetter({
          source,
          reason: letter.condition,
          item: onFailureRecord(
            letter,
            reading.streamArn,
            source === 'demand' ? SERVICE_NAMES.demandRecorder : SERVICE_NAMES.stockMonitor,
          ),
          what: `${source === 'demand' ? 'sales in ' : ''}record ${letter.record.dynamodb?.SequenceNumber} (${letter.reason})`,
        }),
    });
