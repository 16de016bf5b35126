/**
 * The quantity history of an item, as the demand-recorder journals it with each batch's demand
 * and the demand-rollup keeps it on each item-day's demand total: per UTC day, the last
 * quantity of each minute that changed, as compact text points.
 * Pure functions: encoding, the per-minute reduction, and the time series the report draws.
 *
 * A point is `minute:quantity[:price]`, minute of the UTC day 0–1439, e.g. `617:24` or
 * `617:24:19.9`. An empty quantity (`617:`) means the item was deleted: the report draws a gap
 * until it is written again. The price is written only where it differs from the point before
 * it in the same list, so a day's list stays small (see docs/report.md for the sizes).
 */

import { DAY_MS } from './days.js';

const MINUTES_PER_DAY = 1440;
const MINUTE_MS = 60_000;

/** One change as the history needs it: when, the quantity after it (none: deleted), the price. */
export interface StockChange {
  readonly at: Date;
  readonly quantity: number | undefined;
  readonly price: number | undefined;
}

/** A point of the history: the last quantity (and price) of a minute of a UTC day. */
export interface HistoryPoint {
  readonly minute: number;
  readonly quantity: number | undefined;
  readonly price?: number | undefined;
}

/** One sample of the series the report draws; `quantity` null is a gap (the item was deleted). */
export interface StockSample {
  readonly at: number;
  readonly quantity: number | null;
  readonly price: number | undefined;
}

/** The text of one point. */
export const encodePoint = (point: HistoryPoint): string =>
  `${point.minute}:${point.quantity ?? ''}${point.price === undefined ? '' : `:${point.price}`}`;

/** The point a text encodes, or undefined for text that is not one (skipped, not fatal). */
export const decodePoint = (text: string): HistoryPoint | undefined => {
  const [minute, quantity, price] = text.split(':');
  const m = Number(minute);
  if (!Number.isInteger(m) || m < 0 || m >= MINUTES_PER_DAY || quantity === undefined)
    return undefined;
  const q = quantity === '' ? undefined : Number(quantity);
  const p = price === undefined ? undefined : Number(price);
  if ((q !== undefined && !Number.isFinite(q)) || (p !== undefined && !Number.isFinite(p)))
    return undefined;
  return { minute: m, quantity: q, price: p };
};

/**
 * The points of one item-day's changes, in stream order: the last change of each minute, with
 * the price on the first point and wherever it changed. At most one point per minute, so a
 * write never carries more than 1,440 points.
 */
export const pointsOfDay = (changes: readonly StockChange[]): HistoryPoint[] => {
  const lastOfMinute = new Map<number, StockChange>();
  for (const change of changes) {
    const minute = Math.floor((change.at.getTime() % DAY_MS) / MINUTE_MS);
    // Delete and re-insert so the map's order is the order of each minute's last change.
    lastOfMinute.delete(minute);
    lastOfMinute.set(minute, change);
  }
  return withPriceChanges(
    [...lastOfMinute].map(([minute, change]) => ({
      minute,
      quantity: change.quantity,
      price: change.price,
    })),
  );
};

/**
 * Points that each carry their price (or none), in order, as written: the price kept only on
 * the first point that has one and where it changes, so a day's list stays small.
 */
export const withPriceChanges = (points: readonly HistoryPoint[]): HistoryPoint[] => {
  const written: HistoryPoint[] = [];
  let price: number | undefined;
  for (const point of points) {
    const changed = point.price !== undefined && point.price !== price;
    written.push({
      minute: point.minute,
      quantity: point.quantity,
      ...(changed ? { price: point.price } : {}),
    });
    if (point.price !== undefined) price = point.price;
  }
  return written;
};

/**
 * The time series of an item's stored days, oldest first: one sample per recorded minute (the
 * last one written for it wins, as a later batch may write a minute again), the price carried
 * forward from the last point that named it.
 */
export const stockSeries = (days: readonly { day: string; points: readonly string[] }[]) => {
  const byMinute = new Map<number, HistoryPoint>();
  for (const { day, points } of days) {
    const dayStart = Date.parse(`${day}T00:00:00Z`);
    if (Number.isNaN(dayStart)) continue;
    for (const text of points) {
      const point = decodePoint(text);
      if (point) byMinute.set(dayStart + point.minute * MINUTE_MS, point);
    }
  }
  const samples: StockSample[] = [];
  let price: number | undefined;
  for (const at of [...byMinute.keys()].sort((a, b) => a - b)) {
    const point = byMinute.get(at) as HistoryPoint;
    if (point.price !== undefined) price = point.price;
    samples.push({ at, quantity: point.quantity ?? null, price });
  }
  return samples;
};

/** The quantity in force at a time: the last sample at or before it (null: deleted or unknown). */
export const quantityAt = (samples: readonly StockSample[], at: number): number | null => {
  let quantity: number | null = null;
  for (const sample of samples) {
    if (sample.at > at) break;
    quantity = sample.quantity;
  }
  return quantity;
};
