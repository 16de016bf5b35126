import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  compareSequences,
  type DemandDelta,
  decodeEntry,
  foldJournal,
  journalEntries,
  MAX_ENTRY_BYTES,
  mergeHistories,
} from '../../../shared/domain/demand-journal.js';
import { pointsOfDay } from '../../../shared/domain/stock-history.js';
import { demandDelta } from '../../support/demand.js';

/** A stream record as the fold sees it: one change of an item, in stream order. */
interface Sale {
  readonly sku: string;
  readonly day: string;
  readonly sequence: number;
  readonly units: number;
  readonly minute: number;
  readonly quantity: number;
  readonly price: number;
}

/** What the recorder journals of one delivery of `records`: one delta per item-day. */
const deltasOf = (records: readonly Sale[]): DemandDelta[] => {
  const groups = new Map<string, Sale[]>();
  for (const r of records) {
    const key = JSON.stringify([r.sku, r.day]);
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  return [...groups.values()].map((group) => {
    const first = group[0] as Sale;
    const last = group[group.length - 1] as Sale;
    return {
      sku: first.sku,
      location: 'WH-1',
      day: first.day,
      unitsSold: group.reduce((sum, r) => sum + r.units, 0),
      sales: group.filter((r) => r.units > 0).length,
      firstSequence: String(first.sequence),
      lastSequence: String(last.sequence),
      history: pointsOfDay(
        group.map((r) => ({
          at: new Date(Date.parse(`${r.day}T00:00:00Z`) + r.minute * 60_000),
          quantity: r.quantity,
          price: r.price,
        })),
      ),
    };
  });
};

/** Records of a few items over two days, sequence numbers increasing across decimal widths. */
const salesArb = fc
  .array(
    fc.record({
      sku: fc.constantFrom('A', 'B#1', 'C\\', '甲'),
      day: fc.constantFrom('2025-11-25', '2025-11-26'),
      gap: fc.integer({ min: 1, max: 400 }),
      units: fc.integer({ min: 0, max: 5 }),
      minuteStep: fc.integer({ min: 0, max: 3 }),
      quantity: fc.integer({ min: 0, max: 99 }),
      price: fc.constantFrom(9.5, 10),
    }),
    { minLength: 1, maxLength: 40 },
  )
  .map((rows) => {
    let sequence = 7;
    let minute = 0;
    return rows.map(({ gap, minuteStep, ...row }) => {
      sequence += gap;
      minute = Math.min(1439, minute + minuteStep);
      return { ...row, sequence, minute };
    });
  });

/**
 * Journals `batch` as Lambda may deliver it, steered by `choices`: a delivery succeeds (and
 * may be delivered again anyway, after a timeout), or fails after writing some of its deltas
 * and is retried whole or in bisected halves, down to single records.
 */
const deliver = (batch: readonly Sale[], choices: number[], journal: DemandDelta[]): void => {
  const choice = choices.shift() ?? 0;
  const deltas = deltasOf(batch);
  if (choice % 4 === 0 || choices.length === 0) {
    journal.push(...deltas);
    return;
  }
  if (choice % 4 === 1) {
    journal.push(...deltas, ...deltas);
    return;
  }
  journal.push(...deltas.filter((_, i) => (choice >> (i + 2)) % 2 === 1));
  if (choice % 4 === 2 && batch.length > 1) {
    const half = Math.ceil(batch.length / 2);
    deliver(batch.slice(0, half), choices, journal);
    deliver(batch.slice(half), choices, journal);
  } else {
    deliver(batch, choices, journal);
  }
};

/** The totals of a fold, in a stable order. */
const totalsOf = (deltas: readonly DemandDelta[]) =>
  foldJournal(deltas)
    .days.map((d) => [d.sku, d.day, d.unitsSold, d.sales, d.points.join(' ')])
    .sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));

describe('foldJournal', () => {
  it('folds any redelivery and bisection of any batches to the totals of one clean delivery', () => {
    fc.assert(
      fc.property(
        salesArb,
        fc.array(fc.integer({ min: 1, max: 12 }), { minLength: 1, maxLength: 10 }),
        fc.array(fc.nat(), { maxLength: 60 }),
        fc.boolean(),
        (sales, sizes, choices, shuffled) => {
          // Prepare: the records cut into consecutive batches.
          const batches: Sale[][] = [];
          for (let start = 0, i = 0; start < sales.length; i++) {
            const size = sizes[i % sizes.length] as number;
            batches.push(sales.slice(start, start + size));
            start += size;
          }
          // Act
          const journal: DemandDelta[] = [];
          for (const batch of batches) deliver(batch, [...choices], journal);
          if (shuffled) journal.reverse();
          // Assess
          const clean = batches.flatMap(deltasOf);
          expect(totalsOf(journal)).toEqual(totalsOf(clean));
          expect(foldJournal(journal).overlaps).toEqual([]);
        },
      ),
    );
  });

  it('sums the days of one clean delivery: every record once', () => {
    fc.assert(
      fc.property(salesArb, (sales) => {
        const units = foldJournal(deltasOf(sales)).days.reduce((sum, d) => sum + d.unitsSold, 0);
        expect(units).toBe(sales.reduce((sum, s) => sum + s.units, 0));
      }),
    );
  });

  it('reports spans that overlap without nesting, and counts both rather than losing one', () => {
    const delta = (first: string, last: string, units: number) =>
      demandDelta({ firstSequence: first, lastSequence: last, unitsSold: units });
    const { days, overlaps } = foldJournal([delta('10', '30', 2), delta('20', '40', 3)]);
    expect(days.map((d) => d.unitsSold)).toEqual([5]);
    expect(overlaps).toEqual([
      {
        sku: 'A',
        location: 'WH-1',
        day: '2025-11-25',
        spans: [
          ['10', '30'],
          ['20', '40'],
        ],
      },
    ]);
  });

  it('keeps exactly the spans no other holds, and reports every overlapping pair of them, for any spans', () => {
    // The definition, pair by pair (quadratic), against the fold's one pass.
    const spanArb = fc
      .tuple(fc.integer({ min: 1, max: 60 }), fc.integer({ min: 0, max: 20 }))
      .map(([first, length]) => [first, first + length] as const);
    fc.assert(
      fc.property(fc.array(spanArb, { minLength: 1, maxLength: 40 }), (spans) => {
        const unique = [...new Map(spans.map((s) => [s.join('-'), s])).values()];
        const held = (s: readonly number[], o: readonly number[]) =>
          o !== s && (o[0] as number) <= (s[0] as number) && (s[1] as number) <= (o[1] as number);
        const kept = unique.filter((s) => !unique.some((o) => held(s, o)));
        const pairs = kept.flatMap((a, i) =>
          kept.slice(i + 1).filter((b) => a[0] <= (b[1] as number) && b[0] <= (a[1] as number)),
        );
        const { days, overlaps } = foldJournal(
          spans.map(([first, last]) =>
            demandDelta({
              firstSequence: String(first),
              lastSequence: String(last),
              unitsSold: first * 100 + last,
            }),
          ),
        );
        expect(days[0]?.unitsSold).toBe(kept.reduce((sum, [f, l]) => sum + f * 100 + l, 0));
        expect(overlaps).toHaveLength(pairs.length);
      }),
    );
  });

  it('reports every pair of overlapping spans, neighbours or not', () => {
    const delta = (first: string, last: string) =>
      demandDelta({ firstSequence: first, lastSequence: last });
    const { days, overlaps } = foldJournal([delta('1', '10'), delta('3', '12'), delta('5', '15')]);
    expect(days.map((d) => d.unitsSold)).toEqual([3]);
    expect(overlaps.map((o) => o.spans)).toEqual([
      [
        ['1', '10'],
        ['3', '12'],
      ],
      [
        ['1', '10'],
        ['5', '15'],
      ],
      [
        ['3', '12'],
        ['5', '15'],
      ],
    ]);
  });

  it('folds a hot item’s day of 2 s batches, each redelivered and bisected, to one count of each', () => {
    // Prepare: 43,200 batches of 10 records; each journaled whole, again, and in halves.
    const batches = 43_200;
    const journal = Array.from({ length: batches }, (_, i) => {
      const first = 1e9 + i * 10;
      const span = (from: number, to: number, units: number) =>
        demandDelta({
          firstSequence: String(from),
          lastSequence: String(to),
          unitsSold: units,
          sales: units,
          history: [{ minute: Math.floor(i / 30), quantity: batches - i }],
        });
      return [
        span(first, first + 9, 2),
        span(first, first + 4, 1),
        span(first + 5, first + 9, 1),
        span(first, first + 9, 2),
      ];
    }).flat();
    // Act
    const { days, overlaps } = foldJournal(journal.reverse());
    // Assess
    expect(days).toHaveLength(1);
    expect(days[0]).toMatchObject({ unitsSold: 2 * batches, sales: 2 * batches });
    expect(days[0]?.points).toHaveLength(batches / 30);
    expect(overlaps).toEqual([]);
  });

  it('orders sequence numbers as numbers, not as text', () => {
    expect(compareSequences('9', '10')).toBeLessThan(0);
    expect(compareSequences('100', '99')).toBeGreaterThan(0);
    expect(compareSequences('42', '42')).toBe(0);
  });
});

describe('mergeHistories', () => {
  it('keeps the last point of each minute and writes the price only where it changes', () => {
    const merged = mergeHistories([
      [
        { minute: 5, quantity: 10, price: 9.5 },
        { minute: 6, quantity: 9 },
      ],
      [
        { minute: 6, quantity: 8, price: 9.5 },
        { minute: 7, quantity: undefined, price: 10 },
      ],
    ]);
    expect(merged).toEqual([
      { minute: 5, quantity: 10, price: 9.5 },
      { minute: 6, quantity: 8 },
      { minute: 7, quantity: undefined, price: 10 },
    ]);
  });
});

describe('journal entries', () => {
  const keyCharacters = fc.string({
    unit: fc.constantFrom('a', '#', '\\', '\u0000', '\n', '"', ',', ':', '[', '甲', '😀'),
    minLength: 0,
    maxLength: 6,
  });

  it('give back the deltas they were made of, whatever characters the keys hold', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            sku: keyCharacters,
            location: keyCharacters,
            unitsSold: fc.nat(1000),
            sales: fc.nat(100),
            first: fc.bigInt({ min: 0n, max: 10n ** 38n }),
            minute: fc.integer({ min: 0, max: 1439 }),
          }),
          { maxLength: 20 },
        ),
        (rows) => {
          const deltas: DemandDelta[] = rows.map((r) => ({
            sku: r.sku,
            location: r.location,
            day: '2025-11-25',
            unitsSold: r.unitsSold,
            sales: r.sales,
            firstSequence: String(r.first),
            lastSequence: String(r.first + 5n),
            history: [{ minute: r.minute, quantity: 3, price: 1.25 }],
          }));
          const decoded = journalEntries(deltas).flatMap((e) => decodeEntry(e.day, e.text));
          expect(decoded).toEqual(deltas);
        },
      ),
    );
  });

  it('split a large batch deterministically, each entry under the size limit, one day per entry', () => {
    const deltas: DemandDelta[] = Array.from({ length: 6000 }, (_, i) => ({
      sku: `SKU-${i}`,
      location: 'WH-1',
      day: i % 2 === 0 ? '2025-11-25' : '2025-11-26',
      unitsSold: 1,
      sales: 1,
      firstSequence: String(10n ** 20n + BigInt(i)),
      lastSequence: String(10n ** 20n + BigInt(i)),
      history: Array.from({ length: 8 }, (_, m) => ({ minute: m, quantity: 100 - m, price: 19.9 })),
    }));
    const entries = journalEntries(deltas);
    expect(entries.map((e) => [e.day, e.part])).toEqual([
      ['2025-11-25', 0],
      ['2025-11-25', 1],
      ['2025-11-26', 0],
      ['2025-11-26', 1],
    ]);
    for (const entry of entries)
      expect(Buffer.byteLength(entry.text)).toBeLessThan(MAX_ENTRY_BYTES);
    expect(journalEntries(deltas)).toEqual(entries);
    expect(entries.flatMap((e) => decodeEntry(e.day, e.text))).toHaveLength(6000);
    for (const entry of entries) expect(decodeEntry(entry.day, entry.text)).toEqual(entry.deltas);
  });
});
