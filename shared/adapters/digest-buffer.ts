import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { ControlIndex, ControlKeys } from '../contracts/tables.js';
import type { DigestEntry, DigestWindow } from '../domain/digest.js';
import { readIndex } from './control-index.js';

/**
 * How long a buffered crossing is kept: the longest window (a day) and a day of grace for a
 * late or retried schedule. DynamoDB's TTL deletes it later still (within days), so readers
 * read by window, never "everything left".
 */
export const DIGEST_BUFFER_TTL_SECONDS = 2 * 86_400;

/** Conditional puts of {@link DigestBuffer.putAbsent} in flight at once. */
const PARALLEL_PUTS = 25;

/**
 * The digest buffer: announced crossings in the control table, indexed by when they happened
 * and expiring by TTL. It is written on the stock-monitor's state commit (the same
 * transaction, no request of its own) and read by window by the digest function.
 */
export class DigestBuffer {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly controlTable: string,
    private readonly shards: number,
  ) {}

  /**
   * The Put of an entry, for the transaction that commits its item's state at `committedAt`. A
   * replay rewrites the same item. Indexed by the commit's time, not the crossing's: a commit
   * lands within the monitor's timeout (60 s) of that time, and the sender reads a window two
   * minutes after it ends, so an entry is always in a window not yet read, never in one closed.
   */
  put(entry: DigestEntry, committedAt: string) {
    const { sku, location, transition } = entry.attributes;
    const key = ControlKeys.digestEntry(sku, location, entry.alertId, transition);
    return {
      TableName: this.controlTable,
      Item: {
        ...key,
        ...entry,
        ...ControlIndex.attributes('DIGEST', key, committedAt, this.shards),
        expiresAt: Math.floor(Date.parse(committedAt) / 1000) + DIGEST_BUFFER_TTL_SECONDS,
      },
    };
  }

  /**
   * Writes each entry committed at `committedAt` unless it is there already: for the entries of
   * a commit that one transaction cannot hold beside its state. Never rewrites one, since a
   * replay's later `committedAt` would move a crossing into a window not yet sent.
   */
  async putAbsent(entries: readonly DigestEntry[], committedAt: string): Promise<void> {
    for (let start = 0; start < entries.length; start += PARALLEL_PUTS)
      await Promise.all(
        entries.slice(start, start + PARALLEL_PUTS).map(async (entry) => {
          const put = this.put(entry, committedAt);
          try {
            await this.doc.send(
              new PutCommand({ ...put, ConditionExpression: 'attribute_not_exists(pk)' }),
            );
          } catch (error) {
            if (!(error instanceof ConditionalCheckFailedException)) throw error;
          }
        }),
      );
  }

  /** The crossings of a window, [since, until), in time order. */
  async between(window: DigestWindow): Promise<DigestEntry[]> {
    const items = await readIndex(this.doc, this.controlTable, 'DIGEST', this.shards, window);
    return items
      .filter((item) => String(item.at) < window.until)
      .map(
        (item): DigestEntry => ({
          alertId: item.alertId as string,
          threshold: item.threshold as number,
          occurredAt: item.occurredAt as string,
          item: item.item as DigestEntry['item'],
          attributes: item.attributes as DigestEntry['attributes'],
        }),
      );
  }
}
