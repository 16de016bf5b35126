import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';

type DocumentAction = NonNullable<
  ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']
>[number];

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
 * Writes one conditional action per entry, in transactions of up to 100, through `send`.
 * Entries whose condition failed are left out and returned (a replay, or another writer got
 * there first); a transaction cancelled for any other reason, or a transient error, is retried
 * without them, with backoff, up to `attempts` times, and then throws.
 */
const transactEach = async <T, A>(
  send: (actions: A[]) => Promise<unknown>,
  entries: readonly T[],
  toAction: (entry: T) => A,
  attempts: number,
): Promise<T[]> => {
  const conditionFailed: T[] = [];
  for (let i = 0; i < entries.length; i += TRANSACT_LIMIT) {
    let pending = entries.slice(i, i + TRANSACT_LIMIT);
    for (let attempt = 1; pending.length > 0; attempt++) {
      try {
        await send(pending.map(toAction));
        pending = [];
      } catch (error) {
        const cancelled = error instanceof TransactionCanceledException;
        if (!cancelled && !TRANSIENT.has((error as Error).name)) throw error;
        const reasons = cancelled ? (error.CancellationReasons ?? []) : [];
        pending = pending.filter((entry, index) => {
          if (reasons[index]?.Code !== 'ConditionalCheckFailed') return true;
          conditionFailed.push(entry);
          return false;
        });
        if (pending.length > 0 && attempt >= attempts) throw error;
        if (pending.length > 0) await new Promise((r) => setTimeout(r, 25 * 2 ** attempt));
      }
    }
  }
  return conditionFailed;
};

/** {@link transactEach} with document-client actions (plain JavaScript values). */
export const transactWriteEach = <T>(
  doc: DynamoDBDocumentClient,
  entries: readonly T[],
  toAction: (entry: T) => DocumentAction,
  attempts = 4,
): Promise<T[]> =>
  transactEach(
    (TransactItems) => doc.send(new TransactWriteCommand({ TransactItems })),
    entries,
    toAction,
    attempts,
  );
