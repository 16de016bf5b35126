import { describe, expect, it } from 'vitest';
import { chartColumns, findingsOf, markersOf, summaryOf } from '../../cli/report-html/model.js';
import { thresholdSteps } from '../../cli/report-html/thresholds-over-time.js';
import type { LedgerEntry } from '../../shared/domain/ledger.js';
import { parseRule } from '../../shared/domain/rules.js';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const start = Date.parse('2026-11-10T00:00:00Z');
const iso = (t: number) => new Date(t).toISOString();

const entry = (e: Partial<LedgerEntry> & Pick<LedgerEntry, 'alertId' | 'level'>): LedgerEntry => ({
  transition: 'TRIGGERED',
  sku: 'A',
  location: 'WH-1',
  strategy: 'notify-only',
  outcome: 'applied',
  before: {},
  after: {},
  occurredAt: iso(start),
  at: iso(start),
  ...e,
});

const autoRule = parseRule({
  scope: { default: true },
  thresholds: { LOW_STOCK: 'auto', OVERSTOCK: 200 },
  demand: {
    leadTimeDays: 2,
    serviceLevel: 0.95,
    fallbackLowStock: 5,
    minHistoryDays: 3,
    windowDays: 7,
    maxLowStock: 150,
  },
});

describe('thresholds over the period', () => {
  it('steps an auto LOW_STOCK each day as the demand of the window before it moves it', () => {
    // 7 days of 2 a day, then 3 days of 10 a day: the derived threshold rises day by day.
    const demandDays = [
      ...Array.from({ length: 7 }, (_, i) => ({
        day: iso(start - (7 - i) * DAY).slice(0, 10),
        unitsSold: 2,
      })),
      ...Array.from({ length: 3 }, (_, i) => ({
        day: iso(start + i * DAY).slice(0, 10),
        unitsSold: 10,
      })),
    ];
    const steps = thresholdSteps({
      rule: autoRule,
      item: {},
      suggestions: [],
      demandDays,
      since: start,
      until: start + 4 * DAY,
    });
    expect(steps[0]).toEqual({ at: start, low: 4, high: 200 }); // 2/day × 2 days, no spread
    const lows = steps.map((s) => s.low);
    expect(lows).toEqual([...lows].sort((a, b) => (a ?? 0) - (b ?? 0)));
    expect(steps.length).toBeGreaterThan(1);
    expect(steps.every((s) => (s.at - start) % DAY === 0)).toBe(true);
  });

  it('steps where an applied suggestion changed the rule, from what it replaced to what it set', () => {
    const fixed = parseRule({
      scope: { default: true },
      thresholds: { LOW_STOCK: 12, OVERSTOCK: 90 },
    });
    const applied = start + 5 * HOUR;
    const steps = thresholdSteps({
      rule: fixed,
      item: {},
      suggestions: [
        entry({
          alertId: 'thresholds-1',
          level: 'LOW_STOCK',
          strategy: 'threshold-suggestion',
          before: { thresholds: { LOW_STOCK: 7, OVERSTOCK: 90 } },
          after: { thresholds: { LOW_STOCK: 12, OVERSTOCK: 90 } },
          at: iso(applied),
        }),
      ],
      demandDays: [],
      since: start,
      until: start + DAY,
    });
    expect(steps).toEqual([
      { at: start, low: 7, high: 90 },
      { at: applied, low: 12, high: 90 },
    ]);
  });
});

describe('chart model', () => {
  it('holds the quantity to the minute before a delete, so the gap starts where the item went', () => {
    const samples = [
      { at: start + HOUR, quantity: 5, price: 10 },
      { at: start + 2 * HOUR, quantity: null, price: 10 },
      { at: start + 3 * HOUR, quantity: 7, price: 11 },
    ];
    const columns = chartColumns(
      samples,
      [{ at: start, low: 3, high: 50 }],
      [],
      start,
      start + 4 * HOUR,
    );
    const at = (t: number) => columns.times.indexOf(t / 1000);
    expect(columns.quantity[at(start)]).toBeNull();
    expect(columns.quantity[at(start + 2 * HOUR - 1)]).toBe(5);
    expect(columns.quantity[at(start + 2 * HOUR)]).toBeNull();
    expect(columns.quantity[at(start + 4 * HOUR)]).toBe(7);
    expect(columns.low.every((v) => v === 3)).toBe(true);
    expect(columns.price).toBeDefined();
  });

  it('marks each alert transition once and each applied effect at its time, stacked in one minute', () => {
    const markers = markersOf(
      [
        entry({
          alertId: 'x',
          level: 'OUT_OF_STOCK',
          strategy: 'pause-listing',
          decision: { kind: 'pause-listing', listed: false },
        }),
        entry({
          alertId: 'x',
          level: 'OUT_OF_STOCK',
          strategy: 'direct-restock',
          decision: { kind: 'direct-restock', quantity: 4, source: 'DC' },
        }),
        entry({ alertId: 'x', level: 'OUT_OF_STOCK', strategy: 'reprice', outcome: 'skipped' }),
      ],
      [],
      start,
      start + HOUR,
    );
    expect(markers.map((m) => [m.kind, m.stack])).toEqual([
      ['triggered', 0],
      ['listing', 0],
      ['restock', 1],
    ]);
  });

  it('writes the findings from the figures and the thresholds-suggest row', () => {
    expect(
      findingsOf({
        stockouts: { count: 3, ms: 18 * HOUR },
        orderDurationsMs: [2 * DAY, 3 * DAY],
        leadTimeDays: 5,
        suggestion: {
          current: 10,
          suggested: 31,
          basis: 'demand (28 d)',
          daysOfCover: 1.2,
          stockoutRisk: '40%',
        },
        samples: 12,
      }),
    ).toEqual([
      'Out of stock 3 time(s), 18h in total in this period.',
      '2 order(s) received, after 2.5 days on average against a 5-day lead time.',
      'The demand-derived threshold (31, demand (28 d)) is above the one in force (10); 1.2 days of cover, 40% risk of a stockout within the lead time.',
    ]);
  });

  it('compares each summary figure with the period of the same length before', () => {
    const trigger = (id: string, at: number) =>
      entry({ alertId: id, level: 'LOW_STOCK', occurredAt: iso(at), at: iso(at) });
    const resolve = (id: string, at: number) =>
      entry({
        alertId: id,
        level: 'LOW_STOCK',
        transition: 'RESOLVED',
        occurredAt: iso(at),
        at: iso(at),
      });
    const summary = summaryOf(
      [
        trigger('old', start - 20 * HOUR),
        resolve('old', start - 18 * HOUR),
        trigger('new', start + HOUR),
        resolve('new', start + 5 * HOUR),
      ],
      start,
      start + DAY,
    );
    const low = summary.levels.find((l) => l.level === 'LOW_STOCK')?.figures;
    expect(low).toEqual([
      { label: 'alerts', now: '1', before: '1' },
      { label: 'time to recover p50', now: '4h', before: '2h' },
      { label: 'time to recover p90', now: '4h', before: '2h' },
    ]);
    expect(summary.effects).toEqual([
      { strategy: 'notify-only', outcome: 'applied', now: 2, before: 2 },
    ]);
  });
});
