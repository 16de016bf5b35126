import { DAY_MS, dayStart, utcDayOf } from './days.js';
/**
 * Demand analysis: statistics of daily sales and the inventory-control formulas derived from
 * them (reorder point with safety stock, economic order quantity). Pure functions.
 *
 * The model is a rolling window of daily demand (default 28 days, days without sales count as
 * zero), chosen over an EWMA because it is exact to explain ("the last four weeks"), needs no
 * smoothing constant, and is rebuilt from the per-day totals the demand-rollup writes each night.
 */

export interface DemandStatistics {
  /** Days in the window that the history covers (from the first recorded sale). */
  readonly days: number;
  readonly meanDaily: number;
  /** Sample standard deviation of daily demand. */
  readonly stdDevDaily: number;
  readonly lastSaleDay: string | undefined;
}

/** How a rule derives thresholds from demand (the rule's `demand` block). */
export interface DemandPolicy {
  readonly leadTimeDays: number;
  /** Probability of not stocking out during the lead time, e.g. 0.95. */
  readonly serviceLevel: number;
  /** Cost of placing one order (S). */
  readonly orderingCost: number;
  /** Cost of holding one unit for a year (H). */
  readonly holdingCostPerUnitYear: number;
  readonly orderMultiple: number;
  /** Bounds on the derived low-stock threshold, so thin history cannot make absurd ones. */
  readonly minLowStock: number;
  readonly maxLowStock: number;
  readonly windowDays: number;
  /** Below this many days of history the rule's fixed fallback applies. */
  readonly minHistoryDays: number;
  readonly fallbackLowStock: number;
}

export interface DerivedThresholds {
  readonly basis: 'demand' | 'fallback';
  readonly lowStock: number;
  readonly reorderPoint?: number | undefined;
  readonly safetyStock?: number | undefined;
  readonly orderQuantity?: number | undefined;
  readonly max?: number | undefined;
  readonly statistics: DemandStatistics;
  readonly reason?: string | undefined;
}

/**
 * Statistics of a daily series, oldest first, ending today. Leading days before the first
 * sale are not history; days after it without sales are zero demand.
 */
export const rollingStatistics = (
  series: readonly { day: string; units: number }[],
): DemandStatistics => {
  const firstSale = series.findIndex((d) => d.units > 0);
  if (firstSale === -1) return { days: 0, meanDaily: 0, stdDevDaily: 0, lastSaleDay: undefined };
  const history = series.slice(firstSale).map((d) => d.units);
  const mean = history.reduce((a, b) => a + b, 0) / history.length;
  const variance =
    history.length > 1
      ? history.reduce((sum, x) => sum + (x - mean) ** 2, 0) / (history.length - 1)
      : 0;
  const lastSale = [...series].reverse().find((d) => d.units > 0);
  return {
    days: history.length,
    meanDaily: mean,
    stdDevDaily: Math.sqrt(variance),
    lastSaleDay: lastSale?.day,
  };
};

/**
 * The standard normal quantile z for a service level (Acklam's rational approximation,
 * relative error below 1.2e-9): 0.95 → 1.645, 0.99 → 2.326.
 */
export const zForServiceLevel = (p: number): number => {
  if (!(p > 0 && p < 1)) throw new RangeError(`service level must be between 0 and 1, got ${p}`);
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716,
    2.506628277459239,
  ];
  const b = [
    -54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972,
    -13.28068155288572,
  ];
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734,
    4.374664141464968, 2.938163982698783,
  ];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const [a0, a1, a2, a3, a4, a5] = a as [number, number, number, number, number, number];
  const [b0, b1, b2, b3, b4] = b as [number, number, number, number, number];
  const [c0, c1, c2, c3, c4, c5] = c as [number, number, number, number, number, number];
  const [d0, d1, d2, d3] = d as [number, number, number, number];
  const low = 0.02425;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (
      (((((c0 * q + c1) * q + c2) * q + c3) * q + c4) * q + c5) /
      ((((d0 * q + d1) * q + d2) * q + d3) * q + 1)
    );
  }
  if (p > 1 - low) return -zForServiceLevel(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((a0 * r + a1) * r + a2) * r + a3) * r + a4) * r + a5) * q) /
    (((((b0 * r + b1) * r + b2) * r + b3) * r + b4) * r + 1)
  );
};

/** Standard normal CDF Φ(x) (Zelen & Severo 26.2.17, error below 7.5e-8). */
export const normalCdf = (x: number): number => {
  const t = 1 / (1 + 0.2316419 * Math.abs(x));
  const density = Math.exp((-x * x) / 2) / Math.sqrt(2 * Math.PI);
  const tail =
    density *
    t *
    (0.31938153 + t * (-0.356563782 + t * (1.781477937 + t * (-1.821255978 + t * 1.330274429))));
  return x >= 0 ? 1 - tail : tail;
};

/** Reorder point = d̄·L + z·σ_d·√L; the second term is the safety stock. */
export const reorderPoint = (
  meanDaily: number,
  stdDevDaily: number,
  leadTimeDays: number,
  serviceLevel: number,
) => {
  const safetyStock = zForServiceLevel(serviceLevel) * stdDevDaily * Math.sqrt(leadTimeDays);
  return { reorderPoint: meanDaily * leadTimeDays + safetyStock, safetyStock };
};

/** Economic order quantity √(2·D·S/H), D the annual demand. */
export const economicOrderQuantity = (
  annualDemand: number,
  orderingCost: number,
  holdingCostPerUnitYear: number,
): number => Math.sqrt((2 * annualDemand * orderingCost) / holdingCostPerUnitYear);

/** Probability that demand over the lead time exceeds `quantity` (normal approximation). */
export const stockoutRisk = (
  quantity: number,
  statistics: DemandStatistics,
  leadTimeDays: number,
): number => {
  const mean = statistics.meanDaily * leadTimeDays;
  const sd = statistics.stdDevDaily * Math.sqrt(leadTimeDays);
  if (sd === 0) return quantity < mean ? 1 : 0;
  return 1 - normalCdf((quantity - mean) / sd);
};

/**
 * The low-stock threshold (the reorder point, rounded up and bounded), the order quantity
 * (EOQ rounded up to the multiple) and max, or the fallback with the reason when history is thin.
 */
export const deriveThresholds = (
  statistics: DemandStatistics,
  policy: DemandPolicy,
): DerivedThresholds => {
  if (statistics.days < policy.minHistoryDays || statistics.meanDaily === 0) {
    return {
      basis: 'fallback',
      lowStock: policy.fallbackLowStock,
      statistics,
      reason: `only ${statistics.days} complete day(s) of sales history (days end at midnight UTC: today's sales count from tomorrow); ${policy.minHistoryDays} needed`,
    };
  }
  const { reorderPoint: rop, safetyStock } = reorderPoint(
    statistics.meanDaily,
    statistics.stdDevDaily,
    policy.leadTimeDays,
    policy.serviceLevel,
  );
  const lowStock = Math.min(policy.maxLowStock, Math.max(policy.minLowStock, Math.ceil(rop)));
  const eoq = economicOrderQuantity(
    statistics.meanDaily * 365,
    policy.orderingCost,
    policy.holdingCostPerUnitYear,
  );
  const orderQuantity = Math.max(
    policy.orderMultiple,
    Math.ceil(eoq / policy.orderMultiple) * policy.orderMultiple,
  );
  return {
    basis: 'demand',
    lowStock,
    reorderPoint: rop,
    safetyStock,
    orderQuantity,
    max: lowStock + orderQuantity,
    statistics,
  };
};

/** Units sold per day for `days` days from `fromDay`, with days not stored as zero. */
export const demandSeries = (
  stored: readonly { day: string; unitsSold: number }[],
  fromDay: string,
  days: number,
): { day: string; units: number }[] => {
  const sold = new Map(stored.map((d) => [d.day, d.unitsSold]));
  const start = dayStart(fromDay);
  return Array.from({ length: days }, (_, i) => {
    const day = utcDayOf(start + i * DAY_MS);
    return { day, units: sold.get(day) ?? 0 };
  });
};
