import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { ControlKeys } from '../contracts/tables.js';
import type { DigestWindow } from '../domain/digest.js';
import { batchGetAll } from './batch-get.js';
import { DIGEST_BUFFER_TTL_SECONDS } from './digest-buffer.js';

/**
 * The digest windows whose digests all went out, as marks in the control table (one small
 * item per window, expiring with the buffer): a tick closes a window its predecessors left
 * open, and never reads a closed one again.
 */
export class DigestWindowMarks {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly controlTable: string,
  ) {}

  /** Those of `windows` not closed yet, in their order. */
  async open(windows: readonly DigestWindow[]): Promise<DigestWindow[]> {
    if (windows.length === 0) return [];
    const keyOf = (w: DigestWindow) => ControlKeys.digestWindow(w.minutes, w.until);
    // Eventually consistent: a mark a read misses is a window read and sent once more, which
    // idempotency makes a no-op.
    const items = await batchGetAll(this.doc, this.controlTable, windows.map(keyOf), {
      consistent: false,
    });
    const closed = new Set(items.map((item) => String(item.sk)));
    return windows.filter((w) => !closed.has(keyOf(w).sk));
  }

  /** Marks a window closed, once every digest of it is sent. */
  async close(window: DigestWindow, at: Date): Promise<void> {
    await this.doc.send(
      new PutCommand({
        TableName: this.controlTable,
        Item: {
          ...ControlKeys.digestWindow(window.minutes, window.until),
          closedAt: at.toISOString(),
          expiresAt: Math.floor(Date.parse(window.until) / 1000) + DIGEST_BUFFER_TTL_SECONDS,
        },
      }),
    );
  }
}
