import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  expectedAlerts,
  expectedListed,
  type ModelChange,
  priceMoveViolation,
  reduceViolation,
  restockViolation,
  type ThresholdsInForce,
} from '../../bench/ordering-model.js';
import { EMPTY_ALERT_STATE, evaluateChange } from '../../shared/domain/crossing.js';
import { parseRule } from '../../shared/domain/rules.js';
import { thresholdsInForce as domainThresholdsInForce } from '../../shared/domain/thresholds.js';

const t = (LOW_STOCK: number | undefined, OVERSTOCK?: number): ThresholdsInForce => ({
  LOW_STOCK,
  OVERSTOCK,
  hysteresis: 2,
});
const changes = (...steps: [number, ThresholdsInForce][]): ModelChange[] =>
  steps.map(([quantity, thresholds], i) => ({ changeId: `c${i}`, quantity, thresholds }));
const kinds = (c: ModelChange[]) =>
  expectedAlerts(c).transitions.map((x) => `${x.changeId} ${x.kind} ${x.level}`);

describe('ordering reference model', () => {
  it('triggers once per crossing and resolves only past the hysteresis margin', () => {
    expect(kinds(changes([40, t(20)], [15, t(20)], [12, t(20)], [22, t(20)], [23, t(20)]))).toEqual(
      ['c1 TRIGGERED LOW_STOCK', 'c4 RESOLVED LOW_STOCK'],
    );
  });

  it('judges an alert opened under an old threshold by the new one (issue 13, case 2)', () => {
    // LOW opens at 40 with 35; the threshold drops to 20; 35 → 38 clears 20 + 2; 38 → 15 crosses again.
    expect(kinds(changes([35, t(40)], [38, t(20)], [15, t(20)]))).toEqual([
      'c0 TRIGGERED LOW_STOCK',
      'c1 RESOLVED LOW_STOCK',
      'c2 TRIGGERED LOW_STOCK',
    ]);
    // A raised threshold opens the level at the next change, without a crossing by the quantity.
    expect(kinds(changes([35, t(20)], [35, t(40)]))).toEqual(['c1 TRIGGERED LOW_STOCK']);
  });

  it('resolves a level that is no longer monitored at the next change', () => {
    const outcome = expectedAlerts(changes([95, t(20, 90)], [96, t(20)]));
    expect(outcome.transitions.map((x) => `${x.kind} ${x.level} ${x.threshold}`)).toEqual([
      'TRIGGERED OVERSTOCK 90',
      'RESOLVED OVERSTOCK undefined',
    ]);
    expect(outcome.open).toEqual({});
  });

  it('keeps an item unlisted only while a pause-listing level is open', () => {
    const open = expectedAlerts(changes([0, t(10)])).open;
    expect(open).toEqual({ OUT_OF_STOCK: 'c0', LOW_STOCK: 'c0' });
    expect(expectedListed(open, (level) => level === 'OUT_OF_STOCK')).toBe(false);
    expect(expectedListed({ LOW_STOCK: 'c0' }, (level) => level === 'OUT_OF_STOCK')).toBe(true);
  });

  it('agrees with evaluateChange while thresholds stay put', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 120 }), { minLength: 1, maxLength: 40 }),
        fc.integer({ min: 0, max: 40 }),
        fc.integer({ min: 0, max: 5 }),
        (quantities, low, hysteresis) => {
          const over = low + hysteresis + 30;
          const rule = parseRule({
            scope: { default: true },
            thresholds: { LOW_STOCK: low, OVERSTOCK: over },
            hysteresis,
          });
          let state = EMPTY_ALERT_STATE;
          const domain: string[] = [];
          let previous: number | undefined;
          quantities.forEach((quantity, i) => {
            const change = {
              sku: 'S',
              location: 'L',
              previousQuantity: previous,
              quantity,
              changeId: `c${i}`,
            };
            const judged = { rule, thresholds: domainThresholdsInForce(rule).thresholds };
            const result = evaluateChange(change, judged, state, new Date(0));
            state = result.state;
            for (const x of result.transitions) domain.push(`c${i} ${x.kind} ${x.level}`);
            previous = quantity;
          });
          const inForce = { LOW_STOCK: low, OVERSTOCK: over, hysteresis };
          const model = changes(
            ...quantities.map((q): [number, ThresholdsInForce] => [q, inForce]),
          );
          expect(kinds(model)).toEqual(domain);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('names price, restock and reduce moves that break their strategy', () => {
    const down = { floor: 15, ceiling: 40, direction: 'down' } as const;
    expect(priceMoveViolation(5, 15, down)).toMatch(/moved up/);
    expect(priceMoveViolation(20, 18, down)).toBeUndefined();
    expect(priceMoveViolation(16, 14, down)).toMatch(/left \[15, 40\]/);
    expect(priceMoveViolation(50, 30, { floor: 10, ceiling: 30, direction: 'up' })).toMatch(
      /moved down/,
    );
    expect(restockViolation(5, 50, 50)).toBeUndefined();
    expect(restockViolation(20, 65, 50)).toMatch(/above max 50/);
    expect(reduceViolation(90, 50, 50)).toBeUndefined();
    expect(reduceViolation(80, 40, 50)).toMatch(/below downTo 50/);
  });
});
