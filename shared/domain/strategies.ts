import type { Level } from './levels.js';
import {
  changeByPercent,
  clampMinorUnits,
  DEFAULT_CURRENCY_DECIMALS,
  formatMinorUnits,
  fromMinorUnits,
  type MinorUnits,
  toMinorUnits,
} from './money.js';
import type { Strategy } from './rules.js';

type RepriceStrategy = Extract<Strategy, { type: 'reprice' }>;

/** What the executor knows about the item when it decides. */
export interface StrategyContext {
  readonly transition: 'TRIGGERED' | 'RESOLVED';
  readonly level: Level;
  readonly quantity: number;
  readonly price: number | undefined;
  readonly listed: boolean;
  /** Price changes already made in the current reprice period. */
  readonly repriceChangesInPeriod: number;
  /** Economic order quantity from demand analysis, when there is enough history. */
  readonly economicOrderQuantity?: number | undefined;
  /** Decimals of the environment's currency (2 when absent): prices are whole minor units. */
  readonly currencyDecimals?: number | undefined;
  /**
   * On a `RESOLVED` transition of a `restoreOnResolve` reprice: the price before and after the
   * change this alert's trigger made (from the ledger); absent when it changed no price.
   */
  readonly restore?: { readonly priceBefore: number; readonly priceAfter: number } | undefined;
}

/** A strategy's decision: the effect to apply, or why there is none. */
export type Decision =
  | {
      readonly kind: 'purchase-order';
      readonly quantity: number;
      readonly supplier?: string | undefined;
    }
  | { readonly kind: 'direct-restock'; readonly quantity: number; readonly source: string }
  | {
      readonly kind: 'reduce';
      readonly quantity: number;
      readonly destination:
        | { readonly type: 'transfer'; readonly location: string }
        | { readonly type: 'return'; readonly supplier?: string | undefined };
    }
  | {
      readonly kind: 'reprice';
      /** The price read (major units): the write is conditional on it still being there. */
      readonly from: number;
      /** The new price (major units), an exact decimal with the currency's decimals. */
      readonly to: number;
      /** Set when this undoes the alert's own change on resolve; the period limit does not apply. */
      readonly restore?: true | undefined;
    }
  | { readonly kind: 'pause-listing'; readonly listed: boolean }
  | { readonly kind: 'no-change'; readonly reason: string };

/** Deterministic purchase-order id: a replayed alert can only ever name the same order. */
export const orderIdOf = (alertId: string): string => `PO-${alertId}`;

/** Start of the reprice period containing `at`, as an ISO instant. */
export const periodStartOf = (at: Date, periodHours: number): string => {
  const periodMs = periodHours * 3_600_000;
  return new Date(Math.floor(at.getTime() / periodMs) * periodMs).toISOString();
};

/** Rounds up to a positive multiple of `multiple`. */
export const roundUpToMultiple = (quantity: number, multiple: number): number =>
  Math.max(multiple, Math.ceil(quantity / multiple) * multiple);

const none = (reason: string): Decision => ({ kind: 'no-change', reason });

/**
 * Decides what a strategy does for one level change. Pure: the executor applies the decision
 * with conditional writes, and dry-run records it without applying it.
 */
export const decide = (strategy: Strategy, context: StrategyContext): Decision => {
  const resolved = context.transition === 'RESOLVED';
  switch (strategy.type) {
    case 'notify-only':
      return none('notify-only: people were alerted, nothing is changed');
    case 'pause-listing':
      if (resolved)
        return context.listed
          ? none('listing is already live')
          : { kind: 'pause-listing', listed: true };
      return context.listed
        ? { kind: 'pause-listing', listed: false }
        : none('listing is already paused');
    case 'purchase-order': {
      if (resolved) return none('stock recovered; open orders stay until received');
      const { quantity } = strategy;
      const wanted =
        quantity.mode === 'fixed'
          ? quantity.units
          : quantity.mode === 'up-to-max'
            ? quantity.max - Math.max(0, context.quantity)
            : (context.economicOrderQuantity ?? quantity.fallbackUnits);
      if (wanted <= 0)
        return none(`stock ${context.quantity} is already at or above the order target`);
      return {
        kind: 'purchase-order',
        quantity: roundUpToMultiple(wanted, strategy.orderMultiple),
        supplier: strategy.supplier,
      };
    }
    case 'direct-restock': {
      if (resolved) return none('stock recovered; nothing to undo');
      const { quantity } = strategy;
      const wanted =
        quantity.mode === 'fixed' ? quantity.units : quantity.max - Math.max(0, context.quantity);
      if (wanted <= 0)
        return none(
          `stock ${context.quantity} is already at or above ${quantity.mode === 'up-to-max' ? quantity.max : 'target'}`,
        );
      return { kind: 'direct-restock', quantity: wanted, source: strategy.source };
    }
    case 'reduce': {
      if (resolved) return none('surplus cleared; nothing to undo');
      const surplus = context.quantity - strategy.downTo;
      if (surplus <= 0)
        return none(`stock ${context.quantity} is already at or below ${strategy.downTo}`);
      return { kind: 'reduce', quantity: surplus, destination: strategy.destination };
    }
    case 'reprice':
      return resolved ? decideRestore(strategy, context) : decideReprice(strategy, context);
  }
};

/**
 * A reprice on trigger: a percentage change, rounded half-even once in minor units, clamped to
 * [floor, ceiling]. A price already outside the bounds is left alone, because clamping it would
 * move it against the direction (5 with floor 15 "down" would become 15).
 */
const decideReprice = (strategy: RepriceStrategy, context: StrategyContext): Decision => {
  if (context.price === undefined) return none('the item has no price to change');
  if (context.repriceChangesInPeriod >= strategy.maxChangesPerPeriod) {
    return none(
      `already repriced ${context.repriceChangesInPeriod} time(s) in this ${strategy.periodHours} h period`,
    );
  }
  const decimals = context.currencyDecimals ?? DEFAULT_CURRENCY_DECIMALS;
  const show = (amount: MinorUnits) => formatMinorUnits(amount, decimals);
  const direction = strategy.direction ?? (context.level === 'OVERSTOCK' ? 'down' : 'up');
  // Bounds with more decimals than the currency round half-even like a price, so that the
  // comparisons and the clamp are all in whole minor units.
  const current = toMinorUnits(context.price, decimals);
  const floor = toMinorUnits(strategy.floor, decimals);
  const ceiling = toMinorUnits(strategy.ceiling, decimals);
  if (current < floor)
    return none(`price ${show(current)} is below the floor ${show(floor)}: not repriced`);
  if (current > ceiling)
    return none(`price ${show(current)} is above the ceiling ${show(ceiling)}: not repriced`);
  const changed = changeByPercent(current, strategy.percent, direction);
  const to = clampMinorUnits(changed, floor, ceiling);
  if (to === current) {
    const bound = direction === 'up' ? ceiling : floor;
    return none(
      current === bound
        ? `price ${show(current)} is already at its ${direction === 'up' ? 'ceiling' : 'floor'}`
        : `a ${strategy.percent} % change of ${show(current)} rounds to no change`,
    );
  }
  // `from` is the price as read, not its rounded form: the write is conditional on it.
  return { kind: 'reprice', from: context.price, to: fromMinorUnits(to, decimals) };
};

/**
 * On resolve: without `restoreOnResolve` the price stays. With it, the alert's own change is
 * undone, but only while the price is still the one that change set; a price someone else set
 * since is theirs to keep.
 */
const decideRestore = (strategy: RepriceStrategy, context: StrategyContext): Decision => {
  if (!strategy.restoreOnResolve)
    return none('level resolved; the price stays until the next decision');
  const { restore } = context;
  if (restore === undefined) return none('this alert changed no price; nothing to restore');
  if (context.price === undefined) return none('the item has no price to restore');
  const decimals = context.currencyDecimals ?? DEFAULT_CURRENCY_DECIMALS;
  const show = (amount: MinorUnits) => formatMinorUnits(amount, decimals);
  const current = toMinorUnits(context.price, decimals);
  const after = toMinorUnits(restore.priceAfter, decimals);
  const before = toMinorUnits(restore.priceBefore, decimals);
  if (current !== after)
    return none(
      `price changed since this alert's change (${show(after)} → now ${show(current)}): not restored`,
    );
  if (before === current)
    return none(`price ${show(current)} is already the price before this alert's change`);
  return {
    kind: 'reprice',
    from: context.price,
    to: fromMinorUnits(before, decimals),
    restore: true,
  };
};
