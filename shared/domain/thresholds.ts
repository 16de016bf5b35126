import type { Level } from './levels.js';
import { effectiveThreshold, type Rule } from './rules.js';

/** What a change is judged by: the rule in force for the item now, if any, and its thresholds. */
export interface InForce {
  /** Undefined when no rule applies: nothing is monitored, and open alerts resolve. */
  readonly rule: Rule | undefined;
  readonly ruleKey?: string | undefined;
  /** Which edit of the rule is in force (see `ResolvedRule.version`). */
  readonly ruleVersion?: string | undefined;
  /** The thresholds in force; a level without one is not monitored. */
  readonly thresholds: Partial<Record<Level, number>>;
}

/** The thresholds in force for one item, and what had to be set aside to get them. */
export interface ThresholdsInForce {
  readonly thresholds: Partial<Record<Level, number>>;
  /** A demand-derived LOW_STOCK that reached OVERSTOCK − hysteresis, and what it was clamped to. */
  readonly clampedLowStock?: { readonly derived: number; readonly clampedTo: number } | undefined;
  /** Why the item's own thresholds were set aside for the rule's, when they were. */
  readonly itemThresholdsIgnored?: string | undefined;
}

/** Per-item thresholds: the item's own attributes (`lowStockThreshold`, `overstockThreshold`). */
export type ItemThresholds = Partial<Record<Level, number>>;

/** LOW_STOCK must stay below OVERSTOCK − hysteresis, or one quantity could be in both levels. */
const contradicts = (low: number | undefined, over: number | undefined, hysteresis: number) =>
  low !== undefined && over !== undefined && low + hysteresis >= over;

/** The largest whole number strictly below OVERSTOCK − hysteresis. */
export const lowStockCeiling = (overstock: number, hysteresis: number): number =>
  Math.ceil(overstock - hysteresis) - 1;

/**
 * The thresholds in force for an item under `rule`: the rule's, with the item's own thresholds
 * over them, and a demand-derived LOW_STOCK (for `auto` rules) where the item sets none.
 * Contradictions are resolved so one quantity is never both low and overstocked: item
 * thresholds that contradict are set aside for the rule's, and a derived LOW_STOCK is clamped
 * below OVERSTOCK − hysteresis. Both are reported so the caller can log and count them.
 */
export const thresholdsInForce = (
  rule: Rule | undefined,
  item: ItemThresholds = {},
  derivedLowStock?: number,
): ThresholdsInForce => {
  if (!rule) return { thresholds: {} };
  const ruleOwn = {
    OUT_OF_STOCK: effectiveThreshold(rule, 'OUT_OF_STOCK'),
    LOW_STOCK: derivedLowStock ?? effectiveThreshold(rule, 'LOW_STOCK'),
    OVERSTOCK: effectiveThreshold(rule, 'OVERSTOCK'),
  };
  const withItem = {
    ...ruleOwn,
    ...(item.LOW_STOCK !== undefined ? { LOW_STOCK: item.LOW_STOCK } : {}),
    ...(item.OVERSTOCK !== undefined ? { OVERSTOCK: item.OVERSTOCK } : {}),
  };
  const itemSets = item.LOW_STOCK !== undefined || item.OVERSTOCK !== undefined;
  let thresholds = withItem;
  let itemThresholdsIgnored: string | undefined;
  // A derived LOW_STOCK under the item's own OVERSTOCK is clamped below; any other
  // contradiction involving the item's thresholds sets them aside.
  const derivedUnderItem = item.LOW_STOCK === undefined && derivedLowStock !== undefined;
  if (
    itemSets &&
    !derivedUnderItem &&
    contradicts(withItem.LOW_STOCK, withItem.OVERSTOCK, rule.hysteresis)
  ) {
    thresholds = ruleOwn;
    itemThresholdsIgnored = `the item's thresholds (LOW_STOCK ${withItem.LOW_STOCK}, OVERSTOCK ${withItem.OVERSTOCK}) contradict with hysteresis ${rule.hysteresis}: the rule's apply`;
  }
  const derivedInForce =
    derivedLowStock !== undefined && (item.LOW_STOCK === undefined || itemThresholdsIgnored);
  if (
    derivedInForce &&
    thresholds.OVERSTOCK !== undefined &&
    contradicts(thresholds.LOW_STOCK, thresholds.OVERSTOCK, rule.hysteresis)
  ) {
    const ceiling = lowStockCeiling(thresholds.OVERSTOCK, rule.hysteresis);
    if (ceiling < (thresholds.OUT_OF_STOCK ?? 0) && itemSets && !itemThresholdsIgnored) {
      // The item's OVERSTOCK leaves no room for any LOW_STOCK: it is the contradiction.
      return {
        ...thresholdsInForce(rule, {}, derivedLowStock),
        itemThresholdsIgnored: `the item's OVERSTOCK ${thresholds.OVERSTOCK} leaves no room for LOW_STOCK with hysteresis ${rule.hysteresis}: the rule's thresholds apply`,
      };
    }
    const clampedTo = Math.max(thresholds.OUT_OF_STOCK ?? 0, ceiling);
    return {
      thresholds: withoutUndefined({ ...thresholds, LOW_STOCK: clampedTo }),
      clampedLowStock: { derived: derivedLowStock, clampedTo },
      ...(itemThresholdsIgnored ? { itemThresholdsIgnored } : {}),
    };
  }
  return {
    thresholds: withoutUndefined(thresholds),
    ...(itemThresholdsIgnored ? { itemThresholdsIgnored } : {}),
  };
};

const withoutUndefined = (
  thresholds: Record<Level, number | undefined>,
): Partial<Record<Level, number>> => {
  const result: Partial<Record<Level, number>> = {};
  for (const [level, value] of Object.entries(thresholds) as [Level, number | undefined][])
    if (value !== undefined) result[level] = value;
  return result;
};
