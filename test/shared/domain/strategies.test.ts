import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseRule, type Strategy } from '../../../shared/domain/rules.js';
import { decide, repricedPrice, type StrategyContext } from '../../../shared/domain/strategies.js';

const strategyOf = (input: unknown): Strategy => {
  const rule = parseRule({
    scope: { default: true },
    thresholds: { LOW_STOCK: 10, OVERSTOCK: 100 },
    strategies: { LOW_STOCK: input },
  });
  return rule.strategies.LOW_STOCK as Strategy;
};

const context = (overrides: Partial<StrategyContext> = {}): StrategyContext => ({
  transition: 'TRIGGERED',
  level: 'LOW_STOCK',
  quantity: 4,
  price: 20,
  listed: true,
  repriceChangesInPeriod: 0,
  ...overrides,
});

describe('decide', () => {
  it.each([
    [
      'fixed purchase order',
      { type: 'purchase-order', quantity: { mode: 'fixed', units: 50 } },
      {},
      { kind: 'purchase-order', quantity: 50 },
    ],
    [
      'up-to-max purchase order rounds up to the multiple',
      { type: 'purchase-order', quantity: { mode: 'up-to-max', max: 60 }, orderMultiple: 12 },
      {},
      { kind: 'purchase-order', quantity: 60 },
    ],
    [
      'up-to-max order from negative stock counts from zero',
      { type: 'purchase-order', quantity: { mode: 'up-to-max', max: 60 } },
      { quantity: -5 },
      { kind: 'purchase-order', quantity: 60 },
    ],
    [
      'economic order falls back without demand history',
      {
        type: 'purchase-order',
        quantity: { mode: 'economic', fallbackUnits: 30 },
        orderMultiple: 25,
      },
      {},
      { kind: 'purchase-order', quantity: 50 },
    ],
    [
      'economic order uses the EOQ when known',
      { type: 'purchase-order', quantity: { mode: 'economic', fallbackUnits: 30 } },
      { economicOrderQuantity: 73 },
      { kind: 'purchase-order', quantity: 73 },
    ],
    [
      'direct restock up to max',
      { type: 'direct-restock', quantity: { mode: 'up-to-max', max: 40 } },
      {},
      { kind: 'restock', quantity: 36, source: 'internal' },
    ],
    [
      'reprice up on low stock',
      { type: 'reprice', percent: 10, floor: 5, ceiling: 30 },
      {},
      { kind: 'reprice', from: 20, to: 22 },
    ],
    [
      'reprice stops at the ceiling',
      { type: 'reprice', percent: 50, floor: 5, ceiling: 25 },
      {},
      { kind: 'reprice', from: 20, to: 25 },
    ],
    ['pause listing on trigger', { type: 'pause-listing' }, {}, { kind: 'listing', listed: false }],
    [
      'resume listing on resolve',
      { type: 'pause-listing' },
      { transition: 'RESOLVED', listed: false },
      { kind: 'listing', listed: true },
    ],
  ])('%s', (_, strategy, ctx, expected) => {
    expect(decide(strategyOf(strategy), context(ctx as Partial<StrategyContext>))).toMatchObject(
      expected,
    );
  });

  it.each([
    ['notify-only', { type: 'notify-only' }, {}, 'notify-only'],
    [
      'reprice without a price',
      { type: 'reprice', percent: 10, floor: 5, ceiling: 30 },
      { price: undefined },
      'no price',
    ],
    [
      'reprice over the period limit',
      { type: 'reprice', percent: 10, floor: 5, ceiling: 30, maxChangesPerPeriod: 2 },
      { repriceChangesInPeriod: 2 },
      'already repriced 2 time(s)',
    ],
    [
      'reprice already at the ceiling',
      { type: 'reprice', percent: 10, floor: 5, ceiling: 20 },
      {},
      'already at its ceiling',
    ],
    [
      'purchase order on resolve',
      { type: 'purchase-order', quantity: { mode: 'fixed', units: 5 } },
      { transition: 'RESOLVED' },
      'stock recovered',
    ],
    [
      'up-to-max when already above',
      { type: 'direct-restock', quantity: { mode: 'up-to-max', max: 3 } },
      {},
      'already at or above 3',
    ],
  ])('%s decides nothing and says why', (_, strategy, ctx, reason) => {
    const decision = decide(strategyOf(strategy), context(ctx as Partial<StrategyContext>));
    expect(decision.kind).toBe('none');
    expect(decision.kind === 'none' && decision.reason).toContain(reason);
  });

  it('reduces overstock down to the target, towards the named location', () => {
    const rule = parseRule({
      scope: { default: true },
      thresholds: { OVERSTOCK: 100 },
      strategies: {
        OVERSTOCK: {
          type: 'reduce',
          downTo: 80,
          destination: { type: 'transfer', location: 'OUTLET' },
        },
      },
    });
    expect(
      decide(rule.strategies.OVERSTOCK as Strategy, context({ level: 'OVERSTOCK', quantity: 130 })),
    ).toEqual({
      kind: 'reduce',
      quantity: 50,
      destination: { type: 'transfer', location: 'OUTLET' },
    });
  });
});

describe('properties', () => {
  it('never prices outside [floor, ceiling]', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 10_000, noNaN: true }),
        fc.double({ min: 0.01, max: 90, noNaN: true }),
        fc.constantFrom('up' as const, 'down' as const),
        fc.double({ min: 0, max: 500, noNaN: true }),
        fc.double({ min: 0, max: 500, noNaN: true }),
        (price, percent, direction, a, b) => {
          const [floor, ceiling] = a <= b ? [a, b] : [b, a];
          const to = repricedPrice(price, percent, direction, floor, ceiling);
          expect(to).toBeGreaterThanOrEqual(floor);
          expect(to).toBeLessThanOrEqual(ceiling);
        },
      ),
    );
  });

  it('orders a positive quantity that respects the multiple', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1000 }),
        fc.integer({ min: 1, max: 48 }),
        fc.integer({ min: -50, max: 2000 }),
        fc.constantFrom('fixed', 'up-to-max', 'economic'),
        (amount, multiple, quantity, mode) => {
          const quantitySpec =
            mode === 'fixed'
              ? { mode, units: amount }
              : mode === 'up-to-max'
                ? { mode, max: amount }
                : { mode, fallbackUnits: amount };
          const decision = decide(
            strategyOf({ type: 'purchase-order', quantity: quantitySpec, orderMultiple: multiple }),
            context({ quantity }),
          );
          if (decision.kind === 'none') {
            expect(mode).toBe('up-to-max');
            expect(quantity).toBeGreaterThanOrEqual(amount);
            return;
          }
          expect(decision.kind).toBe('purchase-order');
          if (decision.kind !== 'purchase-order') return;
          expect(decision.quantity).toBeGreaterThan(0);
          expect(decision.quantity % multiple).toBe(0);
        },
      ),
    );
  });
});
