import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { itemKeyOf } from '../contracts/inventory.js';
import { ControlKeys } from '../contracts/tables.js';
import { DAY_MS, dayBefore, utcDayOf } from '../domain/days.js';
import {
  type DemandPolicy,
  type DerivedThresholds,
  demandSeries,
  deriveThresholds,
  rollingStatistics,
} from '../domain/demand.js';
import { batchGetAll } from './batch-get.js';
import { DEFAULT_CACHE_MAX_ENTRIES, LruCache } from './lru-cache.js';
import { queryAll } from './query-all.js';

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
 * The last day the demand-rollup (adapters/demand-journal.ts) rolled up, or undefined when no
 * roll-up ever ran (the demand days were then written directly, by the recorder before the
 * journal, or there are none). It lives beside the readers so that reading it does not load
 * the journal's code (zlib and all) into the stock-monitor.
 *
 * Read with BatchGetItem, not GetItem: the stock-monitor and the demand-rollup are granted
 * BatchGetItem on the control table (the rules directory reads its head the same way) and
 * not GetItem, so a Get would be denied in AWS (test/functions/function-grants.test.ts).
 */
export const rolledUpThrough = async (
  doc: DynamoDBDocumentClient,
  tableName: string,
): Promise<string | undefined> => {
  const [marker] = await batchGetAll(doc, tableName, [ControlKeys.demandRollup()]);
  const through = marker?.through;
  return typeof through === 'string' ? through : undefined;
};

/**
 * The last complete day whose demand can be read: yesterday, or the last day rolled up from
 * the journal if that is earlier (a day not rolled up yet would read as no sales). Without a
 * roll-up marker (none ran yet: days written before the journal, or none) it is yesterday.
 */
export const lastCompleteDay = async (
  doc: DynamoDBDocumentClient,
  tableName: string,
  today: Date,
): Promise<string> => {
  const yesterday = dayBefore(utcDayOf(today));
  const through = await rolledUpThrough(doc, tableName);
  return through !== undefined && through < yesterday ? through : yesterday;
};

/**
 * Daily demand of an item over the `windowDays` days ending with `lastDay` (from
 * {@link lastCompleteDay}), oldest first, with days without sales as zero: one Query on the
 * item's day totals.
 */
export const dailySeries = async (
  doc: DynamoDBDocumentClient,
  tableName: string,
  item: { sku: string; location: string },
  windowDays: number,
  lastDay: string,
): Promise<{ day: string; units: number }[]> => {
  const end = Date.parse(`${lastDay}T00:00:00Z`);
  const start = end - (windowDays - 1) * DAY_MS;
  const stored = await itemDays(doc, tableName, item, utcDayOf(start), lastDay);
  return demandSeries(stored, utcDayOf(start), windowDays);
};

/**
 * Demand-derived thresholds per item, cached in the container: demand moves over days, so a
 * cached value (default 15 minutes) costs at most one Query per item per TTL, never one per
 * record. The cache holds at most `maxEntries` items, least recently used out first.
 */
export class DemandThresholds {
  private readonly cache: LruCache<string, { value: DerivedThresholds; expiresAt: number }>;
  /** The last complete day, read once per TTL: it moves once a night. */
  private lastDay: { day: Promise<string>; expiresAt: number } | undefined;

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
          await this.lastCompleteDay(now),
        );
        const value = deriveThresholds(rollingStatistics(series), item.policy);
        this.cache.set(key, { value, expiresAt: now + this.ttlMs });
        result.set(key, value);
      }),
    );
    return result;
  }

  /** {@link lastCompleteDay}, shared by the reads of one TTL; a failed read is not kept. */
  private lastCompleteDay(now: number): Promise<string> {
    if (this.lastDay && this.lastDay.expiresAt > now) return this.lastDay.day;
    const day = lastCompleteDay(this.doc, this.tableName, new Date(now));
    this.lastDay = { day, expiresAt: now + this.ttlMs };
    day.catch(() => {
      if (this.lastDay?.day === day) this.lastDay = undefined;
    });
    return day;
  }
}
