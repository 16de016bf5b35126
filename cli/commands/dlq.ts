import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import {
  QUARANTINE_DAYS,
  type QuarantinedRecord,
  QuarantineStore,
} from '../../shared/adapters/quarantine.js';
import { DAY_MS, utcDaysBetween } from '../../shared/domain/days.js';
import { UsageError } from '../../shared/errors.js';
import type { CommandInput } from '../args.js';
import { type Format, type Io, parseDuration, printRows } from '../io.js';
import type { Target } from '../target.js';

/** The first line of `dlq --help`, and what a wrong call is told. */
export const DLQ_USAGE = 'dlq list [--since 7d] | replay (<eventId…> | --all) [--since 7d]';

/** The days (`yyyy-mm-dd`, UTC) from `since` ago up to today, at most the quarantine's 14. */
const daysSince = (since: string | undefined, now: Date): string[] => {
  const span = Math.min(
    parseDuration(since ?? `${QUARANTINE_DAYS}d`, '--since'),
    QUARANTINE_DAYS * DAY_MS,
  );
  // Up to tomorrow, as before: a record's day is when it was written, by the stream's clock.
  return utcDaysBetween(
    new Date(now.getTime() - span).toISOString(),
    new Date(now.getTime() + DAY_MS).toISOString(),
  );
};

/**
 * The stock-monitor's quarantine: records that can never succeed, kept 14 days with their
 * images and the reason. `replay` asks the pipeline to judge each record's item again once
 * the cause is fixed: it touches the item (a write that changes no stock), so the monitor
 * evaluates the item's current stock against the thresholds in force, as for any change.
 */
export const dlqCommand = async (
  input: CommandInput,
  target: Target,
  io: Io,
  format: Format,
): Promise<void> => {
  const { action, positionals } = input;
  const values = { since: input.string('since'), all: input.flag('all') };
  const store = new QuarantineStore(target.doc, target.controlTable);
  const now = new Date();
  const entries = await store.list(daysSince(values.since, now));
  if (action === 'list') {
    const rows = entries.map((e) => ({
      at: e.at,
      sku: e.sku ?? '',
      location: e.location ?? '',
      reason: e.reason,
      eventId: e.eventId,
      replayedAt: e.replayedAt ?? '',
      images: e.record ? 'kept' : 'too large: left out',
    }));
    return printRows(
      io,
      rows,
      ['at', 'sku', 'location', 'reason', 'eventId', 'replayedAt', 'images'],
      format,
    );
  }
  if (action !== 'replay' || (!values.all && positionals.length === 0))
    throw new UsageError(DLQ_USAGE);
  const chosen = values.all ? entries : entries.filter((e) => positionals.includes(e.eventId));
  const unknown = positionals.filter((id) => !entries.some((e) => e.eventId === id));
  if (unknown.length > 0)
    throw new UsageError(
      `Not in the quarantine (within --since): ${unknown.join(', ')}. See: dlq list`,
    );
  const rows = [];
  for (const entry of chosen)
    rows.push({ eventId: entry.eventId, outcome: await replay(target, store, entry, now) });
  printRows(io, rows, ['eventId', 'outcome'], format);
  io.err('Records quarantined again (the cause is not fixed yet) show up in: dlq list');
};

/** Touches the record's item so the monitor judges it anew; says what came of it. */
const replay = async (
  target: Target,
  store: QuarantineStore,
  entry: QuarantinedRecord,
  now: Date,
): Promise<string> => {
  if (!entry.sku || !entry.location) return 'not replayed: the record names no item';
  try {
    await target.doc.send(
      new UpdateCommand({
        TableName: target.inventoryTable,
        Key: { sku: entry.sku, location: entry.location },
        UpdateExpression: 'SET quarantineReplayedAt = :at',
        ConditionExpression: 'attribute_exists(sku)',
        ExpressionAttributeValues: { ':at': now.toISOString() },
      }),
    );
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException)
      return 'not replayed: the item no longer exists';
    throw error;
  }
  await store.markReplayed(entry, now);
  return 'replayed: the item is judged again on its current stock';
};
