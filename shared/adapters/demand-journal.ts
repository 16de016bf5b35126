import { createHash } from 'node:crypto';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import {
  ConditionalCheckFailedException,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  type DynamoDBDocumentClient,
  type NativeAttributeValue,
} from '@aws-sdk/lib-dynamodb';
import { itemKeyOf } from '../contracts/inventory.js';
import { ControlKeys, DEMAND_JOURNAL_BUCKETS } from '../contracts/tables.js';
import { dayBefore } from '../domain/days.js';
import {
  compareSequences,
  type DemandDelta,
  decodeEntry,
  deltasByItemDay,
  foldJournal,
  type ItemDayTotal,
  itemDayKey,
  journalEntries,
  paddedSequence,
  type SpanOverlap,
} from '../domain/demand-journal.js';
import { afterLegacy, type LegacyDay, legacyOf, mergeLegacy } from '../domain/demand-legacy.js';
import { JOURNAL_RETENTION_DAYS } from '../domain/rollup-plan.js';
import { batchGetAll } from './batch-get.js';
import { rolledUpThrough } from './demand-repository.js';
import { queryAll } from './query-all.js';

/** How long a rolled-up day is kept: the demand window and the report read back 400 days. */
const DEMAND_RETENTION_DAYS = 400;
/** DynamoDB allows at most 25 puts per BatchWriteItem. */
const BATCH_WRITE_LIMIT = 25;

const expiresAt = (day: string, retentionDays: number) =>
  Math.floor(Date.parse(`${day}T00:00:00Z`) / 1000) + retentionDays * 86_400;

/** A journal entry's key exists with other content: two batches claimed one key. */
export class JournalConflictError extends Error {
  override readonly name = 'JournalConflictError';
}

/**
 * The demand journal in the control table: each stream batch's deltas written as a few
 * entries (one per UTC day, split past 350 KB), deflated, with a conditional put. DynamoDB
 * bills writes per KB, and a sale's delta is ~60-100 bytes (~30 deflated), so a batch costs a
 * few write units where one conditional update per item-day cost one each.
 *
 * An entry's key is the batch's span of sequence numbers and the part, so a redelivered batch
 * writes the same keys and its puts are refused (nothing written twice); a bisected half has
 * a span of its own, and the roll-up's fold drops what another entry already holds.
 */
export class DemandJournal {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /**
   * Journals a batch's deltas; entries already there (a redelivery) are counted, not written.
   * `written` holds the deltas of the entries written by this call (none of a replay's).
   */
  async write(
    deltas: readonly DemandDelta[],
  ): Promise<{ entries: number; replays: number; written: DemandDelta[] }> {
    if (deltas.length === 0) return { entries: 0, replays: 0, written: [] };
    const span = batchSpan(deltas);
    const entries = journalEntries(deltas);
    const putted = await Promise.all(
      entries.map((entry) => this.put(entry.day, `${span}#${entry.part}`, entry.text)),
    );
    return {
      entries: entries.length,
      replays: putted.filter((p) => !p).length,
      written: entries.filter((_, i) => putted[i]).flatMap((e) => e.deltas),
    };
  }

  /**
   * Puts one entry unless its key exists; false when it did with the same text. The text is
   * compared, not the deflated bytes: another zlib, level or runtime deflates the same text
   * to other bytes, and a replay taken for a conflict would fail the batch on every retry.
   */
  private async put(day: string, sk: string, text: string): Promise<boolean> {
    const key = ControlKeys.demandJournal(day, bucketOf(sk), sk);
    try {
      await this.doc.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: {
            pk: { S: key.pk },
            sk: { S: key.sk },
            b: { B: deflateRawSync(Buffer.from(text), { level: 6 }) },
            expiresAt: { N: String(expiresAt(day, JOURNAL_RETENTION_DAYS)) },
          },
          ConditionExpression: 'attribute_not_exists(pk)',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return true;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      if (inflatedText(error.Item?.b?.B) === text) return false;
      throw new JournalConflictError(
        `demand journal entry ${key.pk} ${key.sk} exists with other content: two batches share a span of sequence numbers`,
      );
    }
  }

  /** Every delta journaled for `day`, from all its partitions (8 queries, paged). */
  async readDay(day: string): Promise<DemandDelta[]> {
    const pages = await Promise.all(
      Array.from({ length: DEMAND_JOURNAL_BUCKETS }, (_, bucket) =>
        queryAll(this.doc, {
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': ControlKeys.demandJournal(day, bucket, '').pk },
        }),
      ),
    );
    return pages
      .flat()
      .flatMap((item) => decodeEntry(day, inflateRawSync(item.b as Uint8Array).toString('utf8')));
  }
}

/** A stored entry's text, or undefined when the body is missing or not deflated text. */
const inflatedText = (body: Uint8Array | undefined): string | undefined => {
  if (!body) return undefined;
  try {
    return inflateRawSync(body).toString('utf8');
  } catch {
    return undefined;
  }
};

/** The batch's span of sequence numbers, padded: the first and last of all its deltas. */
const batchSpan = (deltas: readonly DemandDelta[]): string => {
  let first = (deltas[0] as DemandDelta).firstSequence;
  let last = (deltas[0] as DemandDelta).lastSequence;
  for (const d of deltas) {
    if (compareSequences(d.firstSequence, first) < 0) first = d.firstSequence;
    if (compareSequences(d.lastSequence, last) > 0) last = d.lastSequence;
  }
  return `${paddedSequence(first)}#${paddedSequence(last)}`;
};

/** The partition of an entry, from its sort key: the same key always lands in the same one. */
const bucketOf = (sk: string): number =>
  createHash('sha256').update(sk).digest().readUInt32BE(0) % DEMAND_JOURNAL_BUCKETS;

/** What a roll-up of one day did. */
export interface RollupResult {
  readonly day: string;
  /** Journal deltas read. */
  readonly deltas: number;
  /** Item-days folded from them. */
  readonly itemDays: number;
  /** Item-days written because their stored value differed (the rest were already right). */
  readonly written: number;
  readonly overlaps: readonly SpanOverlap[];
  /** Whether the run moved the roll-up marker on to the day. */
  readonly markerMoved: boolean;
}

/**
 * Folds a day's journal into its demand days (ControlKeys.demandDay: totals and history, what
 * the readers read), and, when `moveMarkerFrom` is given, moves the roll-up marker from there
 * (`null`: no marker yet) on to the day (domain/rollup-plan says when). Reads the stored days
 * first (a read unit is cheaper than a write unit) and writes only those that differ, as plain
 * puts, so a run again writes nothing new and a late batch's day is fixed.
 */
export const rollUpDay = async (
  doc: DynamoDBDocumentClient,
  tableName: string,
  day: string,
  moveMarkerFrom?: string | null,
): Promise<RollupResult> => {
  const deltas = await new DemandJournal(doc, tableName).readDay(day);
  const { days, overlaps } = foldJournal(deltas);
  const stored = await storedDays(doc, tableName, days);
  const totals = withLegacyParts(days, stored, deltas);
  const changed = totals.filter((t) => !sameDay(stored.get(storedKey(t.total)), t.total));
  await putAll(doc, tableName, changed.map(demandDayItem));
  const markerMoved =
    moveMarkerFrom !== undefined && (await moveMarker(doc, tableName, moveMarkerFrom, day));
  return {
    day,
    deltas: deltas.length,
    itemDays: days.length,
    written: changed.length,
    overlaps,
    markerMoved,
  };
};

/** The stored demand days of `days`, by {@link storedKey} (eventually consistent: a roll-up is nightly). */
const storedDays = async (
  doc: DynamoDBDocumentClient,
  tableName: string,
  days: readonly ItemDayTotal[],
): Promise<Map<string, Record<string, unknown>>> => {
  const keys = days.map((d) => ControlKeys.demandDay(d.sku, d.location, d.day));
  const items = await batchGetAll(doc, tableName, keys, { consistent: false });
  return new Map(items.map((item) => [`${item.pk}\u0000${item.sk}`, item]));
};

/** An item-day's stored demand day's key, as {@link storedDays} maps it. */
const storedKey = (d: ItemDayTotal): string => {
  const key = ControlKeys.demandDay(d.sku, d.location, d.day);
  return `${key.pk}\u0000${key.sk}`;
};

/** A folded day, and the part the recorder before the journal had counted of it, if any. */
interface RolledDay {
  readonly total: ItemDayTotal;
  readonly legacy?: LegacyDay | undefined;
}

/**
 * Each folded day, merged with what the recorder before the journal wrote of it where it did
 * (domain/demand-legacy): its part kept, and only the journal's records after it added.
 */
const withLegacyParts = (
  days: readonly ItemDayTotal[],
  stored: ReadonlyMap<string, Record<string, unknown>>,
  deltas: readonly DemandDelta[],
): RolledDay[] => {
  const legacies = days.map((d) => legacyOf(stored.get(storedKey(d))));
  if (legacies.every((l) => l === undefined)) return days.map((total) => ({ total }));
  const deltasOf = deltasByItemDay(deltas);
  return days.map((d, i) => {
    const legacy = legacies[i];
    if (!legacy) return { total: d };
    const after = afterLegacy(deltasOf.get(itemDayKey(d)) ?? [], legacy);
    const fresh = foldJournal(after).days[0] ?? { ...d, unitsSold: 0, sales: 0, points: [] };
    return { total: mergeLegacy(legacy, fresh), legacy };
  });
};

/** The stored demand day as the readers read it, with the old recorder's part kept apart. */
const demandDayItem = ({ total: d, legacy }: RolledDay): Record<string, NativeAttributeValue> => ({
  ...ControlKeys.demandDay(d.sku, d.location, d.day),
  unitsSold: d.unitsSold,
  sales: d.sales,
  stockPoints: d.points,
  expiresAt: expiresAt(d.day, DEMAND_RETENTION_DAYS),
  ...(legacy && {
    legacy: {
      unitsSold: legacy.unitsSold,
      sales: legacy.sales,
      stockPoints: [...legacy.points],
      lastSequence: legacy.lastSequence,
    },
  }),
});

const sameDay = (stored: Record<string, unknown> | undefined, d: ItemDayTotal): boolean =>
  stored !== undefined &&
  stored.unitsSold === d.unitsSold &&
  stored.sales === d.sales &&
  Array.isArray(stored.stockPoints) &&
  stored.stockPoints.length === d.points.length &&
  stored.stockPoints.every((p, i) => p === d.points[i]);

/** Puts items 25 a call, retrying unprocessed ones with backoff. */
const putAll = async (
  doc: DynamoDBDocumentClient,
  tableName: string,
  items: readonly Record<string, NativeAttributeValue>[],
  maxAttempts = 8,
): Promise<void> => {
  for (let i = 0; i < items.length; i += BATCH_WRITE_LIMIT) {
    let pending = items.slice(i, i + BATCH_WRITE_LIMIT).map((Item) => ({ PutRequest: { Item } }));
    for (let attempt = 1; pending.length > 0; attempt++) {
      if (attempt > maxAttempts)
        throw new Error(
          `${pending.length} demand days stayed unprocessed after ${maxAttempts} attempts`,
        );
      if (attempt > 1) await new Promise((r) => setTimeout(r, 25 * 2 ** attempt));
      const output = await doc.send(
        new BatchWriteCommand({ RequestItems: { [tableName]: pending } }),
      );
      pending = (output.UnprocessedItems?.[tableName] ?? []) as typeof pending;
    }
  }
};

/**
 * Moves the marker from `from` (`null`: none yet) on to a later `day`, only if it is still at
 * `from`: two runs (a repair beside the schedule) cannot move it past a day, or back. False if
 * it was not there.
 */
const moveMarker = async (
  doc: DynamoDBDocumentClient,
  tableName: string,
  from: string | null,
  day: string,
): Promise<boolean> => {
  if (from !== null && day <= from) return false; // never back, never in place
  const key = ControlKeys.demandRollup();
  try {
    await doc.send(
      new UpdateItemCommand({
        TableName: tableName,
        Key: { pk: { S: key.pk }, sk: { S: key.sk } },
        UpdateExpression: 'SET through = :day',
        ConditionExpression: from === null ? 'attribute_not_exists(through)' : 'through = :from',
        ExpressionAttributeValues: {
          ':day': { S: day },
          ...(from === null ? {} : { ':from': { S: from } }),
        },
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
};

/**
 * The demand days not rolled up yet (after the marker, at most the journal's retention, up to
 * `lastDay` included: today, for a report), folded from the journal, per item key
 * (contracts/inventory `itemKeyOf`), oldest first: what a reader of today's history adds to the
 * stored days. The whole journal of each such day is read, once for all items.
 */
export const unrolledDays = async (
  doc: DynamoDBDocumentClient,
  tableName: string,
  lastDay: string,
): Promise<Map<string, ItemDayTotal[]>> => {
  const through = await rolledUpThrough(doc, tableName);
  const days: string[] = [];
  for (let day = lastDay; days.length < JOURNAL_RETENTION_DAYS; day = dayBefore(day)) {
    if (through !== undefined && day <= through) break;
    days.unshift(day);
  }
  const journal = new DemandJournal(doc, tableName);
  const folded = foldJournal((await Promise.all(days.map((d) => journal.readDay(d)))).flat());
  const byItem = new Map<string, ItemDayTotal[]>();
  for (const total of folded.days.sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : 0))) {
    const key = itemKeyOf(total);
    const days = byItem.get(key);
    if (days) days.push(total);
    else byItem.set(key, [total]);
  }
  return byItem;
};
