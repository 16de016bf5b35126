import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';

/** The actions of a document-client TransactWriteItems (plain JavaScript values). */
export type TransactItems = NonNullable<
  ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']
>;

type DocumentAction = TransactItems[number];

/** DynamoDB allows at most 100 actions per TransactWriteItems. */
export const TRANSACT_LIMIT = 100;

const TRANSIENT = new Set([
  'ThrottlingException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'InternalServerError',
  'ServiceUnavailable',
  'TimeoutError',
]);

/**
 * Writes the conditional actions of each entry (one, or a few that stand or fall together), in
 * transactions of up to 100 actions, through `send`. Entries with a failed condition are left
 * out and returned (a replay, or another writer got there first); a transaction cancelled for
 * any other reason, or a transient error, is retried without them, with backoff, up to
 * `attempts` times, and then throws.
 */
const transactEach = async <T, A>(
  send: (actions: A[]) => Promise<unknown>,
  entries: readonly T[],
  toActions: (entry: T) => A | readonly A[],
  attempts: number,
): Promise<T[]> => {
  const conditionFailed: T[] = [];
  for (const chunk of chunksOf(entries, toActions)) {
    let pending = chunk;
    for (let attempt = 1; pending.length > 0; attempt++) {
      try {
        await send(pending.flatMap((p) => p.actions));
        pending = [];
      } catch (error) {
        const cancelled = error instanceof TransactionCanceledException;
        if (!cancelled && !TRANSIENT.has((error as Error).name)) throw error;
        const reasons = cancelled ? (error.CancellationReasons ?? []) : [];
        let offset = 0;
        pending = pending.filter((p) => {
          const own = reasons.slice(offset, offset + p.actions.length);
          offset += p.actions.length;
          if (!own.some((r) => r?.Code === 'ConditionalCheckFailed')) return true;
          conditionFailed.push(p.entry);
          return false;
        });
        if (pending.length > 0 && attempt >= attempts) throw error;
        if (pending.length > 0) await new Promise((r) => setTimeout(r, 25 * 2 ** attempt));
      }
    }
  }
  return conditionFailed;
};

/** The entries with their actions, in runs of at most {@link TRANSACT_LIMIT} actions. */
const chunksOf = <T, A>(
  entries: readonly T[],
  toActions: (entry: T) => A | readonly A[],
): { entry: T; actions: A[] }[][] => {
  const chunks: { entry: T; actions: A[] }[][] = [];
  let current: { entry: T; actions: A[] }[] = [];
  let size = 0;
  for (const entry of entries) {
    const made = toActions(entry);
    const actions = (Array.isArray(made) ? [...made] : [made]) as A[];
    if (actions.length > TRANSACT_LIMIT)
      throw new RangeError(
        `an entry of ${actions.length} actions cannot be one transaction: DynamoDB takes at most ${TRANSACT_LIMIT}`,
      );
    if (size + actions.length > TRANSACT_LIMIT && current.length > 0) {
      chunks.push(current);
      current = [];
      size = 0;
    }
    current.push({ entry, actions });
    size += actions.length;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
};

/** {@link transactEach} with document-client actions (plain JavaScript values). */
export const transactWriteEach = <T>(
  doc: DynamoDBDocumentClient,
  entries: readonly T[],
  toAction: (entry: T) => DocumentAction | readonly DocumentAction[],
  attempts = 4,
): Promise<T[]> =>
  transactEach(
    (TransactItems) => doc.send(new TransactWriteCommand({ TransactItems })),
    entries,
    toAction,
    attempts,
  );
