import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type DemandPolicy,
  deriveThresholds,
  economicOrderQuantity,
  reorderPoint,
  rollingStatistics,
  stockoutRisk,
  zForServiceLevel,
} from '../../../shared/domain/demand.js';

const policy = (overrides: Partial<DemandPolicy> = {}): DemandPolicy => ({
  leadTimeDays: 3,
  serviceLevel: 0.95,
  orderingCost: 40,
  holdingCostPerUnitYear: 2,
  orderMultiple: 12,
  minLowStock: 2,
  maxLowStock: 500,
  windowDays: 28,
  minHistoryDays: 14,
  fallbackLowStock: 5,
  ...overrides,
});

/** A seeded normal sample (Box–Muller over a linear congruential generator). */
const normalSeries = (mean: number, sd: number, days: number, seed = 42) => {
  let state = seed;
  const uniform = () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return (state + 1) / (2 ** 31 + 1);
  };
  return Array.from({ length: days }, (_, i) => {
    const z = Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
    return { day: `d${i}`, units: Math.max(0, mean + sd * z) };
  });
};

describe('rollingStatistics', () => {
  it('converges to the known mean and σ of synthetic demand (within 2 % and 5 % over 5,000 days)', () => {
    const stats = rollingStatistics(normalSeries(40, 6, 5000));
    expect(Math.abs(stats.meanDaily - 40) / 40).toBeLessThan(0.02);
    expect(Math.abs(stats.stdDevDaily - 6) / 6).toBeLessThan(0.05);
  });

  it('starts history at the first sale and counts quiet days after it as zero', () => {
    const stats = rollingStatistics([
      { day: 'a', units: 0 },
      { day: 'b', units: 4 },
      { day: 'c', units: 0 },
      { day: 'd', units: 2 },
    ]);
    expect(stats).toMatchObject({ days: 3, meanDaily: 2, lastSaleDay: 'd' });
    expect(stats.stdDevDaily).toBeCloseTo(2, 10);
  });
});

// Worked examples from J. Heizer, B. Render and C. Munson, Operations Management (Pearson),
// chapter "Inventory Management": the Sharp, Inc. EOQ example, the Electronic Assembler, Inc.
// reorder-point example, and the Memphis Regional Hospital safety-stock example (95 % service
// level, normally distributed demand during the lead time).
describe('formulas against published worked examples', () => {
  it('EOQ: D = 1,000 units/yr, S = $10/order, H = $0.50/unit/yr → Q* = 200 units', () => {
    expect(economicOrderQuantity(1000, 10, 0.5)).toBeCloseTo(200, 10);
  });

  it('reorder point: D = 8,000 units/yr over 250 days (d = 32), L = 3 days → ROP = 96 units', () => {
    expect(reorderPoint(8000 / 250, 0, 3, 0.95).reorderPoint).toBeCloseTo(96, 10);
  });

  it('safety stock: lead-time demand 350, σ 10, 95 % service (Z ≈ 1.65) → ROP ≈ 366.5 units', () => {
    const { reorderPoint: rop, safetyStock } = reorderPoint(350, 10, 1, 0.95);
    // The book rounds Z to 1.65; the exact quantile 1.645 gives 366.45.
    expect(rop).toBeCloseTo(366.45, 1);
    expect(Math.abs(rop - 366.5)).toBeLessThan(0.1);
    expect(safetyStock).toBeCloseTo(16.45, 1);
  });

  it('z for common service levels matches the normal table', () => {
    expect(zForServiceLevel(0.95)).toBeCloseTo(1.6449, 4);
    expect(zForServiceLevel(0.99)).toBeCloseTo(2.3263, 4);
    expect(zForServiceLevel(0.5 + 1e-12)).toBeCloseTo(0, 6);
    expect(zForServiceLevel(0.01)).toBeCloseTo(-2.3263, 4);
  });
});

describe('deriveThresholds', () => {
  it('derives low stock, order quantity and max from steady demand', () => {
    const stats = { days: 28, meanDaily: 10, stdDevDaily: 3, lastSaleDay: 'x' };
    const derived = deriveThresholds(stats, policy());
    // ROP = 10·3 + 1.645·3·√3 = 38.55 → 39; EOQ = √(2·3650·40/2) = 382.1 → 384 (multiple of 12).
    expect(derived).toMatchObject({ basis: 'demand', lowStock: 39, orderQuantity: 384, max: 423 });
  });

  it('falls back to the fixed threshold with too little history, and says so', () => {
    const derived = deriveThresholds(
      { days: 5, meanDaily: 10, stdDevDaily: 1, lastSaleDay: 'x' },
      policy(),
    );
    expect(derived).toMatchObject({
      basis: 'fallback',
      lowStock: 5,
      reason:
        "only 5 complete day(s) of sales history (days end at midnight UTC: today's sales count from tomorrow); 14 needed",
    });
  });

  it('keeps the derived threshold within the rule bounds for any history', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 1e6, noNaN: true }),
        fc.double({ min: 0, max: 1e5, noNaN: true }),
        fc.integer({ min: 14, max: 365 }),
        (mean, sd, days) => {
          const derived = deriveThresholds(
            { days, meanDaily: mean, stdDevDaily: sd, lastSaleDay: 'x' },
            policy(),
          );
          expect(derived.lowStock).toBeGreaterThanOrEqual(derived.basis === 'demand' ? 2 : 5);
          expect(derived.lowStock).toBeLessThanOrEqual(500);
          if (derived.orderQuantity !== undefined) expect(derived.orderQuantity % 12).toBe(0);
        },
      ),
    );
  });

  it('estimates stockout risk over the lead time', () => {
    const stats = { days: 28, meanDaily: 10, stdDevDaily: 3, lastSaleDay: 'x' };
    expect(stockoutRisk(30, stats, 3)).toBeCloseTo(0.5, 5);
    expect(stockoutRisk(39, stats, 3)).toBeLessThan(0.05);
  });
});
