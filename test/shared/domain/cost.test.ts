import { describe, expect, it } from 'vitest';
import { DEFAULT_COST_INPUTS, monthlyCost } from '../../../shared/domain/cost.js';
import { PRICES } from '../../../shared/domain/pricing.js';

describe('monthlyCost', () => {
  const result = monthlyCost({
    ...DEFAULT_COST_INPUTS,
    writesPerDay: 100_000,
    crossingRate: 0.05,
    smsShare: 0.5,
  });
  const usd = (item: string) => result.pipeline.find((l) => l.item === item)?.usd;

  it('prices each service from the dated price table', () => {
    expect(PRICES.asOf).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    // 100k writes/day × 30 days × 5 % = 150k alerts; half of them by SMS.
    expect(usd('alert publishes')).toBeCloseTo(150_000 * 0.5e-6, 10);
    expect(usd('SMS deliveries (US)')).toBeCloseTo(75_000 * PRICES.sns.smsUs, 6);
    expect(usd('events')).toBeCloseTo(300_000 * 1e-6, 10);
    expect(usd('stock-monitor requests')).toBeCloseTo((3_000_000 / 10) * 0.2e-6, 10);
  });

  it('counts the demand-recorder: its larger batches, and a day-total update per sale at most', () => {
    expect(usd('demand-recorder requests')).toBeCloseTo((3_000_000 / 100) * 0.2e-6, 10);
    const demandWrites = result.pipeline.find((l) => l.item === 'demand day writes (WRU)');
    expect(demandWrites?.quantity).toBe(3_000_000 * 0.6 * 2);
    expect(result.pipeline.find((l) => l.item === 'alert state writes (WRU)')?.quantity).toBe(
      150_000,
    );
  });

  it('totals the lines, next to the naive consumer with its per-record reads', () => {
    expect(result.totals.pipeline).toBeCloseTo(
      result.pipeline.reduce((s, l) => s + l.usd, 0),
      10,
    );
    const naiveReads = result.naive.find((l) => l.item === 'rule read per record (RRU)');
    expect(naiveReads?.quantity).toBe(3_000_000);
    expect(result.totals.naive).toBeGreaterThan(0);
  });
});
