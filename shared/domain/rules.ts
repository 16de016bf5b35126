import * as z from 'zod';
import { formatIssues, InvalidRuleError } from '../errors.js';
import { LEVELS, type Level, SEVERITIES, type Severity } from './levels.js';

const units = z.number().finite();
const positiveUnits = z.number().finite().positive();
const dryRun = z.boolean().default(false);

/** `purchase-order`: raise one replenishment order; never two open orders per item. */
export const PurchaseOrderStrategySchema = z
  .object({
    type: z.literal('purchase-order'),
    quantity: z.discriminatedUnion('mode', [
      z.object({ mode: z.literal('fixed'), units: positiveUnits }),
      z.object({ mode: z.literal('up-to-max'), max: positiveUnits }),
      z.object({
        mode: z.literal('economic'),
        /** Fallback when demand history is too thin for an economic order quantity. */
        fallbackUnits: positiveUnits,
      }),
    ]),
    orderMultiple: z.number().int().positive().default(1),
    supplier: z.string().min(1).optional(),
    dryRun,
  })
  .strict();

/** `direct-restock`: increase stock from an internal source. */
export const DirectRestockStrategySchema = z
  .object({
    type: z.literal('direct-restock'),
    quantity: z.discriminatedUnion('mode', [
      z.object({ mode: z.literal('fixed'), units: positiveUnits }),
      z.object({ mode: z.literal('up-to-max'), max: positiveUnits }),
    ]),
    source: z.string().min(1).default('internal'),
    dryRun,
  })
  .strict();

/** `reduce`: on overstock, move the surplus out down to `downTo`. */
export const ReduceStrategySchema = z
  .object({
    type: z.literal('reduce'),
    downTo: units.nonnegative(),
    destination: z.discriminatedUnion('type', [
      z.object({ type: z.literal('transfer'), location: z.string().min(1) }),
      z.object({ type: z.literal('return'), supplier: z.string().min(1).optional() }),
    ]),
    dryRun,
  })
  .strict();

/** `reprice`: change the price by a percentage within [floor, ceiling], at most N times per period. */
export const RepriceStrategySchema = z
  .object({
    type: z.literal('reprice'),
    /** Percentage of the current price, e.g. 10 for 10 %. */
    percent: z.number().positive().max(90),
    /** Defaults: down on overstock, up on low or out of stock. */
    direction: z.enum(['up', 'down']).optional(),
    floor: z.number().nonnegative(),
    ceiling: z.number().positive(),
    maxChangesPerPeriod: z.number().int().positive().default(1),
    periodHours: z.number().positive().default(24),
    /** Restore the price held before the first change when the level resolves. */
    restoreOnResolve: z.boolean().default(false),
    dryRun,
  })
  .strict()
  .refine((s) => s.floor <= s.ceiling, {
    message: 'floor must not be above ceiling',
    path: ['floor'],
  });

/** `pause-listing`: unlist on trigger, relist when the level resolves. */
export const PauseListingStrategySchema = z
  .object({ type: z.literal('pause-listing'), dryRun })
  .strict();

/** `notify-only`: record the decision, change nothing. */
export const NotifyOnlyStrategySchema = z
  .object({ type: z.literal('notify-only'), dryRun })
  .strict();

export const StrategySchema = z.union([
  PurchaseOrderStrategySchema,
  DirectRestockStrategySchema,
  ReduceStrategySchema,
  RepriceStrategySchema,
  PauseListingStrategySchema,
  NotifyOnlyStrategySchema,
]);
export type Strategy = z.output<typeof StrategySchema>;
export type StrategyType = Strategy['type'];

const perLevel = <T extends z.ZodType>(schema: T) =>
  z
    .object({
      OUT_OF_STOCK: schema.optional(),
      LOW_STOCK: schema.optional(),
      OVERSTOCK: schema.optional(),
    })
    .strict();

const DEFAULT_SEVERITY: Record<Level, Severity> = {
  OUT_OF_STOCK: 'critical',
  LOW_STOCK: 'warning',
  OVERSTOCK: 'info',
};

/** Where a rule applies. Resolution is most-specific-first: sku+location, sku, category, default. */
export const RuleScopeSchema = z.union([
  z.object({ sku: z.string().min(1), location: z.string().min(1) }).strict(),
  z.object({ sku: z.string().min(1) }).strict(),
  z.object({ category: z.string().min(1) }).strict(),
  z.object({ default: z.literal(true) }).strict(),
]);
export type RuleScope = z.output<typeof RuleScopeSchema>;

/**
 * How an `auto` low-stock threshold is derived from observed demand (see domain/demand.ts):
 * reorder point = mean daily demand × lead time + z(service level) × σ × √lead time, bounded
 * by [minLowStock, maxLowStock]; order quantity = EOQ rounded up to orderMultiple.
 */
export const DemandPolicySchema = z
  .object({
    leadTimeDays: z.number().positive().max(365),
    serviceLevel: z.number().gt(0.5).lt(1).default(0.95),
    orderingCost: z.number().positive().default(50),
    holdingCostPerUnitYear: z.number().positive().default(1),
    orderMultiple: z.number().int().positive().default(1),
    minLowStock: units.nonnegative().default(0),
    maxLowStock: units.positive().default(1_000_000),
    windowDays: z.number().int().min(7).max(365).default(28),
    minHistoryDays: z.number().int().min(1).max(365).default(14),
    /** The fixed threshold used while history is too thin. */
    fallbackLowStock: units.nonnegative(),
  })
  .strict()
  .refine((p) => p.minLowStock <= p.maxLowStock, {
    message: 'minLowStock must not exceed maxLowStock',
    path: ['minLowStock'],
  });
export type DemandPolicyInput = z.input<typeof DemandPolicySchema>;

/** A rule document, as operators write it and as the control table stores it. */
export const RuleSchema = z
  .object({
    scope: RuleScopeSchema,
    name: z.string().min(1).max(80).optional(),
    thresholds: z
      .object({
        OUT_OF_STOCK: units.optional(),
        /** A number, or `auto` to derive it from demand with the `demand` policy. */
        LOW_STOCK: z.union([units, z.literal('auto')]).optional(),
        OVERSTOCK: units.optional(),
      })
      .strict(),
    demand: DemandPolicySchema.optional(),
    /** Units the quantity must clear a threshold by before a level resolves. */
    hysteresis: units.nonnegative().default(0),
    /** Minimum seconds between two announced triggers of the same level for one item. */
    cooldownSeconds: z.number().int().nonnegative().default(0),
    severity: perLevel(z.enum(SEVERITIES)).default({}),
    channels: z.array(z.enum(['email', 'sms'])).default(['email', 'sms']),
    strategies: perLevel(StrategySchema).default({}),
    /** No alert is announced until this instant (ISO-8601). */
    snoozeUntil: z.iso.datetime({ offset: true }).optional(),
  })
  .strict()
  .superRefine((rule, ctx) => {
    if (rule.thresholds.LOW_STOCK === 'auto' && !rule.demand) {
      ctx.addIssue({
        code: 'custom',
        path: ['demand'],
        message: 'is required when thresholds.LOW_STOCK is auto',
      });
    }
    const { OVERSTOCK: over, OUT_OF_STOCK: out = 0 } = rule.thresholds;
    const low =
      rule.thresholds.LOW_STOCK === 'auto'
        ? rule.demand?.fallbackLowStock
        : rule.thresholds.LOW_STOCK;
    if (low !== undefined && low < out) {
      ctx.addIssue({
        code: 'custom',
        path: ['thresholds', 'LOW_STOCK'],
        message: `must be ≥ OUT_OF_STOCK (${out})`,
      });
    }
    const floorOfOver = low ?? out;
    if (over !== undefined && over <= floorOfOver + rule.hysteresis) {
      ctx.addIssue({
        code: 'custom',
        path: ['thresholds', 'OVERSTOCK'],
        message: `must be above ${low === undefined ? 'OUT_OF_STOCK' : 'LOW_STOCK'} + hysteresis (${floorOfOver + rule.hysteresis})`,
      });
    }
    for (const level of LEVELS) {
      if (
        rule.strategies[level] &&
        rule.thresholds[level] === undefined &&
        level !== 'OUT_OF_STOCK'
      ) {
        ctx.addIssue({
          code: 'custom',
          path: ['strategies', level],
          message: `needs thresholds.${level}`,
        });
      }
    }
  });
export type RuleInput = z.input<typeof RuleSchema>;
export type Rule = z.output<typeof RuleSchema>;

/** Parses a rule document, throwing {@link InvalidRuleError} with every field path and reason. */
export const parseRule = (
  document: unknown,
  ruleKey = ruleKeyOf((document as Rule)?.scope),
): Rule => {
  const result = RuleSchema.safeParse(document);
  if (!result.success) throw new InvalidRuleError(ruleKey, formatIssues(result.error.issues));
  return result.data;
};

/** The stable key of a rule scope, used as its identity in storage and messages. */
export const ruleKeyOf = (scope: RuleScope | undefined): string => {
  if (!scope) return 'rule(without scope)';
  if ('default' in scope) return 'default';
  if ('category' in scope) return `category#${scope.category}`;
  if ('location' in scope) return `sku#${scope.sku}#location#${scope.location}`;
  return `sku#${scope.sku}`;
};

/** Candidate rule keys for an item, most specific first. */
export const ruleKeysFor = (item: {
  sku: string;
  location: string;
  category?: string | undefined;
}): string[] => {
  const keys = [
    ruleKeyOf({ sku: item.sku, location: item.location }),
    ruleKeyOf({ sku: item.sku }),
  ];
  if (item.category) keys.push(ruleKeyOf({ category: item.category }));
  keys.push('default');
  return keys;
};

/**
 * Resolves the rule for an item: most-specific-first over the rules found.
 * `lookup` returns the rule stored under a key, or undefined.
 */
export const resolveRule = (
  item: { sku: string; location: string; category?: string | undefined },
  lookup: (key: string) => Rule | undefined,
  keys: readonly string[] = ruleKeysFor(item),
): { key: string; rule: Rule } | undefined => {
  for (const key of keys) {
    const rule = lookup(key);
    if (rule) return { key, rule };
  }
  return undefined;
};

/**
 * Thresholds in force: OUT_OF_STOCK defaults to 0, others only when set; an `auto` low-stock
 * threshold is its fallback here (the demand-derived value arrives as an override).
 */
export const effectiveThreshold = (rule: Rule, level: Level): number | undefined => {
  if (level === 'OUT_OF_STOCK') return rule.thresholds.OUT_OF_STOCK ?? 0;
  const threshold = rule.thresholds[level];
  return threshold === 'auto' ? rule.demand?.fallbackLowStock : threshold;
};

/** True when the rule derives its low-stock threshold from demand. */
export const isAutoLowStock = (
  rule: Rule,
): rule is Rule & { demand: NonNullable<Rule['demand']> } =>
  rule.thresholds.LOW_STOCK === 'auto' && rule.demand !== undefined;

export const severityOf = (rule: Rule, level: Level): Severity =>
  rule.severity[level] ?? DEFAULT_SEVERITY[level];
