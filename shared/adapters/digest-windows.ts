import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { ControlKeys } from '../contracts/tables.js';
import type { DigestWindow, WindowMark } from '../domain/digest.js';
import { batchGetAll } from './batch-get.js';
import { DIGEST_BUFFER_TTL_SECONDS } from './digest-buffer.js';

/**
 * The digest windows a tick is done with, as marks in the control table (one small item per
 * window, expiring with the buffer): those whose digests all went out, and those skipped when
 * their length was new to the schedule. A tick closes the windows its predecessors left open,
 * and never reads a closed one again.
 */
export class DigestWindowMarks {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly controlTable: string,
  ) {}

  /**
   * The marks of `windows`, as a lookup of a window. Strongly consistent: a mark a read missed
   * could make a length look new, and its open windows skipped.
   */
  async marksOf(
    windows: readonly DigestWindow[],
  ): Promise<(window: DigestWindow) => WindowMark | undefined> {
    const keyOf = (w: DigestWindow) => ControlKeys.digestWindow(w.minutes, w.until);
    const items = await batchGetAll(this.doc, this.controlTable, windows.map(keyOf));
    const marks = new Map(
      items.map((item) => [
        String(item.sk),
        {
          how: item.how === 'skipped' ? 'skipped' : 'sent',
          closedAt: String(item.closedAt),
        } as const,
      ]),
    );
    return (window) => marks.get(keyOf(window).sk);
  }

  /** Marks a window closed: every digest of it `sent`, or `skipped` (its length new). */
  async close(window: DigestWindow, at: Date, how: WindowMark['how']): Promise<void> {
    await this.doc.send(
      new PutCommand({
        TableName: this.controlTable,
        Item: {
          ...ControlKeys.digestWindow(window.minutes, window.until),
          closedAt: at.toISOString(),
          how,
          expiresAt: Math.floor(Date.parse(window.until) / 1000) + DIGEST_BUFFER_TTL_SECONDS,
        },
      }),
    );
  }
}
