/** The ordering drill's rules, strategies and seeded shop scenario. */

import { seededRandom } from '../../sandbox/local-bus.js';
import type { RuleInput } from '../../shared/domain/rules.js';
import type { ModelLevel } from '../ordering-model.js';

/** Categories of the ordering drill, each a rule with its own strategies per level. */
export const ORDERING_CATEGORIES = ['restock', 'listing', 'premium', 'watch'] as const;
export type OrderingCategory = (typeof ORDERING_CATEGORIES)[number];
type StrategyInput = NonNullable<RuleInput['strategies']>['LOW_STOCK'];

export const ORDERING_HYSTERESIS = 3;
export const RESTOCK_MAX = 50;
export const REDUCE_DOWN_TO = 50;

/**
 * The strategies per category and level; rule edits move thresholds (a level's strategy comes
 * and goes with its threshold) but never change a strategy, so each effect is judged by the
 * bounds it was decided under. `watch` changes no item, so its stream is the shop's alone and
 * must come out the same under every batching.
 */
export const ORDERING_STRATEGIES: Record<OrderingCategory, Record<ModelLevel, StrategyInput>> = {
  restock: {
    OUT_OF_STOCK: { type: 'direct-restock', quantity: { mode: 'up-to-max', max: RESTOCK_MAX } },
    LOW_STOCK: { type: 'direct-restock', quantity: { mode: 'up-to-max', max: RESTOCK_MAX } },
    OVERSTOCK: {
      type: 'reduce',
      downTo: REDUCE_DOWN_TO,
      destination: { type: 'return', supplier: 'ACME' },
    },
  },
  listing: {
    OUT_OF_STOCK: { type: 'pause-listing' },
    LOW_STOCK: { type: 'purchase-order', quantity: { mode: 'fixed', units: 30 } },
    OVERSTOCK: {
      type: 'reprice',
      percent: 10,
      direction: 'down',
      floor: 15,
      ceiling: 40,
      maxChangesPerPeriod: 1000,
    },
  },
  premium: {
    OUT_OF_STOCK: { type: 'pause-listing' },
    LOW_STOCK: {
      type: 'reprice',
      percent: 10,
      direction: 'up',
      floor: 10,
      ceiling: 30,
      maxChangesPerPeriod: 1000,
    },
    OVERSTOCK: { type: 'reduce', downTo: REDUCE_DOWN_TO, destination: { type: 'return' } },
  },
  watch: {
    OUT_OF_STOCK: { type: 'notify-only' },
    LOW_STOCK: { type: 'purchase-order', quantity: { mode: 'up-to-max', max: 60 } },
    OVERSTOCK: { type: 'notify-only' },
  },
};

/** One version of a category's thresholds; undefined: the level is not monitored. */
export interface ThresholdVersion {
  readonly low: number | undefined;
  readonly over: number | undefined;
}

export const INITIAL_THRESHOLDS: ThresholdVersion = { low: 20, over: 80 };

/** A category's rule at one version of its thresholds; a level comes and goes with its strategy. */
export const orderingRule = (category: OrderingCategory, version: ThresholdVersion): RuleInput => {
  const strategies = ORDERING_STRATEGIES[category];
  return {
    scope: { category },
    hysteresis: ORDERING_HYSTERESIS,
    thresholds: {
      ...(version.low !== undefined ? { LOW_STOCK: version.low } : {}),
      ...(version.over !== undefined ? { OVERSTOCK: version.over } : {}),
    },
    strategies: {
      OUT_OF_STOCK: strategies.OUT_OF_STOCK,
      ...(version.low !== undefined ? { LOW_STOCK: strategies.LOW_STOCK } : {}),
      ...(version.over !== undefined ? { OVERSTOCK: strategies.OVERSTOCK } : {}),
    },
  };
};

/** One sale or receipt of the shop. */
export interface ShopStep {
  readonly sku: string;
  /** Sold (negative) or received (positive). */
  readonly delta: number;
  /** The item's own low threshold, written with the quantity. */
  readonly lowStockThreshold?: number | undefined;
}

/** The items and the phases of shop steps the ordering drill plays. */
export interface OrderingScenario {
  readonly items: { sku: string; category: OrderingCategory; price: number; low?: number }[];
  /** Phases of shop steps; between two phases one category's thresholds are edited. */
  readonly phases: {
    steps: ShopStep[];
    edit?: { category: OrderingCategory; to: ThresholdVersion };
  }[];
}

/**
 * A seeded scenario. Every third item carries its own `lowStockThreshold`, rewritten now and
 * then with the quantity: a deterministic stand-in for a demand-derived (`auto`) threshold,
 * which moves the same way (per item, between changes) but would depend on the clock and on
 * the demand-recorder's timing here.
 */
export const orderingScenario = (changes: number, seed = 13): OrderingScenario => {
  const random = seededRandom(seed);
  const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)] as T;
  const items = Array.from({ length: Math.max(8, Math.round(changes / 40)) }, (_, i) => {
    const category = ORDERING_CATEGORIES[i % ORDERING_CATEGORIES.length] as OrderingCategory;
    // Some prices start outside [floor, ceiling]: a reprice must then leave them alone.
    const price =
      category === 'listing' ? pick([5, 20, 38]) : category === 'premium' ? pick([50, 20, 12]) : 20;
    return { sku: `O-${i}`, category, price, ...(i % 3 === 1 ? { low: 15 } : {}) };
  });
  const expected = items.map(() => 40);
  const phaseCount = Math.max(4, Math.ceil(changes / 80));
  const phases: OrderingScenario['phases'] = [];
  for (let p = 0; p < phaseCount; p++) {
    const steps: ShopStep[] = [];
    const size = Math.floor(changes / phaseCount) + (p < changes % phaseCount ? 1 : 0);
    for (let s = 0; s < size; s++) {
      const index = Math.floor(random() * items.length);
      // The quantity the shop expects (exact for items no strategy restocks or reduces), so
      // that stock keeps crossing every level: sell-outs, sales, receipts, large deliveries.
      const q = expected[index] ?? 40;
      const r = random();
      const delta =
        q > 90
          ? -Math.ceil(10 + random() * 20)
          : r < 0.12 && q > 0
            ? -q
            : r < 0.55
              ? -Math.ceil(random() * 14)
              : r < 0.92
                ? Math.ceil(random() * 20)
                : 45;
      expected[index] = Math.max(0, q + delta);
      steps.push({
        sku: `O-${index}`,
        delta,
        ...(index % 3 === 1 && random() < 0.3
          ? { lowStockThreshold: pick([5, 10, 15, 25, 30]) }
          : {}),
      });
    }
    const edit =
      p < phaseCount - 1
        ? {
            category: ORDERING_CATEGORIES[p % ORDERING_CATEGORIES.length] as OrderingCategory,
            // Raised, lowered or removed; OVERSTOCK stays above any LOW + hysteresis.
            to: { low: pick([10, 15, 25, 30, undefined]), over: pick([60, 70, 90, undefined]) },
          }
        : undefined;
    phases.push({ steps, ...(edit ? { edit } : {}) });
  }
  return { items, phases };
};
