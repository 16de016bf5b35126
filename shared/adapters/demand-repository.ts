import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { ControlKeys } from '../contracts/tables.js';

/** Units sold of one item on one day within a batch, and the span of records they came from. */
export interface DemandDelta {
  readonly sku: string;
  readonly location: string;
  /** UTC day, yyyy-mm-dd. */
  readonly day: string;
  readonly unitsSold: number;
  readonly sales: number;
  readonly firstSequence: string;
  readonly lastSequence: string;
}

/** DynamoDB allows at most 100 actions per TransactWriteItems. */
const TRANSACT_LIMIT = 100;
const DEMAND_RETENTION_DAYS = 400;

/** Pads a stream sequence number so that string order is numeric order. */
export const paddedSequence = (sequence: string): string => sequence.padStart(40, '0');

/**
 * Daily demand per item, fed by the stock-monitor: one transactional write of up to 100 items
 * per batch. Each day item remembers the last sequence applied, so a redelivered batch adds
 * nothing twice.
 */
export class DemandRepository {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async record(deltas: readonly DemandDelta[]): Promise<{ applied: number; replays: number }> {
    let applied = 0;
    let replays = 0;
    for (let i = 0; i < deltas.length; i += TRANSACT_LIMIT) {
      let pending = deltas.slice(i, i + TRANSACT_LIMIT);
      while (pending.length > 0) {
        try {
          await this.doc.send(
            new TransactWriteCommand({ TransactItems: pending.map((d) => this.update(d)) }),
          );
          applied += pending.length;
          pending = [];
        } catch (error) {
          if (!(error instanceof TransactionCanceledException)) throw error;
          const reasons = error.CancellationReasons ?? [];
          const replayed = new Set(
            reasons.flatMap((reason, index) =>
              reason.Code === 'ConditionalCheckFailed' ? [index] : [],
            ),
          );
          if (replayed.size === 0) throw error;
          replays += replayed.size;
          pending = pending.filter((_, index) => !replayed.has(index));
        }
      }
    }
    return { applied, replays };
  }

  private update(delta: DemandDelta) {
    const expiresAt =
      Math.floor(Date.parse(`${delta.day}T00:00:00Z`) / 1000) + DEMAND_RETENTION_DAYS * 86_400;
    return {
      Update: {
        TableName: this.tableName,
        Key: ControlKeys.demandDay(delta.sku, delta.location, delta.day),
        UpdateExpression:
          'ADD unitsSold :units, sales :sales SET sku = :sku, #location = :location, #day = :day, lastSequence = :last, expiresAt = :expiresAt',
        ConditionExpression: 'attribute_not_exists(lastSequence) OR lastSequence < :first',
        ExpressionAttributeNames: { '#location': 'location', '#day': 'day' },
        ExpressionAttributeValues: {
          ':units': delta.unitsSold,
          ':sales': delta.sales,
          ':sku': delta.sku,
          ':location': delta.location,
          ':day': delta.day,
          ':last': paddedSequence(delta.lastSequence),
          ':first': paddedSequence(delta.firstSequence),
          ':expiresAt': expiresAt,
        },
      },
    };
  }
}
