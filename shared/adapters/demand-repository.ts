import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { itemKeyOf } from '../contracts/inventory.js';
import { ControlKeys } from '../contracts/tables.js';
import {
  type DemandPolicy,
  type DerivedThresholds,
  deriveThresholds,
  rollingStatistics,
} from '../domain/demand.js';
import { DEFAULT_CACHE_MAX_ENTRIES, LruCache } from './lru-cache.js';
import { transactWriteEachRaw } from './transact.js';

/** Units sold of one item on one day within a batch, and the span of records they came from. */
export interface DemandDelta {
  readonly sku: string;
  readonly location: string;
  /** UTC day, yyyy-mm-dd. */
  readonly day: string;
  readonly unitsSold: number;
  readonly sales: number;
  readonly firstSequence: string;
  readonly lastSequence: string;
}

const DEMAND_RETENTION_DAYS = 400;

/** Pads a stream sequence number so that string order is numeric order. */
export const paddedSequence = (sequence: string): string => sequence.padStart(40, '0');

/** The update of one day total: constant text, so only the values differ between actions. */
const DEMAND_UPDATE =
  'ADD unitsSold :units, sales :sales SET lastSequence = :last, expiresAt = :expiresAt';
const DEMAND_CONDITION = 'attribute_not_exists(lastSequence) OR lastSequence < :first';

/**
 * Daily demand per item, fed by the demand-recorder: one transactional write of up to 100 items
 * per batch. Each day item remembers the last sequence applied, so a redelivered batch adds
 * nothing twice. The actions are built in the wire format: this write runs for every batch
 * with a sale, and marshalling plain values through the document client doubled its cost
 * (measured in bench/).
 */
export class DemandRepository {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async record(deltas: readonly DemandDelta[]): Promise<{ applied: number; replays: number }> {
    const replays = await transactWriteEachRaw(this.doc, deltas, (d) => this.update(d));
    return { applied: deltas.length - replays.length, replays: replays.length };
  }

  private update(delta: DemandDelta) {
    const expiresAt =
      Math.floor(Date.parse(`${delta.day}T00:00:00Z`) / 1000) + DEMAND_RETENTION_DAYS * 86_400;
    const key = ControlKeys.demandDay(delta.sku, delta.location, delta.day);
    return {
      Update: {
        TableName: this.tableName,
        Key: { pk: { S: key.pk }, sk: { S: key.sk } },
        UpdateExpression: DEMAND_UPDATE,
        ConditionExpression: DEMAND_CONDITION,
        ExpressionAttributeValues: {
          ':units': { N: String(delta.unitsSold) },
          ':sales': { N: String(delta.sales) },
          ':last': { S: paddedSequence(delta.lastSequence) },
          ':first': { S: paddedSequence(delta.firstSequence) },
          ':expiresAt': { N: String(expiresAt) },
        },
      },
    };
  }
}

const DAY_MS = 86_400_000;
const dayOf = (time: number) => new Date(time).toISOString().slice(0, 10);

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
  const keyOf = (day: string) => ControlKeys.demandDay(item.sku, item.location, day);
  const output = await doc.send(
    new QueryCommand({
      TableName: tableName,
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
      ExpressionAttributeValues: {
        ':pk': keyOf('').pk,
        ':from': keyOf(dayOf(start)).sk,
        ':to': keyOf(dayOf(end)).sk,
      },
    }),
  );
  // The day is in the sort key (DEMAND#yyyy-mm-dd); the item holds only the totals.
  const dayPrefix = keyOf('').sk.length;
  const sold = new Map(
    (output.Items ?? []).map((i) => [String(i.sk).slice(dayPrefix), Number(i.unitsSold ?? 0)]),
  );
  return Array.from({ length: windowDays }, (_, i) => {
    const day = dayOf(start + i * DAY_MS);
    return { day, units: sold.get(day) ?? 0 };
  });
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
