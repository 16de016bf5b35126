/**
 * Named errors. Each message tells the operator what to fix.
 */

/** A rule document failed schema validation. `issues` lists every field path and reason. */
export class InvalidRuleError extends Error {
  override readonly name = 'InvalidRuleError';
  constructor(
    readonly ruleKey: string,
    readonly issues: readonly string[],
  ) {
    super(`Rule ${ruleKey} is invalid: ${issues.join('; ')}`);
  }
}

/** A stream record cannot be understood; it is reported on its own and ends in the DLQ. */
export class PoisonRecordError extends Error {
  override readonly name = 'PoisonRecordError';
}

/**
 * A level-change event failed its schema. Thrown, not returned: a returned refusal is a success
 * to Lambda and the event would be kept nowhere, while a failed invocation puts it in the
 * strategy-executor's dead-letter queue (after Lambda's two retries) for an operator to fix.
 */
export class InvalidEventError extends Error {
  override readonly name = 'InvalidEventError';
  constructor(readonly issues: readonly string[]) {
    super(`Invalid level-change event: ${issues.join('; ')}`);
  }
}

/** A record was held back because an earlier change of the same item failed in this batch. */
export class HeldBackRecordError extends Error {
  override readonly name = 'HeldBackRecordError';
  constructor(readonly itemKey: string) {
    super(
      `Held back: an earlier change of ${itemKey} failed in this batch; it will be retried in order`,
    );
  }
}

/** A publish to SNS or EventBridge still failed after retrying the failed entries. */
export class PublishFailedError extends Error {
  override readonly name = 'PublishFailedError';
}

/**
 * Digest windows a tick could not close (each still open, for the retry or a later tick),
 * with why: one window failing does not hold back the others.
 */
export class DigestWindowsFailedError extends Error {
  override readonly name = 'DigestWindowsFailedError';

  constructor(readonly failures: readonly { window: string; error: Error }[]) {
    super(
      `Digest windows not closed (left for the retry or a later tick): ${failures
        .map((f) => `${f.window}: ${f.error.message}`)
        .join('; ')}`,
      { cause: failures[0]?.error },
    );
  }
}

/**
 * What a decision was computed from changed before its write (the quantity, price or listing
 * it read, or the alert's standing): the executor decides again from a fresh read.
 */
export class StaleDecisionError extends Error {
  override readonly name = 'StaleDecisionError';
}

/**
 * A level change arrived before the monitor committed the alert state that records it (it
 * publishes first, then commits). Retrying the invocation judges it once the state is there.
 */
export class AlertNotYetRecordedError extends Error {
  override readonly name = 'AlertNotYetRecordedError';
}

/** An environment configuration is invalid; names the environment and the field. */
export class InvalidEnvironmentConfigError extends Error {
  override readonly name = 'InvalidEnvironmentConfigError';
}

/** A string that is not a well-formed key (a stray `\`, or the wrong number or kind of parts). */
export class InvalidKeyError extends Error {
  override readonly name = 'InvalidKeyError';
}

/** An overlay changed between its read and its write: nothing of the write was applied. */
export class OverlayChangedError extends Error {
  override readonly name = 'OverlayChangedError';
  constructor(readonly ruleKeys: readonly string[]) {
    super(
      `The overlay of ${ruleKeys.join(', ')} changed while this command ran; nothing of this write was applied. Run the command again.`,
    );
  }
}

/** A user error: the message says what to fix; the CLI prints it without a stack trace and exits 2. */
export class UsageError extends Error {
  override readonly name: string = 'UsageError';
}

/** The first keys of a write, for a message: `a, b, c and 4 more`. */
const someKeys = (ruleKeys: readonly string[]): string =>
  `${ruleKeys.slice(0, 3).join(', ')}${ruleKeys.length > 3 ? ` and ${ruleKeys.length - 3} more` : ''}`;

/**
 * A rule or overlay write would grow a shard of the rules directory past DynamoDB's 400 KB item
 * limit: that write was not applied. The operator has too many item-scoped rules or overlays.
 */
export class RulesDirectoryFullError extends UsageError {
  override readonly name = 'RulesDirectoryFullError';
  constructor(readonly ruleKeys: readonly string[]) {
    super(
      `${someKeys(ruleKeys)} was NOT written: its shard of the rules directory reached DynamoDB's 400 KB item limit. Fewer sku and sku+location rules and overlays fix it: put shared thresholds on a category rule, delete item rules you no longer need (rules list), and run rules reindex to drop the keys of expired snoozes.`,
    );
  }
}

/**
 * A rule or overlay write kept meeting other writers on the rules directory (DynamoDB's
 * TransactionConflict, or throttling) through every retry: that write was not applied.
 */
export class RulesDirectoryContendedError extends Error {
  override readonly name = 'RulesDirectoryContendedError';
  constructor(
    readonly ruleKeys: readonly string[],
    attempts: number,
    options?: ErrorOptions,
  ) {
    super(
      `${someKeys(ruleKeys)} was NOT written: other writes to the rules directory kept conflicting with it (DynamoDB TransactionConflict or throttling) through ${attempts} attempts. Run the command again.`,
      options,
    );
  }
}

/**
 * `rules reindex` stopped part-way: a directory it was building stays `building`, which the
 * functions ignore (they read every item key, as without one) until a run finishes.
 */
export class RulesReindexIncompleteError extends Error {
  override readonly name = 'RulesReindexIncompleteError';
  constructor(cause: unknown) {
    super(
      `rules reindex did not finish (${cause instanceof Error ? cause.message : String(cause)}). A directory it was building stays 'building', which the functions ignore (they read every item's sku and sku+location rules, as without one); one that was ready stays ready and in step, only not pruned. Run rules reindex again to finish.`,
      { cause },
    );
  }
}

/**
 * `error` with what a multi-write command had applied before it: of the same kind (a
 * {@link UsageError} stays one, so the CLI keeps its exit code 2).
 */
export const withProgress = (error: unknown, applied: string): Error => {
  const message = `${error instanceof Error ? error.message : String(error)} (${applied})`;
  return error instanceof UsageError
    ? new UsageError(message, { cause: error })
    : new Error(message, { cause: error });
};

/** The sandbox cannot start (Java missing, DynamoDB Local not starting): the message says how to fix it. */
export class SandboxSetupError extends Error {
  override readonly name = 'SandboxSetupError';
}

/** Formats zod-style issues as `path: message` lines. */
export const formatIssues = (
  issues: readonly { path: readonly PropertyKey[]; message: string }[],
): string[] =>
  issues.map(
    (issue) =>
      `${issue.path.length > 0 ? issue.path.map(String).join('.') : '(root)'}: ${issue.message}`,
  );
