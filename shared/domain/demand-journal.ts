/**
 * The demand journal: what each stream batch changed of each item-day (a delta), journaled
 * per batch, and folded into day totals once the day is over. Pure functions: the chunking of
 * a batch's deltas into journal entries, their compact text, and the exactly-once fold.
 *
 * Exactly once: Lambda redelivers a failed batch whole, or (with bisection) in halves, so a
 * journaled delta can repeat another, or hold a part of another's records. Every delta names
 * the span of its item's records [first, last] in stream order (one item's records are on one
 * shard, in order): two deltas of one item-day from one delivery pattern have spans that are
 * equal, nested or disjoint. The fold keeps the spans no other span contains, so each record
 * is counted once however the batches were redelivered. Two spans that overlap without one
 * holding the other cannot come from Lambda; if they ever do, both are counted and the
 * overlap is reported: an over-count that is seen, rather than a loss or a silent double.
 */
import { encodeKeyParts } from '../contracts/keys.js';
import { decodePoint, encodePoint, type HistoryPoint, withPriceChanges } from './stock-history.js';

/**
 * What one batch changed of one item on one UTC day: units sold, the quantity history of the
 * minutes it touched, and the span of the item's records it came from.
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
  /** The last quantity (and price where it changed) of each minute the batch changed. */
  readonly history?: readonly HistoryPoint[];
}

/** One item-day folded from its journal: what the readers read. */
export interface ItemDayTotal {
  readonly sku: string;
  readonly location: string;
  readonly day: string;
  readonly unitsSold: number;
  readonly sales: number;
  /** Encoded points (stock-history.ts), one per minute, in minute order. */
  readonly points: string[];
}

/** Two deltas of one item-day whose spans overlap without one holding the other. */
export interface SpanOverlap {
  readonly sku: string;
  readonly location: string;
  readonly day: string;
  readonly spans: readonly [[string, string], [string, string]];
}

/** Pads a stream sequence number so that string order is numeric order (keys sort by it). */
export const paddedSequence = (sequence: string): string => sequence.padStart(40, '0');

/** Stream sequence numbers are decimal strings of up to 40 digits: compared as numbers. */
export const compareSequences = (a: string, b: string): number =>
  a.length !== b.length ? a.length - b.length : a < b ? -1 : a > b ? 1 : 0;

/** The item-day a delta belongs to, as a key that no two item-days share. */
export const itemDayKey = (d: { sku: string; location: string; day: string }) =>
  encodeKeyParts([d.sku, d.location, d.day]);

/** `deltas` by item-day ({@link itemDayKey}), each group in the order given. */
export const deltasByItemDay = (deltas: readonly DemandDelta[]): Map<string, DemandDelta[]> => {
  const groups = new Map<string, DemandDelta[]>();
  for (const delta of deltas) {
    const key = itemDayKey(delta);
    const group = groups.get(key);
    if (group) group.push(delta);
    else groups.set(key, [delta]);
  }
  return groups;
};

/**
 * The day totals and history of every item-day in `deltas` (any order, any repeats), each
 * record counted once: per item-day, the deltas whose span no other delta's span holds (of
 * equal spans, one), summed, and their histories merged in stream order. Overlaps that are
 * not nesting are returned with the totals, which then count both deltas.
 */
export const foldJournal = (
  deltas: readonly DemandDelta[],
): { days: ItemDayTotal[]; overlaps: SpanOverlap[] } => {
  const groups = deltasByItemDay(deltas);
  const days: ItemDayTotal[] = [];
  const overlaps: SpanOverlap[] = [];
  for (const group of groups.values()) {
    const kept = outermost(group, overlaps);
    const first = kept[0] as DemandDelta;
    days.push({
      sku: first.sku,
      location: first.location,
      day: first.day,
      unitsSold: kept.reduce((sum, d) => sum + d.unitsSold, 0),
      sales: kept.reduce((sum, d) => sum + d.sales, 0),
      points: mergeHistories(kept.map((d) => d.history ?? [])).map(encodePoint),
    });
  }
  return { days, overlaps };
};

/**
 * The deltas no other delta holds, in stream order, in one pass: sorted by first sequence, the
 * widest first, a delta is held by one kept before it exactly when its last sequence is at
 * most the largest last kept so far (equal spans included). Kept deltas never nest, so their
 * last sequences rise: those a new one overlaps are the kept ones at the end whose last
 * reaches its first, each pair pushed to `overlaps`.
 */
const outermost = (group: readonly DemandDelta[], overlaps: SpanOverlap[]): DemandDelta[] => {
  const sorted = [...group].sort(
    (a, b) =>
      compareSequences(a.firstSequence, b.firstSequence) ||
      compareSequences(b.lastSequence, a.lastSequence),
  );
  const kept: DemandDelta[] = [];
  for (const delta of sorted) {
    const widest = kept.at(-1);
    if (widest && compareSequences(delta.lastSequence, widest.lastSequence) <= 0) continue;
    const overlapped: DemandDelta[] = [];
    for (let i = kept.length - 1; i >= 0; i--) {
      const k = kept[i] as DemandDelta;
      if (compareSequences(k.lastSequence, delta.firstSequence) < 0) break;
      overlapped.push(k);
    }
    overlaps.push(...overlapped.reverse().map((k) => spanOverlap(k, delta)));
    kept.push(delta);
  }
  return kept;
};

/** Two kept deltas of one item-day whose spans overlap, as reported. */
const spanOverlap = (a: DemandDelta, b: DemandDelta): SpanOverlap => ({
  sku: a.sku,
  location: a.location,
  day: a.day,
  spans: [
    [a.firstSequence, a.lastSequence],
    [b.firstSequence, b.lastSequence],
  ],
});

/**
 * One history from several, given in stream order: the last point of each minute wins, the
 * price carried within each history to its every point, then written only where it changes.
 */
export const mergeHistories = (histories: readonly (readonly HistoryPoint[])[]): HistoryPoint[] => {
  const byMinute = new Map<number, HistoryPoint>();
  for (const history of histories) {
    let price: number | undefined;
    for (const point of history) {
      if (point.price !== undefined) price = point.price;
      byMinute.set(point.minute, { minute: point.minute, quantity: point.quantity, price });
    }
  }
  return withPriceChanges([...byMinute.values()].sort((a, b) => a.minute - b.minute));
};

/** The size a journal entry's text stays under: DynamoDB items hold 400 KB, keys and all. */
export const MAX_ENTRY_BYTES = 350_000;

/** One journal entry: a day's deltas of one batch (or a part of them), as compact text. */
export interface JournalEntry {
  readonly day: string;
  /** 0, 1, …: a batch's deltas of one day in more than one entry when they are large. */
  readonly part: number;
  readonly text: string;
  /** The deltas the text holds. */
  readonly deltas: readonly DemandDelta[];
}

/**
 * A batch's deltas as journal entries, per UTC day, split where an entry would pass
 * {@link MAX_ENTRY_BYTES}: deterministic, so a redelivered batch makes the same entries.
 */
export const journalEntries = (deltas: readonly DemandDelta[]): JournalEntry[] => {
  const byDay = new Map<string, DemandDelta[]>();
  for (const delta of deltas) {
    const ofDay = byDay.get(delta.day);
    if (ofDay) ofDay.push(delta);
    else byDay.set(delta.day, [delta]);
  }
  const entries: JournalEntry[] = [];
  for (const [day, ofDay] of [...byDay].sort(([a], [b]) => (a < b ? -1 : 1))) {
    let rows: string[] = [];
    let held: DemandDelta[] = [];
    let bytes = 2;
    let part = 0;
    for (const delta of ofDay) {
      const line = encodeDelta(delta);
      const size = Buffer.byteLength(line) + 1;
      if (rows.length > 0 && bytes + size > MAX_ENTRY_BYTES) {
        entries.push({ day, part: part++, text: `[${rows}]`, deltas: held });
        rows = [];
        held = [];
        bytes = 2;
      }
      rows.push(line);
      held.push(delta);
      bytes += size;
    }
    entries.push({ day, part, text: `[${rows}]`, deltas: held });
  }
  return entries;
};

/**
 * One delta as a JSON array, `[sku, location, units, sales, first, last, points]`, points
 * joined by `,` (a point holds none): JSON, so a sku or location may hold any character.
 */
const encodeDelta = (d: DemandDelta): string =>
  JSON.stringify([
    d.sku,
    d.location,
    d.unitsSold,
    d.sales,
    d.firstSequence,
    d.lastSequence,
    (d.history ?? []).map(encodePoint).join(','),
  ]);

/** The deltas of a journal entry of `day`; throws on text that no entry was written as. */
export const decodeEntry = (day: string, text: string): DemandDelta[] => {
  const rows = JSON.parse(text) as unknown;
  if (!Array.isArray(rows)) throw new TypeError(`journal entry of ${day} is not a list`);
  return rows.map((row: unknown) => {
    if (!Array.isArray(row) || row.length !== 7)
      throw new TypeError(`journal entry of ${day} holds a row that is not a delta`);
    const [sku, location, unitsSold, sales, firstSequence, lastSequence, points] = row;
    return {
      sku: String(sku),
      location: String(location),
      day,
      unitsSold: Number(unitsSold),
      sales: Number(sales),
      firstSequence: String(firstSequence),
      lastSequence: String(lastSequence),
      history: String(points)
        .split(',')
        .map(decodePoint)
        .filter((p): p is HistoryPoint => p !== undefined),
    };
  });
};
