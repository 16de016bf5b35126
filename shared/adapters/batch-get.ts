import { BatchGetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/** DynamoDB allows at most 100 keys per BatchGetItem. */
export const BATCH_GET_LIMIT = 100;

/**
 * BatchGetItem calls one read keeps in flight: enough to hide the round trips, few enough
 * that 500k keys do not open 5,000 requests at once (sockets, memory, throttling in bursts).
 */
export const BATCH_GET_IN_FLIGHT = 16;

/**
 * Reads many items by key in calls of 100, at most {@link BATCH_GET_IN_FLIGHT} at a time,
 * retrying unprocessed keys with backoff. Returns the items found; throws when keys stay
 * unprocessed after `maxAttempts`. Strongly consistent unless `consistent: false`: half the
 * read units, for a reader that tolerates a second of staleness anyway (a cache with a TTL).
 */
export const batchGetAll = async (
  doc: DynamoDBDocumentClient,
  tableName: string,
  keys: readonly Record<string, string>[],
  { maxAttempts = 5, consistent = true }: { maxAttempts?: number; consistent?: boolean } = {},
): Promise<Record<string, unknown>[]> => {
  const found: Record<string, unknown>[] = [];
  const chunks: Record<string, string>[][] = [];
  for (let i = 0; i < keys.length; i += BATCH_GET_LIMIT)
    chunks.push(keys.slice(i, i + BATCH_GET_LIMIT));
  const readChunk = async (chunk: Record<string, string>[]) => {
    let pending: Record<string, unknown>[] = chunk;
    for (let attempt = 1; pending.length > 0; attempt++) {
      if (attempt > maxAttempts) {
        throw new Error(
          `${pending.length} keys of ${tableName} stayed unprocessed after ${maxAttempts} attempts`,
        );
      }
      if (attempt > 1) await new Promise((r) => setTimeout(r, 25 * 2 ** attempt));
      const output = await doc.send(
        new BatchGetCommand({
          RequestItems: { [tableName]: { Keys: pending, ConsistentRead: consistent } },
        }),
      );
      found.push(...((output.Responses?.[tableName] ?? []) as Record<string, unknown>[]));
      pending = (output.UnprocessedKeys?.[tableName]?.Keys ?? []) as Record<string, unknown>[];
    }
  };
  // A few workers take the next chunk as each finishes; the first failure fails the read and
  // stops the others taking more.
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < chunks.length) {
      try {
        await readChunk(chunks[next++] as Record<string, string>[]);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(BATCH_GET_IN_FLIGHT, chunks.length) }, worker));
  return found;
};
