import { ConditionalCheckFailedException, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { itemKeyOf } from '../contracts/inventory.js';
import { ControlKeys } from '../contracts/tables.js';
import {
  type DemandPolicy,
  type DerivedThresholds,
  demandSeries,
  deriveThresholds,
  rollingStatistics,
} from '../domain/demand.js';
import { encodePoint, type HistoryPoint } from '../domain/stock-history.js';
import { DEFAULT_CACHE_MAX_ENTRIES, LruCache } from './lru-cache.js';
import { queryAll } from './query-all.js';

/**
 * What one batch changed of one item on one day: units sold, the quantity history of the
 * minutes it touched, and the span of records it came from.
 */
export interface DemandDelta {
  readonly sku: string;
  readonly location: string;
  /** UTC day, yyyy-mm-dd. */
  readonly day: string;
  readonly unitsSold: number;
  readonly sales: number;
  readonly firstSequence: string;
  readonly lastSequence: string;
  /** The last quantity of each minute the batch changed, appended to the day's history. */
  readonly history?: readonly HistoryPoint[];
}

const DEMAND_RETENTION_DAYS = 400;

/** Item-day updates in flight at once: a large batch touches many items, each its own write. */
const WRITES_IN_FLIGHT = 16;

/** Pads a stream sequence number so that string order is numeric order. */
export const paddedSequence = (sequence: string): string => sequence.padStart(40, '0');

/**
 * The update of one item-day: constant text, so only the values differ between writes. The
 * history is a list appended to (a map keyed by minute cannot be created and written in one
 * expression).
 */
const DEMAND_UPDATE =
  'ADD unitsSold :units, sales :sales SET lastSequence = :last, expiresAt = :expiresAt, stockPoints = list_append(if_not_exists(stockPoints, :none), :points)';
/** The replay guard, on the item itself: a redelivered batch's records are not after `lastSequence`. */
const REPLAY_GUARD = 'attribute_not_exists(lastSequence) OR lastSequence < :first';
/**
 * Points an item-day's history keeps. Each batch that touches an item appends its minutes, so
 * a busy item could otherwise grow past DynamoDB's 400 KB item limit, and every later batch
 * holding it would fail; 1,500 points (a day of one a minute, and some) is about 14 KB.
 */
export const MAX_HISTORY_POINTS = 1500;
const DEMAND_CONDITION = `(${REPLAY_GUARD}) AND (attribute_not_exists(stockPoints) OR size(stockPoints) < :cap)`;
/** The update once the day's history is full: the day's totals only. */
const TOTALS_UPDATE =
  'ADD unitsSold :units, sales :sales SET lastSequence = :last, expiresAt = :expiresAt';

/**
 * Daily demand and quantity history per item, fed by the demand-recorder: one conditional
 * UpdateItem per item-day per batch (1 write unit while the item is under 1 KB; a transaction
 * would cost 2). Each item-day remembers the last sequence applied, so a redelivered batch adds
 * nothing twice. The writes are built in the wire format: this runs for every batch, and
 * marshalling plain values through the document client doubled its cost (measured in bench/).
 */
export class DemandRepository {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /**
   * Writes every delta, {@link WRITES_IN_FLIGHT} at a time. A delta whose guard fails is a
   * replay and counted as one; any other error is thrown once the writes in flight are done,
   * so the batch is retried (and what was written is guarded by its sequence).
   */
  async record(deltas: readonly DemandDelta[]): Promise<{ applied: number; replays: number }> {
    let replays = 0;
    let next = 0;
    const failures: unknown[] = [];
    const worker = async () => {
      while (next < deltas.length && failures.length === 0) {
        const delta = deltas[next++] as DemandDelta;
        try {
          if (!(await this.write(delta))) replays++;
        } catch (error) {
          failures.push(error);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(WRITES_IN_FLIGHT, deltas.length) }, worker));
    if (failures.length > 0) throw failures[0];
    return { applied: deltas.length - replays, replays };
  }

  /**
   * Writes one delta with its history; when the guard refuses it, tells a replay (false) from
   * a full history, for which it writes the totals alone (guarded the same way).
   */
  private async write(delta: DemandDelta): Promise<boolean> {
    try {
      await this.doc.send(new UpdateItemCommand(this.withHistory(delta)));
      return true;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const applied = error.Item?.lastSequence?.S;
      if (applied === undefined || applied >= paddedSequence(delta.firstSequence)) return false;
    }
    try {
      await this.doc.send(new UpdateItemCommand(this.totals(delta)));
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /** The day's totals alone, under the replay guard. */
  private totals(delta: DemandDelta) {
    const expiresAt =
      Math.floor(Date.parse(`${delta.day}T00:00:00Z`) / 1000) + DEMAND_RETENTION_DAYS * 86_400;
    const key = ControlKeys.demandDay(delta.sku, delta.location, delta.day);
    return {
      TableName: this.tableName,
      Key: { pk: { S: key.pk }, sk: { S: key.sk } },
      UpdateExpression: TOTALS_UPDATE,
      ConditionExpression: REPLAY_GUARD,
      ExpressionAttributeValues: {
        ':units': { N: String(delta.unitsSold) },
        ':sales': { N: String(delta.sales) },
        ':last': { S: paddedSequence(delta.lastSequence) },
        ':first': { S: paddedSequence(delta.firstSequence) },
        ':expiresAt': { N: String(expiresAt) },
      },
    };
  }

  /** The totals and the batch's history points, while the history is under its cap. */
  private withHistory(delta: DemandDelta) {
    const totals = this.totals(delta);
    return {
      ...totals,
      UpdateExpression: DEMAND_UPDATE,
      ConditionExpression: DEMAND_CONDITION,
      // On a refusal, the item as it was: a replay, or a full history?
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
      ExpressionAttributeValues: {
        ...totals.ExpressionAttributeValues,
        ':none': { L: [] },
        ':points': { L: (delta.history ?? []).map((p) => ({ S: encodePoint(p) })) },
        ':cap': { N: String(MAX_HISTORY_POINTS) },
      },
    };
  }
}

const DAY_MS = 86_400_000;
const dayOf = (time: number) => new Date(time).toISOString().slice(0, 10);

/** One item-day as stored: units sold and the quantity history's points. */
export interface StoredItemDay {
  readonly day: string;
  readonly unitsSold: number;
  readonly points: string[];
}

/**
 * The stored days of an item from `fromDay` to `toDay` (yyyy-mm-dd, both included), oldest
 * first: one Query on the item's partition (paged), never a scan. Without `withHistory` only
 * the totals are returned (the read costs the same; the transfer is smaller).
 */
export const itemDays = async (
  doc: DynamoDBDocumentClient,
  tableName: string,
  item: { sku: string; location: string },
  fromDay: string,
  toDay: string,
  withHistory = false,
): Promise<StoredItemDay[]> => {
  const keyOf = (day: string) => ControlKeys.demandDay(item.sku, item.location, day);
  const items = await queryAll(doc, {
    TableName: tableName,
    KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
    ProjectionExpression: withHistory ? 'sk, unitsSold, stockPoints' : 'sk, unitsSold',
    ExpressionAttributeValues: {
      ':pk': keyOf('').pk,
      ':from': keyOf(fromDay).sk,
      ':to': keyOf(toDay).sk,
    },
  });
  // The day is in the sort key (DEMAND#yyyy-mm-dd); the item holds the totals and history.
  const dayPrefix = keyOf('').sk.length;
  return items.map((i) => ({
    day: String(i.sk).slice(dayPrefix),
    unitsSold: Number(i.unitsSold ?? 0),
    points: Array.isArray(i.stockPoints) ? i.stockPoints.map(String) : [],
  }));
};

/**
 * Daily demand of an item over the `windowDays` complete days before `today`, oldest first,
 * with days without sales as zero: one Query on the item's day totals.
 */
export const dailySeries = async (
  doc: DynamoDBDocumentClient,
  tableName: string,
  item: { sku: string; location: string },
  windowDays: number,
  today: Date,
): Promise<{ day: string; units: number }[]> => {
  const end = Date.parse(`${dayOf(today.getTime())}T00:00:00Z`) - DAY_MS;
  const start = end - (windowDays - 1) * DAY_MS;
  const stored = await itemDays(doc, tableName, item, dayOf(start), dayOf(end));
  return demandSeries(stored, dayOf(start), windowDays);
};

/**
 * Demand-derived thresholds per item, cached in the container: demand moves over days, so a
 * cached value (default 15 minutes) costs at most one Query per item per TTL, never one per
 * record. The cache holds at most `maxEntries` items, least recently used out first.
 */
export class DemandThresholds {
  private readonly cache: LruCache<string, { value: DerivedThresholds; expiresAt: number }>;

  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly ttlMs = 15 * 60_000,
    private readonly clock: () => number = Date.now,
    maxEntries = DEFAULT_CACHE_MAX_ENTRIES,
  ) {
    this.cache = new LruCache(maxEntries);
  }

  /** Items held in the cache (for tests and metrics). */
  get cacheSize(): number {
    return this.cache.size;
  }

  async get(
    items: readonly { sku: string; location: string; policy: DemandPolicy }[],
  ): Promise<Map<string, DerivedThresholds>> {
    const now = this.clock();
    const result = new Map<string, DerivedThresholds>();
    await Promise.all(
      items.map(async (item) => {
        const key = itemKeyOf(item);
        const cached = this.cache.get(key);
        if (cached && cached.expiresAt > now) {
          result.set(key, cached.value);
          return;
        }
        const series = await dailySeries(
          this.doc,
          this.tableName,
          item,
          item.policy.windowDays,
          new Date(now),
        );
        const value = deriveThresholds(rollingStatistics(series), item.policy);
        this.cache.set(key, { value, expiresAt: now + this.ttlMs });
        result.set(key, value);
      }),
    );
    return result;
  }
}
