import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromMinorUnits, toMinorUnits } from '../../../shared/domain/money.js';
import { parseRule, type Strategy } from '../../../shared/domain/rules.js';
import { decide, type StrategyContext } from '../../../shared/domain/strategies.js';

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
      { kind: 'direct-restock', quantity: 36, source: 'internal' },
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
    [
      'pause listing on trigger',
      { type: 'pause-listing' },
      {},
      { kind: 'pause-listing', listed: false },
    ],
    [
      'resume listing on resolve',
      { type: 'pause-listing' },
      { transition: 'RESOLVED', listed: false },
      { kind: 'pause-listing', listed: true },
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
    expect(decision.kind).toBe('no-change');
    expect(decision.kind === 'no-change' && decision.reason).toContain(reason);
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

describe('reprice (issue 13.5)', () => {
  const reprice = (input: Record<string, unknown>) =>
    strategyOf({ type: 'reprice', maxChangesPerPeriod: 5, ...input });

  it('leaves a price below the floor alone instead of raising it to the floor on "down"', () => {
    // Was: 5 with floor 15 and down 10 % gave 15, tripling the price.
    const decision = decide(
      reprice({ percent: 10, direction: 'down', floor: 15, ceiling: 40 }),
      context({ price: 5 }),
    );
    expect(decision).toEqual({
      kind: 'no-change',
      reason: 'price 5.00 is below the floor 15.00: not repriced',
    });
  });

  it('leaves a price above the ceiling alone instead of lowering it to the ceiling on "up"', () => {
    // Was: 50 with ceiling 35 and up gave 35.
    const decision = decide(
      reprice({ percent: 10, direction: 'up', floor: 15, ceiling: 35 }),
      context({ price: 50 }),
    );
    expect(decision).toEqual({
      kind: 'no-change',
      reason: 'price 50.00 is above the ceiling 35.00: not repriced',
    });
  });

  it('rounds 1.15 down 10 % half-even once: 1.035 → 1.04', () => {
    // Was 1.03: 1.15 × 0.9 is 1.0349999… in floating point.
    const decision = decide(
      reprice({ percent: 10, direction: 'down', floor: 0, ceiling: 10 }),
      context({ price: 1.15 }),
    );
    expect(decision).toEqual({ kind: 'reprice', from: 1.15, to: 1.04 });
  });

  it('rounds half-even in the currency of the context (0 decimals: 25 up 10 % → 27.5 → 28)', () => {
    const decision = decide(
      reprice({ percent: 10, direction: 'up', floor: 0, ceiling: 100 }),
      context({ price: 25, currencyDecimals: 0 }),
    );
    expect(decision).toEqual({ kind: 'reprice', from: 25, to: 28 });
  });

  it('takes a decimal percent exactly (7.5 % of 2.00 up → 2.15)', () => {
    const decision = decide(
      reprice({ percent: 7.5, direction: 'up', floor: 0, ceiling: 10 }),
      context({ price: 2 }),
    );
    expect(decision).toEqual({ kind: 'reprice', from: 2, to: 2.15 });
  });

  it.each([
    ['at its ceiling', { direction: 'up', ceiling: 20 }, 'price 20.00 is already at its ceiling'],
    ['at its floor', { direction: 'down', floor: 20 }, 'price 20.00 is already at its floor'],
    [
      'a change that rounds to nothing',
      { direction: 'up', percent: 0.01 },
      'a 0.01 % change of 20.00 rounds to no change',
    ],
  ])('decides nothing %s', (_, patch, reason) => {
    const decision = decide(
      reprice({ percent: 10, floor: 5, ceiling: 30, ...patch }),
      context({ price: 20 }),
    );
    expect(decision).toEqual({ kind: 'no-change', reason: expect.stringContaining(reason) });
  });

  describe('restoreOnResolve', () => {
    const restoring = reprice({ percent: 10, floor: 5, ceiling: 30, restoreOnResolve: true });
    const resolved = (overrides: Partial<StrategyContext>) =>
      context({ transition: 'RESOLVED', ...overrides });

    it("restores the price held before this alert's change when nobody changed it since", () => {
      const decision = decide(
        restoring,
        resolved({ price: 22, restore: { priceBefore: 20, priceAfter: 22 } }),
      );
      expect(decision).toEqual({ kind: 'reprice', from: 22, to: 20, restore: true });
    });

    it('restores even when the period limit is used up', () => {
      const decision = decide(
        restoring,
        resolved({
          price: 22,
          repriceChangesInPeriod: 5,
          restore: { priceBefore: 20, priceAfter: 22 },
        }),
      );
      expect(decision).toMatchObject({ kind: 'reprice', to: 20, restore: true });
    });

    it('does not restore over a price someone else set since', () => {
      const decision = decide(
        restoring,
        resolved({ price: 11.5, restore: { priceBefore: 10, priceAfter: 12 } }),
      );
      expect(decision).toEqual({
        kind: 'no-change',
        reason: "price changed since this alert's change (12.00 → now 11.50): not restored",
      });
    });

    it('has nothing to restore when this alert changed no price', () => {
      expect(decide(restoring, resolved({ price: 20 }))).toEqual({
        kind: 'no-change',
        reason: 'this alert changed no price; nothing to restore',
      });
    });

    it.each([
      ['the item lost its price', { price: undefined }, 'the item has no price to restore'],
      [
        'the change left the price where it was',
        { price: 20, restore: { priceBefore: 20, priceAfter: 20 } },
        "price 20.00 is already the price before this alert's change",
      ],
    ])('restores nothing when %s', (_, overrides, reason) => {
      const decision = decide(
        restoring,
        resolved({ restore: { priceBefore: 20, priceAfter: 22 }, ...overrides }),
      );
      expect(decision).toEqual({ kind: 'no-change', reason });
    });

    it('keeps the price on resolve without restoreOnResolve', () => {
      const decision = decide(
        reprice({ percent: 10, floor: 5, ceiling: 30 }),
        resolved({ price: 22, restore: { priceBefore: 20, priceAfter: 22 } }),
      );
      expect(decision.kind).toBe('no-change');
    });
  });
});

describe('properties', () => {
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
          if (decision.kind === 'no-change') {
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

describe('reprice properties', () => {
  const RUNS = { numRuns: 10_000 };
  const decimals = fc.integer({ min: 0, max: 3 });
  // Percents as the schema takes them (0 < p ≤ 90), often with decimals such as 7.5 or 12.25.
  const percent = fc
    .integer({ min: 1, max: 9000 })
    .chain((hundredths) => fc.constantFrom(hundredths / 100, Math.ceil(hundredths / 100)));
  const direction = fc.constantFrom('up' as const, 'down' as const);
  const minor = fc.bigInt({ min: 0n, max: 10_000_000n });
  /** Floor ≤ ceiling in minor units, the ceiling positive as the schema wants. */
  const bounds = fc
    .tuple(minor, minor)
    .map(([a, b]): readonly [bigint, bigint] => (a <= b ? [a, b === 0n ? 1n : b] : [b, a]));

  const repriceWith = (input: {
    percent: number;
    direction: 'up' | 'down';
    floor: bigint;
    ceiling: bigint;
    decimals: number;
    restoreOnResolve?: boolean;
  }) =>
    strategyOf({
      type: 'reprice',
      percent: input.percent,
      direction: input.direction,
      floor: fromMinorUnits(input.floor, input.decimals),
      ceiling: fromMinorUnits(input.ceiling, input.decimals),
      restoreOnResolve: input.restoreOnResolve ?? false,
    });

  it('keeps a price inside [floor, ceiling] over any sequence of changes', () => {
    fc.assert(
      fc.property(
        decimals,
        bounds,
        fc.bigInt({ min: 0n, max: 10_000n }),
        fc.array(fc.tuple(percent, direction), { minLength: 1, maxLength: 8 }),
        (d, [floor, ceiling], offset, changes) => {
          let price = floor + (offset % (ceiling - floor + 1n));
          for (const [p, dir] of changes) {
            const decision = decide(
              repriceWith({ percent: p, direction: dir, floor, ceiling, decimals: d }),
              context({ price: fromMinorUnits(price, d), currencyDecimals: d }),
            );
            if (decision.kind === 'no-change') continue;
            expect(decision.kind).toBe('reprice');
            if (decision.kind !== 'reprice') return;
            price = toMinorUnits(decision.to, d);
            expect(price).toBeGreaterThanOrEqual(floor);
            expect(price).toBeLessThanOrEqual(ceiling);
          }
        },
      ),
      RUNS,
    );
  });

  it('never moves a price against the direction, and leaves one outside the bounds alone', () => {
    fc.assert(
      fc.property(
        decimals,
        bounds,
        fc.bigInt({ min: 0n, max: 20_000_000n }),
        percent,
        direction,
        (d, [floor, ceiling], price, p, dir) => {
          const decision = decide(
            repriceWith({ percent: p, direction: dir, floor, ceiling, decimals: d }),
            context({ price: fromMinorUnits(price, d), currencyDecimals: d }),
          );
          if (price < floor || price > ceiling) {
            expect(decision).toEqual({
              kind: 'no-change',
              reason: expect.stringContaining('not repriced'),
            });
            return;
          }
          if (decision.kind === 'no-change') return;
          expect(decision.kind).toBe('reprice');
          if (decision.kind !== 'reprice') return;
          const to = toMinorUnits(decision.to, d);
          expect(toMinorUnits(decision.from, d)).toBe(price);
          if (dir === 'up') expect(to).toBeGreaterThan(price);
          else expect(to).toBeLessThan(price);
          // The decision is an exact decimal with the currency's decimals, never 1.0349999.
          expect(fromMinorUnits(to, d)).toBe(decision.to);
        },
      ),
      RUNS,
    );
  });

  it("restores exactly the price held before the alert's change", () => {
    fc.assert(
      fc.property(
        decimals,
        bounds,
        fc.bigInt({ min: 0n, max: 10_000n }),
        percent,
        direction,
        (d, [floor, ceiling], offset, p, dir) => {
          const original = floor + (offset % (ceiling - floor + 1n));
          const strategy = repriceWith({
            percent: p,
            direction: dir,
            floor,
            ceiling,
            decimals: d,
            restoreOnResolve: true,
          });
          const change = decide(
            strategy,
            context({ price: fromMinorUnits(original, d), currencyDecimals: d }),
          );
          if (change.kind !== 'reprice') return;
          const restore = decide(
            strategy,
            context({
              transition: 'RESOLVED',
              price: change.to,
              currencyDecimals: d,
              // Even with the period's changes used up: a restore is not a new change.
              repriceChangesInPeriod: 1,
              restore: { priceBefore: change.from, priceAfter: change.to },
            }),
          );
          expect(restore).toEqual({
            kind: 'reprice',
            from: change.to,
            to: change.from,
            restore: true,
          });
          expect(restore.kind === 'reprice' && toMinorUnits(restore.to, d)).toBe(original);
        },
      ),
      RUNS,
    );
  });
});
