import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type DemandDelta,
  foldJournal,
  paddedSequence,
} from '../../../shared/domain/demand-journal.js';
import { afterLegacy, legacyOf, mergeLegacy } from '../../../shared/domain/demand-legacy.js';

const delta = (first: number, last: number, units: number): DemandDelta => ({
  sku: 'MUG-1',
  location: 'WH-1',
  day: '2026-11-25',
  unitsSold: units,
  sales: 1,
  firstSequence: String(first),
  lastSequence: String(last),
});

describe('demand days the recorder before the journal wrote', () => {
  it('reads the old part from the item itself, or from where a merge kept it', () => {
    const old = {
      unitsSold: 5,
      sales: 2,
      stockPoints: ['600:9'],
      lastSequence: paddedSequence('300'),
    };
    expect(legacyOf(old)).toEqual({
      unitsSold: 5,
      sales: 2,
      points: ['600:9'],
      lastSequence: old.lastSequence,
    });
    expect(legacyOf({ unitsSold: 9, sales: 3, stockPoints: [], legacy: old })).toMatchObject({
      unitsSold: 5,
    });
    expect(legacyOf({ unitsSold: 9, sales: 3, stockPoints: [] })).toBeUndefined();
    // A rollback after the merge: the old recorder counted on, past the kept part.
    const rolledBack = {
      unitsSold: 12,
      sales: 4,
      stockPoints: [],
      lastSequence: paddedSequence('900'),
      legacy: old,
    };
    expect(legacyOf(rolledBack)).toMatchObject({
      unitsSold: 12,
      lastSequence: paddedSequence('900'),
    });
    expect(legacyOf(undefined)).toBeUndefined();
  });

  it('adds to the old part exactly the journal records it had not counted (property)', () => {
    // Records 1..n of one item, each a sale of `units[i]`; the old recorder counted the first
    // `cut` of them; the journal holds batches of the rest and, redelivered across the upgrade,
    // batches ending at or before the cut.
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 30 }),
        fc.nat(),
        fc.integer({ min: 1, max: 4 }),
        (units, cutSeed, batch) => {
          const cut = cutSeed % (units.length + 1);
          const legacy = {
            unitsSold: units.slice(0, cut).reduce((a, b) => a + b, 0),
            sales: cut,
            points: [],
            lastSequence: paddedSequence(String(100 + cut)),
          };
          const journal: DemandDelta[] = [];
          for (let i = 0; i < units.length; i += batch) {
            const slice = units.slice(i, i + batch);
            journal.push({
              ...delta(
                101 + i,
                100 + i + slice.length,
                slice.reduce((a, b) => a + b, 0),
              ),
              sales: slice.length,
            });
          }
          // Only whole batches after the cut, or batches redelivered from before the upgrade.
          const clean = journal.filter(
            (d) => Number(d.firstSequence) > 100 + cut || Number(d.lastSequence) <= 100 + cut,
          );
          const fresh = foldJournal(afterLegacy(clean, legacy)).days[0];
          const total = fresh ? mergeLegacy(legacy, fresh) : legacy;
          const counted = clean
            .filter((d) => Number(d.lastSequence) > 100 + cut)
            .reduce((sum, d) => sum + d.unitsSold, legacy.unitsSold);
          expect(total.unitsSold).toBe(counted);
        },
      ),
    );
  });

  it('merges the history by minute, the journal winning a minute both hold', () => {
    const legacy = {
      unitsSold: 1,
      sales: 1,
      points: ['600:9', '601:8'],
      lastSequence: paddedSequence('5'),
    };
    const fresh = {
      sku: 'MUG-1',
      location: 'WH-1',
      day: '2026-11-25',
      unitsSold: 2,
      sales: 1,
      points: ['601:7', '700:5'],
    };
    expect(mergeLegacy(legacy, fresh)).toEqual({
      ...fresh,
      unitsSold: 3,
      sales: 2,
      points: ['600:9', '601:7', '700:5'],
    });
  });
});
