import type { Level } from './levels.js';
import type { Strategy } from './rules.js';

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
}

/** A strategy's decision: the effect to apply, or why there is none. */
export type Decision =
  | {
      readonly kind: 'purchase-order';
      readonly quantity: number;
      readonly supplier?: string | undefined;
    }
  | { readonly kind: 'restock'; readonly quantity: number; readonly source: string }
  | {
      readonly kind: 'reduce';
      readonly quantity: number;
      readonly destination:
        | { readonly type: 'transfer'; readonly location: string }
        | { readonly type: 'return'; readonly supplier?: string | undefined };
    }
  | { readonly kind: 'reprice'; readonly from: number; readonly to: number }
  | { readonly kind: 'listing'; readonly listed: boolean }
  | { readonly kind: 'none'; readonly reason: string };

/** Rounds up to a positive multiple of `multiple`. */
export const roundUpToMultiple = (quantity: number, multiple: number): number =>
  Math.max(multiple, Math.ceil(quantity / multiple) * multiple);

/** Price after a percentage change, clamped to [floor, ceiling] and rounded to cents. */
export const repricedPrice = (
  price: number,
  percent: number,
  direction: 'up' | 'down',
  floor: number,
  ceiling: number,
): number => {
  const factor = direction === 'up' ? 1 + percent / 100 : 1 - percent / 100;
  const raw = Math.round(price * factor * 100) / 100;
  return Math.min(ceiling, Math.max(floor, raw));
};

const none = (reason: string): Decision => ({ kind: 'none', reason });

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
        return context.listed ? none('listing is already live') : { kind: 'listing', listed: true };
      return context.listed
        ? { kind: 'listing', listed: false }
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
      return { kind: 'restock', quantity: wanted, source: strategy.source };
    }
    case 'reduce': {
      if (resolved) return none('surplus cleared; nothing to undo');
      const surplus = context.quantity - strategy.downTo;
      if (surplus <= 0)
        return none(`stock ${context.quantity} is already at or below ${strategy.downTo}`);
      return { kind: 'reduce', quantity: surplus, destination: strategy.destination };
    }
    case 'reprice': {
      if (resolved) return none('level resolved; the price stays until the next decision');
      if (context.price === undefined) return none('the item has no price to change');
      if (context.repriceChangesInPeriod >= strategy.maxChangesPerPeriod) {
        return none(
          `already repriced ${context.repriceChangesInPeriod} time(s) in this ${strategy.periodHours} h period`,
        );
      }
      const direction = strategy.direction ?? (context.level === 'OVERSTOCK' ? 'down' : 'up');
      const to = repricedPrice(
        context.price,
        strategy.percent,
        direction,
        strategy.floor,
        strategy.ceiling,
      );
      if (to === context.price)
        return none(
          `price ${context.price} is already at its ${direction === 'up' ? 'ceiling' : 'floor'}`,
        );
      return { kind: 'reprice', from: context.price, to };
    }
  }
};
