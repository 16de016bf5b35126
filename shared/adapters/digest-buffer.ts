import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { ControlIndex, ControlKeys } from '../contracts/tables.js';
import type { DigestEntry, DigestWindow } from '../domain/digest.js';
import { readIndex } from './control-index.js';
import { DEFAULT_RETRY, sendWithEntryRetries } from './retry-entries.js';

/**
 * How long a buffered crossing is kept: the longest window (a day) and a day of grace for a
 * late or retried schedule. DynamoDB's TTL deletes it later still (within days), so readers
 * read by window, never "everything left".
 */
export const DIGEST_BUFFER_TTL_SECONDS = 2 * 86_400;

/** A crossing to buffer, and the time of the state commit it goes with (its window's). */
export interface BufferedEntry {
  readonly entry: DigestEntry;
  readonly committedAt: string;
}

/** Conditional puts of {@link DigestBuffer.putAbsent} sent together. */
const PARALLEL_PUTS = 25;

/**
 * The digest buffer: announced crossings in the control table, indexed by when they happened
 * and expiring by TTL. The stock-monitor writes it just before it commits the items' states,
 * and the digest function reads it by window.
 */
export class DigestBuffer {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly controlTable: string,
    private readonly shards: number,
  ) {}

  /**
   * The Put of an entry that goes with its item's state commit at `committedAt`. Indexed by the
   * commit's time, not the crossing's: it lands within the monitor's timeout (60 s) of that
   * time, and the sender reads a window two minutes after it ends, so an entry is always in a
   * window not yet read, never in one closed.
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
   * Writes each entry, indexed by its commit's time, unless it is there already: never
   * rewritten, since a redelivery's later commit time would move a crossing into a window not
   * yet sent (a digest would hold it twice). Writes that fail for another reason are tried
   * again with backoff, up to `attempts` times, and then it throws.
   */
  async putAbsent(entries: readonly BufferedEntry[], attempts = 4): Promise<void> {
    const { failed } = await sendWithEntryRetries(
      entries.map((buffered, index) => ({ id: String(index), buffered })),
      PARALLEL_PUTS,
      async (chunk) => {
        const errors = await Promise.all(chunk.map(({ buffered }) => this.putOne(buffered)));
        return new Map(
          chunk.flatMap(({ id }, i) => (errors[i] ? [[id, String(errors[i])] as const] : [])),
        );
      },
      { ...DEFAULT_RETRY, maxAttempts: attempts },
    );
    if (failed.size > 0)
      throw new Error(
        `${failed.size} digest buffer entries not written: ${[...failed.values()][0]}`,
      );
  }

  /** Puts one entry if absent; the error if it failed for any reason but being there. */
  private async putOne({ entry, committedAt }: BufferedEntry): Promise<unknown> {
    try {
      await this.doc.send(
        new PutCommand({
          ...this.put(entry, committedAt),
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return undefined;
    } catch (error) {
      return error instanceof ConditionalCheckFailedException ? undefined : error;
    }
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
