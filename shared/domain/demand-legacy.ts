import type { DemandDelta, ItemDayTotal } from './demand-journal.js';
import { paddedSequence } from './demand-journal.js';

/**
 * What the demand-recorder before the journal wrote of an item-day: its totals and history, and
 * the last stream sequence it counted. The first roll-ups after the upgrade meet such days (the
 * deploy day, and the day before when the deploy fell in the recorder's batching window after
 * midnight): they keep this part and add only the journal's records after it, so no sale is
 * lost or counted twice across the upgrade.
 */
export interface LegacyDay {
  readonly unitsSold: number;
  readonly sales: number;
  readonly points: readonly string[];
  readonly lastSequence: string;
}

const numberOf = (value: unknown): number =>
  typeof value === 'number' ? value : Number(value ?? 0);
const pointsOf = (value: unknown): string[] => (Array.isArray(value) ? value.map(String) : []);

/**
 * The old recorder's part of a stored item-day: kept under `legacy` once a roll-up merged it,
 * else the item itself where the old recorder wrote it (it carries `lastSequence`); undefined
 * for a day only the journal made. Where the item's own `lastSequence` is later than the kept
 * one, the old recorder ran again after the merge (a rollback): the item itself is its part.
 */
export const legacyOf = (stored: Record<string, unknown> | undefined): LegacyDay | undefined => {
  const kept = stored?.legacy as Record<string, unknown> | undefined;
  const own = typeof stored?.lastSequence === 'string' ? stored.lastSequence : undefined;
  const keptLast = typeof kept?.lastSequence === 'string' ? kept.lastSequence : undefined;
  const source =
    own !== undefined && (keptLast === undefined || paddedSequence(own) > paddedSequence(keptLast))
      ? stored
      : kept;
  if (typeof source?.lastSequence !== 'string') return undefined;
  return {
    unitsSold: numberOf(source.unitsSold),
    sales: numberOf(source.sales),
    points: pointsOf(source.stockPoints ?? source.points),
    lastSequence: source.lastSequence,
  };
};

/** The journal's deltas of an item-day that the old recorder had not counted: those ending after it. */
export const afterLegacy = (deltas: readonly DemandDelta[], legacy: LegacyDay): DemandDelta[] =>
  deltas.filter((d) => paddedSequence(d.lastSequence) > paddedSequence(legacy.lastSequence));

/** The minute of an encoded point (stock-history.ts: `minute:quantity[:price]`). */
const minuteOf = (point: string): number => Number.parseInt(point, 10);

/**
 * An item-day's totals: the old recorder's part plus `fresh` (the fold of the journal after it);
 * history merged by minute, the journal's point winning a minute both hold.
 */
export const mergeLegacy = (legacy: LegacyDay, fresh: ItemDayTotal): ItemDayTotal => {
  const byMinute = new Map<number, string>();
  for (const point of [...legacy.points, ...fresh.points]) byMinute.set(minuteOf(point), point);
  return {
    ...fresh,
    unitsSold: legacy.unitsSold + fresh.unitsSold,
    sales: legacy.sales + fresh.sales,
    points: [...byMinute.entries()].sort((a, b) => a[0] - b[0]).map(([, point]) => point),
  };
};
