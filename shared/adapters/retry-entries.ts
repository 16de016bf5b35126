/** Result of sending entries that can partially fail (SNS PublishBatch, EventBridge PutEvents). */
export interface EntriesOutcome {
  /** Ids still failing after every attempt, with the last reason. */
  readonly failed: Map<string, string>;
  /** Entries sent again after a partial failure. */
  readonly retries: number;
}

export interface RetryOptions {
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

export const DEFAULT_RETRY: RetryOptions = { maxAttempts: 4, baseDelayMs: 50 };

/** What one call may carry: a number of entries and, optionally, a total size. */
export interface ChunkLimits<T> {
  readonly maxEntries: number;
  readonly maxBytes?: number;
  readonly bytesOf?: (entry: T) => number;
}

/**
 * Splits entries, in order, into chunks within `limits`. An entry larger than `maxBytes` on its
 * own goes alone, so the service refuses only that entry's call, never its neighbours'.
 */
export const chunkWithin = <T>(entries: readonly T[], limits: ChunkLimits<T>): T[][] => {
  const { maxEntries, maxBytes = Number.POSITIVE_INFINITY, bytesOf = () => 0 } = limits;
  const chunks: T[][] = [];
  let chunk: T[] = [];
  let bytes = 0;
  for (const entry of entries) {
    const size = bytesOf(entry);
    if (chunk.length > 0 && (chunk.length >= maxEntries || bytes + size > maxBytes)) {
      chunks.push(chunk);
      chunk = [];
      bytes = 0;
    }
    chunk.push(entry);
    bytes += size;
  }
  if (chunk.length > 0) chunks.push(chunk);
  return chunks;
};

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Sends entries in chunks (of `limits` entries, or within `ChunkLimits`) and retries only the
 * entries that failed, with exponential backoff and jitter. `send` returns the ids that failed
 * in a chunk (with reason); a thrown error fails the whole chunk. Ids must be unique.
 */
export const sendWithEntryRetries = async <T extends { id: string }>(
  entries: readonly T[],
  limits: number | ChunkLimits<T>,
  send: (chunk: T[]) => Promise<Map<string, string>>,
  options: RetryOptions = DEFAULT_RETRY,
): Promise<EntriesOutcome> => {
  const sleep = options.sleep ?? defaultSleep;
  let pending = [...entries];
  let retries = 0;
  let failed = new Map<string, string>();
  for (let attempt = 1; pending.length > 0 && attempt <= options.maxAttempts; attempt++) {
    if (attempt > 1) {
      retries += pending.length;
      await sleep(options.baseDelayMs * 2 ** (attempt - 2) * (0.5 + Math.random() / 2));
    }
    failed = new Map();
    const chunks = chunkWithin(
      pending,
      typeof limits === 'number' ? { maxEntries: limits } : limits,
    );
    const results = await Promise.all(
      chunks.map(async (chunk) => {
        try {
          return await send(chunk);
        } catch (error) {
          const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
          return new Map(chunk.map((entry) => [entry.id, reason]));
        }
      }),
    );
    for (const result of results) for (const [id, reason] of result) failed.set(id, reason);
    pending = pending.filter((entry) => failed.has(entry.id));
  }
  return { failed, retries };
};
