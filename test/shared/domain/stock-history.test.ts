import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodePoint,
  encodePoint,
  pointsOfDay,
  quantityAt,
  type StockChange,
  stockSeries,
} from '../../../shared/domain/stock-history.js';

const DAY = '2026-11-20';
const dayStart = Date.parse(`${DAY}T00:00:00Z`);

/** Changes of one day in time order: quantity (none: deleted) and an occasional price. */
const changesOfDay = fc
  .array(
    fc.record({
      second: fc.integer({ min: 0, max: 86_399 }),
      quantity: fc.option(fc.integer({ min: -5, max: 500 }), { nil: undefined }),
      price: fc.option(fc.constantFrom(9.5, 10, 12.25), { nil: undefined }),
    }),
    { maxLength: 200 },
  )
  .map((changes) =>
    changes
      .sort((a, b) => a.second - b.second)
      .map(
        (c): StockChange => ({
          at: new Date(dayStart + c.second * 1000),
          quantity: c.quantity,
          price: c.price,
        }),
      ),
  );

describe('stock history', () => {
  it('keeps the last change of each minute (its quantity, the price carried forward), through its text', () => {
    fc.assert(
      fc.property(changesOfDay, (changes) => {
        const points = pointsOfDay(changes);
        const samples = stockSeries([{ day: DAY, points: points.map(encodePoint) }]);
        const minutes = new Set(
          changes.map((c) => Math.floor((c.at.getTime() - dayStart) / 60_000)),
        );
        expect(samples).toHaveLength(minutes.size);
        // The model: the last change of each minute, prices carried forward from those.
        const lastOfMinute = new Map(
          changes.map((c) => [Math.floor((c.at.getTime() - dayStart) / 60_000), c]),
        );
        for (const sample of samples) {
          const upTo = [...lastOfMinute.values()].filter(
            (c) => c.at.getTime() < sample.at + 60_000,
          );
          expect(sample.quantity).toBe(upTo.at(-1)?.quantity ?? null);
          expect(sample.price).toBe(upTo.findLast((c) => c.price !== undefined)?.price);
        }
      }),
    );
  });

  it('writes at most one point per minute of the day', () => {
    fc.assert(
      fc.property(changesOfDay, (changes) => {
        const minutes = pointsOfDay(changes).map((p) => p.minute);
        expect(new Set(minutes).size).toBe(minutes.length);
        expect(minutes.every((m) => m >= 0 && m < 1440)).toBe(true);
      }),
    );
  });

  it('reads a later write of the same minute over an earlier one, a delete as a gap, and skips junk', () => {
    const samples = stockSeries([
      { day: DAY, points: ['600:10:9.5', '601:8', '600:11', 'junk', '1440:3', '602:'] },
    ]);
    expect(samples).toEqual([
      { at: dayStart + 600 * 60_000, quantity: 11, price: undefined },
      { at: dayStart + 601 * 60_000, quantity: 8, price: undefined },
      { at: dayStart + 602 * 60_000, quantity: null, price: undefined },
    ]);
    expect(quantityAt(samples, dayStart + 601.5 * 60_000)).toBe(8);
    expect(quantityAt(samples, dayStart)).toBeNull();
    expect(decodePoint('5:7:1.25')).toEqual({ minute: 5, quantity: 7, price: 1.25 });
  });
});
