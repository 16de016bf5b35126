import { gunzipSync, gzipSync } from 'node:zlib';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { ControlKeys } from '../contracts/tables.js';
import { queryAll } from './query-all.js';

/** How long a quarantined record is kept: as long as an SQS queue can keep a message. */
export const QUARANTINE_DAYS = 14;

/** Above this the images are left out: a control-table item holds at most 400 KB. */
const MAX_STORED_RECORD_BYTES = 300 * 1024;

/** A stream record that can never succeed, as quarantined. */
export interface QuarantinedRecord {
  readonly day: string;
  readonly eventId: string;
  readonly reason: string;
  readonly sku?: string | undefined;
  readonly location?: string | undefined;
  readonly sequenceNumber?: string | undefined;
  readonly eventName?: string | undefined;
  readonly at: string;
  /** The whole record with its old and new images; undefined when it was too large to keep. */
  readonly record?: DynamoDBRecord | undefined;
  readonly replayedAt?: string | undefined;
}

const dayOf = (record: DynamoDBRecord, now: Date): string => {
  const created = record.dynamodb?.ApproximateCreationDateTime;
  return new Date(created !== undefined ? created * 1000 : now.getTime())
    .toISOString()
    .slice(0, 10);
};

/**
 * The quarantine of the stock-monitor's stream: records that can never succeed (undecodable,
 * not an inventory item) are kept here with their images and the reason, and acknowledged,
 * instead of being retried and sent to the on-failure destination, which on AWS keeps only
 * shard and sequence pointers that expire with the stream's 24-hour retention.
 */
export class QuarantineStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /**
   * Keeps one record. Keyed by the day it was written and its event id, so a redelivery of
   * the same record writes nothing twice.
   */
  async put(record: DynamoDBRecord, reason: string, now = new Date()): Promise<void> {
    const eventId = record.eventID ?? record.dynamodb?.SequenceNumber ?? `unknown-${now.getTime()}`;
    const day = dayOf(record, now);
    const packed = gzipSync(JSON.stringify(record));
    const keys = record.dynamodb?.Keys;
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...ControlKeys.quarantine(day, eventId),
            day,
            eventId,
            reason,
            sku: keys?.sku?.S,
            location: keys?.location?.S,
            sequenceNumber: record.dynamodb?.SequenceNumber,
            eventName: record.eventName,
            at: now.toISOString(),
            ...(packed.byteLength <= MAX_STORED_RECORD_BYTES
              ? { record: packed }
              : { truncated: `record of ${packed.byteLength} bytes compressed left out` }),
            expiresAt: Math.floor(now.getTime() / 1000) + QUARANTINE_DAYS * 86_400,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      // Already kept: a redelivery of the same record.
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  /** Records quarantined on the given days (`yyyy-mm-dd`), oldest first. */
  async list(days: readonly string[]): Promise<QuarantinedRecord[]> {
    const pages = await Promise.all(
      days.map((day) =>
        queryAll(this.doc, {
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': ControlKeys.quarantine(day, '').pk },
        }),
      ),
    );
    return pages
      .flat()
      .map(decodeQuarantined)
      .sort((a, b) => a.at.localeCompare(b.at));
  }

  /** Marks a record replayed, so `dlq list` can tell what was done. */
  async markReplayed(entry: QuarantinedRecord, at: Date): Promise<void> {
    await this.doc.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: ControlKeys.quarantine(entry.day, entry.eventId),
        UpdateExpression: 'SET replayedAt = :at',
        ExpressionAttributeValues: { ':at': at.toISOString() },
      }),
    );
  }
}

const decodeQuarantined = (item: Record<string, unknown>): QuarantinedRecord => {
  const packed = item.record as Uint8Array | undefined;
  return {
    day: String(item.day),
    eventId: String(item.eventId),
    reason: String(item.reason),
    sku: item.sku as string | undefined,
    location: item.location as string | undefined,
    sequenceNumber: item.sequenceNumber as string | undefined,
    eventName: item.eventName as string | undefined,
    at: String(item.at),
    record: packed
      ? (JSON.parse(gunzipSync(packed).toString('utf8')) as DynamoDBRecord)
      : undefined,
    replayedAt: item.replayedAt as string | undefined,
  };
};
