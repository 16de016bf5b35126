/**
 * The ordering drill's reference model: what must come out of one item's changes, taken in
 * stream order with the thresholds in force when each was judged. Pure and written apart from
 * shared/domain on purpose, so a defect there cannot hide by being shared with its judge.
 *
 * Semantics (those of `evaluateChange` in shared/domain/crossing.ts, judged against the
 * thresholds in force at each change rather than those an alert was opened under):
 * - levels are nested: OUT_OF_STOCK (quantity ≤ its threshold, 0 unless set), LOW_STOCK
 *   (≤ its threshold), OVERSTOCK (≥ its threshold); a level without a threshold is not monitored;
 * - edge-triggered: a level triggers when a change finds the quantity inside it with no alert
 *   open, once; further changes inside it produce nothing;
 * - hysteresis: an open level resolves when the quantity clears the threshold in force by the
 *   hysteresis margin, or when the level is no longer monitored (at the item's next change);
 * - no cooldown and no snooze (the drill's rules set neither).
 */

export const MODEL_LEVELS = ['OUT_OF_STOCK', 'LOW_STOCK', 'OVERSTOCK'] as const;
export type ModelLevel = (typeof MODEL_LEVELS)[number];

/** Thresholds in force for one change: the rule's, with the item's own values over them. */
export interface ThresholdsInForce {
  readonly OUT_OF_STOCK?: number | undefined;
  readonly LOW_STOCK?: number | undefined;
  readonly OVERSTOCK?: number | undefined;
  readonly hysteresis: number;
}

/** One change of one item, as the stock-monitor received it. */
export interface ModelChange {
  /** The stream record's eventID, which level-change events carry as `changeId`. */
  readonly changeId: string;
  readonly quantity: number;
  readonly thresholds: ThresholdsInForce;
}

export interface ModelTransition {
  readonly kind: 'TRIGGERED' | 'RESOLVED';
  readonly level: ModelLevel;
  /** The change that triggered or resolved the level. */
  readonly changeId: string;
  /** The threshold in force at that change (undefined: the level stopped being monitored). */
  readonly threshold: number | undefined;
}

export interface ModelOutcome {
  /** Every level change that must be announced, in order, each exactly once. */
  readonly transitions: readonly ModelTransition[];
  /** The levels open after the last change, with the change that opened each. */
  readonly open: Partial<Record<ModelLevel, string>>;
}

const inside = (level: ModelLevel, quantity: number, threshold: number): boolean =>
  level === 'OVERSTOCK' ? quantity >= threshold : quantity <= threshold;

const cleared = (level: ModelLevel, quantity: number, threshold: number, margin: number) =>
  level === 'OVERSTOCK' ? quantity < threshold - margin : quantity > threshold + margin;

const thresholdOf = (level: ModelLevel, t: ThresholdsInForce): number | undefined =>
  level === 'OUT_OF_STOCK' ? (t.OUT_OF_STOCK ?? 0) : t[level];

/** The alerts one item's changes must give, in stream order. */
export const expectedAlerts = (changes: readonly ModelChange[]): ModelOutcome => {
  const open: Partial<Record<ModelLevel, string>> = {};
  const transitions: ModelTransition[] = [];
  for (const change of changes) {
    for (const level of MODEL_LEVELS) {
      const threshold = thresholdOf(level, change.thresholds);
      if (open[level] !== undefined) {
        if (
          threshold === undefined ||
          cleared(level, change.quantity, threshold, change.thresholds.hysteresis)
        ) {
          delete open[level];
          transitions.push({ kind: 'RESOLVED', level, changeId: change.changeId, threshold });
        }
      } else if (threshold !== undefined && inside(level, change.quantity, threshold)) {
        open[level] = change.changeId;
        transitions.push({ kind: 'TRIGGERED', level, changeId: change.changeId, threshold });
      }
    }
  }
  return { transitions, open };
};

/** Whether an item must be listed at the end: not while a pause-listing level is open. */
export const expectedListed = (
  open: ModelOutcome['open'],
  pausesListing: (level: ModelLevel) => boolean,
): boolean => !MODEL_LEVELS.some((level) => open[level] !== undefined && pausesListing(level));

/** A direction a reprice may move the price in, and its bounds. */
export interface PriceBounds {
  readonly floor: number;
  readonly ceiling: number;
  readonly direction: 'up' | 'down';
}

/**
 * Why a price move breaks the strategy, or undefined when it does not: it must never move
 * against its direction, and a price inside [floor, ceiling] must stay inside.
 */
export const priceMoveViolation = (
  from: number,
  to: number,
  bounds: PriceBounds,
): string | undefined => {
  if (bounds.direction === 'down' && to > from) return `moved up (${from} → ${to}) on a "down"`;
  if (bounds.direction === 'up' && to < from) return `moved down (${from} → ${to}) on an "up"`;
  const within = (p: number) => p >= bounds.floor && p <= bounds.ceiling;
  if (within(from) && !within(to))
    return `left [${bounds.floor}, ${bounds.ceiling}] (${from} → ${to})`;
  return undefined;
};

/** Why a stock write by `direct-restock` up to `max` overshot, or undefined. */
export const restockViolation = (before: number, after: number, max: number): string | undefined =>
  after > before && after > max ? `restock took ${before} → ${after}, above max ${max}` : undefined;

/** Why a stock write by `reduce` down to `downTo` went below it on its own account, or undefined. */
export const reduceViolation = (
  before: number,
  after: number,
  downTo: number,
): string | undefined =>
  after < before && after < downTo
    ? `reduce took ${before} → ${after}, below downTo ${downTo}`
    : undefined;
