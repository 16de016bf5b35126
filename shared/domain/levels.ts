/**
 * Stock levels. They are nested regions, not exclusive states: an item at 0 is both
 * out of stock and low, and each level has its own alert, strategy and lifecycle.
 */
export const LEVELS = ['OUT_OF_STOCK', 'LOW_STOCK', 'OVERSTOCK'] as const;
export type Level = (typeof LEVELS)[number];

export const SEVERITIES = ['critical', 'warning', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Thresholds in units of stock. A level without a threshold is not monitored. */
export interface Thresholds {
  /** Out of stock when quantity ≤ this (default 0). */
  readonly OUT_OF_STOCK?: number | undefined;
  /** Low when quantity ≤ this. */
  readonly LOW_STOCK?: number | undefined;
  /** Overstock when quantity ≥ this. */
  readonly OVERSTOCK?: number | undefined;
}

/** True when `quantity` is inside `level` for the given threshold. */
export const isInLevel = (level: Level, quantity: number, threshold: number): boolean =>
  level === 'OVERSTOCK' ? quantity >= threshold : quantity <= threshold;

/**
 * True when `quantity` has cleared the threshold by the hysteresis margin, which is what
 * leaving a level requires (so stock wobbling around a threshold does not flap).
 */
export const hasCleared = (
  level: Level,
  quantity: number,
  threshold: number,
  hysteresis: number,
): boolean =>
  level === 'OVERSTOCK' ? quantity < threshold - hysteresis : quantity > threshold + hysteresis;
