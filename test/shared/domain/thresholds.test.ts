import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseRule } from '../../../shared/domain/rules.js';
import { lowStockCeiling, thresholdsInForce } from '../../../shared/domain/thresholds.js';
import { aRule } from '../../support/factories.js';

const autoRule = (overstock: number, hysteresis: number) =>
  parseRule(
    aRule({
      thresholds: { LOW_STOCK: 'auto', OVERSTOCK: overstock },
      hysteresis,
      demand: { leadTimeDays: 5, fallbackLowStock: 10, maxLowStock: overstock - hysteresis - 1 },
    }),
  );

describe('thresholdsInForce', () => {
  it('is nothing at all when no rule applies', () => {
    expect(thresholdsInForce(undefined, { LOW_STOCK: 5 })).toEqual({ thresholds: {} });
  });

  it('lays the item thresholds over the rule, and a derived LOW_STOCK where the item sets none', () => {
    const rule = autoRule(400, 2);
    expect(thresholdsInForce(rule, {}, 31).thresholds).toEqual({
      OUT_OF_STOCK: 0,
      LOW_STOCK: 31,
      OVERSTOCK: 400,
    });
    expect(thresholdsInForce(rule, { LOW_STOCK: 12 }, 31).thresholds.LOW_STOCK).toBe(12);
  });

  it('clamps a derived LOW_STOCK below OVERSTOCK − hysteresis, and says so', () => {
    // An item's own OVERSTOCK can bring overstock below what the rule's bounds allowed for.
    const result = thresholdsInForce(autoRule(400, 2), { OVERSTOCK: 300 }, 450);
    expect(result.thresholds).toEqual({ OUT_OF_STOCK: 0, LOW_STOCK: 297, OVERSTOCK: 300 });
    expect(result.clampedLowStock).toEqual({ derived: 450, clampedTo: 297 });
  });

  it('sets aside item thresholds that contradict, for the rule’s', () => {
    const rule = parseRule(aRule());
    const result = thresholdsInForce(rule, { LOW_STOCK: 450, OVERSTOCK: 400 });
    expect(result.thresholds).toEqual({ OUT_OF_STOCK: 0, LOW_STOCK: 10, OVERSTOCK: 100 });
    expect(result.itemThresholdsIgnored).toMatch(/LOW_STOCK 450, OVERSTOCK 400.*rule's apply/);
  });

  it('never leaves LOW_STOCK + hysteresis at or above OVERSTOCK', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 20, max: 1000 }),
        fc.integer({ min: 0, max: 2 }),
        fc.option(fc.integer({ min: 0, max: 2000 }), { nil: undefined }),
        fc.option(fc.integer({ min: 0, max: 2000 }), { nil: undefined }),
        fc.option(fc.integer({ min: 1, max: 2000 }), { nil: undefined }),
        (overstock, hysteresis, derived, itemLow, itemOver) => {
          const rule = autoRule(overstock, hysteresis);
          const { thresholds } = thresholdsInForce(
            rule,
            {
              ...(itemLow === undefined ? {} : { LOW_STOCK: itemLow }),
              ...(itemOver === undefined ? {} : { OVERSTOCK: itemOver }),
            },
            derived,
          );
          const { LOW_STOCK: low, OVERSTOCK: over } = thresholds;
          // The rule sets both, so both are always in force.
          expect(low).toBeDefined();
          expect(over).toBeDefined();
          expect((low as number) + hysteresis).toBeLessThan(over as number);
        },
      ),
      { numRuns: 5_000 },
    );
  });

  it('puts the ceiling strictly below OVERSTOCK − hysteresis', () => {
    expect(lowStockCeiling(400, 0)).toBe(399);
    expect(lowStockCeiling(10.5, 0)).toBe(10);
  });
});
