import { describe, expect, it } from 'vitest';
import {
  effectiveness,
  humanDuration,
  type LedgerFact,
  percentile,
} from '../../../shared/domain/effectiveness.js';

const HOUR = 3_600_000;
const t0 = Date.parse('2026-11-20T00:00:00Z');
const fact = (
  alertId: string,
  transition: LedgerFact['transition'],
  hours: number,
  overrides: Partial<LedgerFact> = {},
): LedgerFact => ({
  alertId,
  transition,
  level: 'LOW_STOCK',
  sku: 'A',
  location: 'WH-1',
  strategy: 'purchase-order',
  outcome: 'applied',
  occurredAt: new Date(t0 + hours * HOUR).toISOString(),
  ...overrides,
});

describe('effectiveness', () => {
  it('measures recovery percentiles, open alerts, stockout time and effects', () => {
    const facts = [
      fact('a', 'TRIGGERED', 0),
      fact('a', 'RESOLVED', 2, { outcome: 'skipped' }),
      fact('b', 'TRIGGERED', 10),
      fact('b', 'RESOLVED', 11, { outcome: 'skipped' }),
      fact('c', 'TRIGGERED', 20),
      fact('o', 'TRIGGERED', 30, { level: 'OUT_OF_STOCK', strategy: 'pause-listing' }),
      fact('o', 'RESOLVED', 34, { level: 'OUT_OF_STOCK', strategy: 'pause-listing' }),
      fact('x', 'TRIGGERED', 1, { sku: 'B' }),
    ];
    const report = effectiveness(facts, new Date(t0), new Date(t0 + 48 * HOUR));
    expect(report.items.find((i) => i.sku === 'A' && i.level === 'LOW_STOCK')).toEqual({
      sku: 'A',
      location: 'WH-1',
      level: 'LOW_STOCK',
      alerts: 3,
      stillOpen: 1,
      recoverP50Ms: HOUR,
      recoverP90Ms: 2 * HOUR,
      stockoutMs: 0,
    });
    expect(report.items.find((i) => i.level === 'OUT_OF_STOCK')?.stockoutMs).toBe(4 * HOUR);
    expect(report.effects).toContainEqual({
      strategy: 'purchase-order',
      outcome: 'applied',
      count: 4,
    });
    expect(report.mostAlerting[0]).toEqual({ sku: 'A', location: 'WH-1', alerts: 4 });
  });

  it('counts a recovery time and an effect in the period they happened in, never in a later one', () => {
    // The look-back reads crossings that began before the window; one that also resolved
    // before it belongs to the period before (the HTML report compares the two).
    const facts = [
      fact('early', 'TRIGGERED', -30),
      fact('early', 'RESOLVED', -26),
      fact('spans', 'TRIGGERED', -2),
      fact('spans', 'RESOLVED', 1),
    ];
    const report = effectiveness(facts, new Date(t0), new Date(t0 + 24 * HOUR));
    const row = report.items.find((i) => i.level === 'LOW_STOCK');
    expect(row).toMatchObject({ alerts: 0, recoverP50Ms: 3 * HOUR, recoverP90Ms: 3 * HOUR });
    // Effects too: only what the strategies did within the window.
    expect(report.effects).toEqual([{ strategy: 'purchase-order', outcome: 'applied', count: 1 }]);
    const before = effectiveness(facts, new Date(t0 - 48 * HOUR), new Date(t0));
    expect(before.items[0]).toMatchObject({ alerts: 2, recoverP50Ms: 4 * HOUR });
  });

  it('counts only the stockout time inside the window, up to now for an open stockout', () => {
    const facts = [
      fact('o', 'TRIGGERED', -5, { level: 'OUT_OF_STOCK' }),
      fact('p', 'TRIGGERED', 10, { level: 'OUT_OF_STOCK' }),
    ];
    const report = effectiveness(facts, new Date(t0), new Date(t0 + 12 * HOUR));
    const row = report.items.find((i) => i.level === 'OUT_OF_STOCK');
    // 'o' began before the window: 12 h inside it; 'p' is open for its last 2 h.
    expect(row?.stockoutMs).toBe(14 * HOUR);
    expect(row?.alerts).toBe(1);
  });

  it('keeps items apart whatever their sku and location hold, separators included', () => {
    // Prepare: ('A|B', 'C') and ('A', 'B|C') joined with '|' were one item; so were strategies
    // and outcomes joined the same way.
    const facts = [
      fact('x', 'TRIGGERED', 0, { sku: 'A|B', location: 'C' }),
      fact('x', 'RESOLVED', 1, { sku: 'A|B', location: 'C' }),
      fact('y', 'TRIGGERED', 2, { sku: 'A', location: 'B|C' }),
      fact('z', 'TRIGGERED', 3, { sku: 'A#B', location: 'C', strategy: 'custom|applied' }),
      fact('w', 'TRIGGERED', 4, { sku: 'A', location: 'B#C', strategy: 'custom' }),
    ];

    // Act
    const report = effectiveness(facts, new Date(t0), new Date(t0 + 12 * HOUR));

    // Assess
    const rows = report.items.map((i) => [i.sku, i.location, i.alerts, i.stillOpen]);
    expect(rows).toEqual(
      expect.arrayContaining([
        ['A|B', 'C', 1, 0],
        ['A', 'B|C', 1, 1],
        ['A#B', 'C', 1, 1],
        ['A', 'B#C', 1, 1],
      ]),
    );
    expect(rows).toHaveLength(4);
    expect(report.mostAlerting).toHaveLength(4);
    expect(report.mostAlerting).toContainEqual({ sku: 'A|B', location: 'C', alerts: 1 });
    expect(report.mostAlerting).toContainEqual({ sku: 'A', location: 'B|C', alerts: 1 });
    expect(report.effects).toEqual(
      expect.arrayContaining([
        { strategy: 'purchase-order', outcome: 'applied', count: 3 },
        { strategy: 'custom|applied', outcome: 'applied', count: 1 },
        { strategy: 'custom', outcome: 'applied', count: 1 },
      ]),
    );
    expect(report.effects).toHaveLength(3);
  });

  it('has nearest-rank percentiles and readable durations', () => {
    expect(percentile([1, 2, 3, 4], 50)).toBe(2);
    expect(percentile([1, 2, 3, 4], 90)).toBe(4);
    expect(percentile([], 50)).toBeUndefined();
    expect(humanDuration(42_000)).toBe('42s');
    expect(humanDuration(3 * 86_400_000 + 4 * HOUR + 60_000)).toBe('3d 4h');
  });
});
