import * as z from 'zod/mini';
import { decodeKeyParts, encodeKeyParts } from '../contracts/keys.js';
import { formatIssues, InvalidKeyError, InvalidRuleError } from '../errors.js';
import { lazySchema } from '../lazy-schema.js';
import { strictObjectOf } from '../zod-messages.js';
import { LEVELS, type Level, SEVERITIES, type Severity } from './levels.js';

// zod's numbers are finite: NaN and ±Infinity are refused.
const units = lazySchema(() => z.number());
const positiveUnits = lazySchema(() => z.number().check(z.positive()));
const nonNegativeUnits = lazySchema(() => z.number().check(z.nonnegative()));
const positiveInt = lazySchema(() => z.int().check(z.positive()));
const text = lazySchema(() => z.string().check(z.minLength(1)));
const dryRun = lazySchema(() => z._default(z.boolean(), false));

/** `purchase-order`: raise one replenishment order; never two open orders per item. */
export const PurchaseOrderStrategySchema = lazySchema(() =>
  strictObjectOf({
    type: z.literal('purchase-order'),
    quantity: z.discriminatedUnion('mode', [
      strictObjectOf({ mode: z.literal('fixed'), units: positiveUnits }),
      strictObjectOf({ mode: z.literal('up-to-max'), max: positiveUnits }),
      strictObjectOf({
        mode: z.literal('economic'),
        /** Fallback when demand history is too thin for an economic order quantity. */
        fallbackUnits: positiveUnits,
      }),
    ]),
    orderMultiple: z._default(positiveInt, 1),
    supplier: z.optional(text),
    dryRun,
  }),
);

/** `direct-restock`: increase stock from an internal source. */
export const DirectRestockStrategySchema = lazySchema(() =>
  strictObjectOf({
    type: z.literal('direct-restock'),
    quantity: z.discriminatedUnion('mode', [
      strictObjectOf({ mode: z.literal('fixed'), units: positiveUnits }),
      strictObjectOf({ mode: z.literal('up-to-max'), max: positiveUnits }),
    ]),
    source: z._default(text, 'internal'),
    dryRun,
  }),
);

/** `reduce`: on overstock, move the surplus out down to `downTo`. */
export const ReduceStrategySchema = lazySchema(() =>
  strictObjectOf({
    type: z.literal('reduce'),
    downTo: nonNegativeUnits,
    destination: z.discriminatedUnion('type', [
      strictObjectOf({ type: z.literal('transfer'), location: text }),
      strictObjectOf({ type: z.literal('return'), supplier: z.optional(text) }),
    ]),
    dryRun,
  }),
);

/** `reprice`: change the price by a percentage within [floor, ceiling], at most N times per period. */
export const RepriceStrategySchema = lazySchema(() =>
  strictObjectOf({
    type: z.literal('reprice'),
    /** Percentage of the current price, e.g. 10 for 10 %. */
    percent: z.number().check(z.positive(), z.lte(90)),
    /** Defaults: down on overstock, up on low or out of stock. */
    direction: z.optional(z.enum(['up', 'down'])),
    floor: nonNegativeUnits,
    ceiling: positiveUnits,
    maxChangesPerPeriod: z._default(positiveInt, 1),
    periodHours: z._default(positiveUnits, 24),
    /**
     * When the level resolves, restore the price held before this alert's change, unless the
     * price changed since (then it is kept, and the reason ledgered).
     */
    restoreOnResolve: z._default(z.boolean(), false),
    dryRun,
  }).check(
    z.refine((s) => s.floor <= s.ceiling, {
      message: 'floor must not be above ceiling',
      path: ['floor'],
    }),
  ),
);

/** `pause-listing`: unlist on trigger, relist when the level resolves. */
export const PauseListingStrategySchema = lazySchema(() =>
  strictObjectOf({
    type: z.literal('pause-listing'),
    dryRun,
  }),
);

/** `notify-only`: record the decision, change nothing. */
export const NotifyOnlyStrategySchema = lazySchema(() =>
  strictObjectOf({
    type: z.literal('notify-only'),
    dryRun,
  }),
);

export const StrategySchema = lazySchema(() =>
  z.discriminatedUnion('type', [
    PurchaseOrderStrategySchema,
    DirectRestockStrategySchema,
    ReduceStrategySchema,
    RepriceStrategySchema,
    PauseListingStrategySchema,
    NotifyOnlyStrategySchema,
  ]),
);
export type Strategy = z.output<typeof StrategySchema>;
export type StrategyType = Strategy['type'];

const perLevel = <T extends z.ZodMiniType>(schema: T) =>
  strictObjectOf({
    OUT_OF_STOCK: z.optional(schema),
    LOW_STOCK: z.optional(schema),
    OVERSTOCK: z.optional(schema),
  });

const DEFAULT_SEVERITY: Record<Level, Severity> = {
  OUT_OF_STOCK: 'critical',
  LOW_STOCK: 'warning',
  OVERSTOCK: 'info',
};

/** Where a rule applies. ResolvedRule is most-specific-first: sku+location, sku, category, default. */
export const RuleScopeSchema = lazySchema(() =>
  z.union(
    [
      z.strictObject({ sku: text, location: text }),
      z.strictObject({ sku: text }),
      z.strictObject({ category: text }),
      z.strictObject({ default: z.literal(true) }),
    ],
    { error: 'expected one of {sku, location} | {sku} | {category} | {default: true}' },
  ),
);
export type RuleScope = z.output<typeof RuleScopeSchema>;

/**
 * How an `auto` low-stock threshold is derived from observed demand (see domain/demand.ts):
 * reorder point = mean daily demand × lead time + z(service level) × σ × √lead time, bounded
 * by [minLowStock, maxLowStock]; order quantity = EOQ rounded up to orderMultiple.
 */
export const DemandPolicySchema = lazySchema(() =>
  strictObjectOf({
    leadTimeDays: z.number().check(z.positive(), z.lte(365)),
    serviceLevel: z._default(z.number().check(z.gt(0.5), z.lt(1)), 0.95),
    orderingCost: z._default(positiveUnits, 50),
    holdingCostPerUnitYear: z._default(positiveUnits, 1),
    orderMultiple: z._default(positiveInt, 1),
    minLowStock: z._default(nonNegativeUnits, 0),
    maxLowStock: z._default(positiveUnits, 1_000_000),
    windowDays: z._default(z.int().check(z.gte(7), z.lte(365)), 28),
    minHistoryDays: z._default(z.int().check(z.gte(1), z.lte(365)), 14),
    /** The fixed threshold used while history is too thin. */
    fallbackLowStock: nonNegativeUnits,
  }).check(
    z.refine((p) => p.minLowStock <= p.maxLowStock, {
      message: 'minLowStock must not exceed maxLowStock',
      path: ['minLowStock'],
    }),
  ),
);
export type DemandPolicyInput = z.input<typeof DemandPolicySchema>;

/** A rule document, as operators write it and as the control table stores it. */
export const RuleSchema = lazySchema(() =>
  strictObjectOf({
    scope: RuleScopeSchema,
    name: z.optional(z.string().check(z.minLength(1), z.maxLength(80))),
    thresholds: strictObjectOf({
      OUT_OF_STOCK: z.optional(units),
      /** A number, or `auto` to derive it from demand with the `demand` policy. */
      LOW_STOCK: z.optional(z.union([units, z.literal('auto')])),
      OVERSTOCK: z.optional(units),
    }),
    demand: z.optional(DemandPolicySchema),
    /** Units the quantity must clear a threshold by before a level resolves. */
    hysteresis: z._default(nonNegativeUnits, 0),
    /** Minimum seconds between two announced triggers of the same level for one item. */
    cooldownSeconds: z._default(z.int().check(z.nonnegative()), 0),
    severity: z._default(perLevel(z.enum(SEVERITIES)), {}),
    channels: z._default(z.array(z.enum(['email', 'sms'])), ['email', 'sms']),
    strategies: z._default(perLevel(StrategySchema), {}),
    /** No alert is announced until this instant (ISO-8601). */
    snoozeUntil: z.optional(z.iso.datetime({ offset: true })),
  }).check(
    z.superRefine((rule, ctx) => {
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
      // A derived LOW_STOCK moves within [minLowStock, maxLowStock]: all of it must stay below
      // OVERSTOCK − hysteresis, or a purchase order and an overstock reduce could run at once.
      if (
        rule.thresholds.LOW_STOCK === 'auto' &&
        rule.demand &&
        over !== undefined &&
        rule.demand.maxLowStock + rule.hysteresis >= over
      ) {
        ctx.addIssue({
          code: 'custom',
          path: ['demand', 'maxLowStock'],
          message: `must be below thresholds.OVERSTOCK − hysteresis (${over} − ${rule.hysteresis} = ${over - rule.hysteresis}): a derived LOW_STOCK of ${rule.demand.maxLowStock} would reach overstock`,
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
    }),
  ),
);
export type RuleInput = z.input<typeof RuleSchema>;
export type Rule = z.output<typeof RuleSchema>;

/** Parses a rule document, throwing {@link InvalidRuleError} with every field path and reason. */
export const parseRule = (document: unknown, ruleKey = documentKeyOf(document)): Rule => {
  const result = RuleSchema.safeParse(document);
  if (!result.success)
    throw new InvalidRuleError(ruleKey, formatIssues(withoutMisspeltKeys(result.error.issues)));
  return result.data;
};

/**
 * The issues without "missing" ones for a key that an unknown-key issue of the same object
 * already names as the one meant (`unknown key 'unit' (expected 'units')`).
 */
const withoutMisspeltKeys = <I extends z.core.$ZodIssue>(issues: readonly I[]): I[] => {
  const named = new Set(
    issues.flatMap((issue) =>
      issue.code === 'unrecognized_keys'
        ? [...issue.message.matchAll(/expected '([^']+)'/g)].map((m) =>
            JSON.stringify([...issue.path, m[1]]),
          )
        : [],
    ),
  );
  return issues.filter(
    (issue) => !(issue.code === 'invalid_type' && named.has(JSON.stringify(issue.path))),
  );
};

/** The key of a rule document's scope, or what it is when the scope is not a valid one. */
const documentKeyOf = (document: unknown): string => {
  const scope = RuleScopeSchema.safeParse((document as { scope?: unknown } | null)?.scope);
  return scope.success ? ruleKeyOf(scope.data) : '(invalid scope)';
};

/**
 * The stable key of a rule scope, used as its identity in storage and messages: `default`,
 * `category#<category>`, `sku#<sku>` or `sku#<sku>#location#<location>`, with the names
 * escaped by {@link encodeKeyParts} so that distinct scopes never share a key.
 */
export const ruleKeyOf = (scope: RuleScope | undefined): string => {
  if (!scope) return 'rule(without scope)';
  if ('default' in scope) return 'default';
  if ('category' in scope) return encodeKeyParts(['category', scope.category]);
  if ('location' in scope) return encodeKeyParts(['sku', scope.sku, 'location', scope.location]);
  return encodeKeyParts(['sku', scope.sku]);
};

/** The scope a {@link ruleKeyOf} key names; throws {@link InvalidKeyError} for anything else. */
export const ruleScopeOf = (ruleKey: string): RuleScope => {
  const [kind, first, label, second, ...rest] = decodeKeyParts(ruleKey);
  let scope: unknown;
  if (kind === 'default' && first === undefined) scope = { default: true };
  else if (kind === 'category' && label === undefined) scope = { category: first };
  else if (kind === 'sku' && label === undefined) scope = { sku: first };
  else if (kind === 'sku' && label === 'location' && rest.length === 0)
    scope = { sku: first, location: second };
  // The schema refuses what is left: missing or empty names.
  const parsed = RuleScopeSchema.safeParse(scope);
  if (!parsed.success)
    throw new InvalidKeyError(
      `${JSON.stringify(ruleKey)} is not a rule key: use default, category#<category>, sku#<sku> or sku#<sku>#location#<location>, writing "#" in a name as "\\#" and "\\" as "\\\\"`,
    );
  return parsed.data;
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
  // A key no rule can be stored under is not looked up: DynamoDB refuses the whole read.
  return keys.filter((key) => ruleKeyFits(key));
};

/** DynamoDB's limit on a partition key, which a rule's `RULE#<ruleKey>` must fit. */
const MAX_PARTITION_KEY_BYTES = 2048;

const utf8 = new TextEncoder();

/** True when a rule could be stored under this key. */
export const ruleKeyFits = (ruleKey: string): boolean =>
  utf8.encode(`RULE#${ruleKey}`).byteLength <= MAX_PARTITION_KEY_BYTES;

/**
 * What an operator lays over the rule chain for every item in a scope, without copying a rule:
 * a snooze and threshold overrides (an applied `thresholds suggest`). It is applied on top of
 * whatever rule the item resolves to, so later edits of that rule still reach the item.
 */
export const RuleOverlaySchema = lazySchema(() =>
  strictObjectOf({
    scope: RuleScopeSchema,
    /** No alert is announced until this instant (ISO-8601); past instants change nothing. */
    snoozeUntil: z.optional(z.iso.datetime({ offset: true })),
    /** Numbers only: an overlay fixes a threshold; `auto` belongs to the rule. */
    thresholds: z.optional(
      strictObjectOf({
        OUT_OF_STOCK: z.optional(units),
        LOW_STOCK: z.optional(units),
        OVERSTOCK: z.optional(units),
      }),
    ),
  }).check(
    z.refine(
      (o) =>
        o.snoozeUntil !== undefined ||
        Object.values(o.thresholds ?? {}).some((t) => t !== undefined),
      { message: 'sets nothing: give snoozeUntil or a threshold', path: [] },
    ),
  ),
);
export type RuleOverlay = z.output<typeof RuleOverlaySchema>;

/** The key an overlay is reported under: its scope's rule key, marked as an overlay. */
export const overlayKeyOf = (ruleKey: string): string => `${ruleKey} (overlay)`;

/** Parses an overlay document, throwing {@link InvalidRuleError} with every field path and reason. */
export const parseRuleOverlay = (
  document: unknown,
  ruleKey = ruleKeyOf((document as RuleOverlay)?.scope),
): RuleOverlay => {
  const result = RuleOverlaySchema.safeParse(document);
  if (!result.success)
    throw new InvalidRuleError(overlayKeyOf(ruleKey), formatIssues(result.error.issues));
  return result.data;
};

const latest = (instants: readonly (string | undefined)[]): string | undefined =>
  instants.reduce<string | undefined>(
    (found, at) =>
      at !== undefined && (found === undefined || Date.parse(at) > Date.parse(found)) ? at : found,
    undefined,
  );

/**
 * A rule with overlays laid over it, most specific overlay first. The item is snoozed until
 * the latest snooze among the rule and the overlays (any one covering it silences it). Each
 * threshold comes from the most specific overlay that sets it, else from the rule. The result
 * must pass the rule's own checks: thresholds that would contradict it (LOW_STOCK + hysteresis
 * ≥ OVERSTOCK, …) are set aside, keeping the snooze, and returned as `refused`.
 */
export const overlayRule = (
  rule: Rule,
  overlays: readonly { readonly key: string; readonly overlay: RuleOverlay }[],
): { rule: Rule; refused?: InvalidRuleError } => {
  if (overlays.length === 0) return { rule };
  const snoozeUntil = latest([rule.snoozeUntil, ...overlays.map((o) => o.overlay.snoozeUntil)]);
  const snoozed = snoozeUntil === undefined ? rule : { ...rule, snoozeUntil };
  const setting = overlays.filter((o) => o.overlay.thresholds !== undefined);
  if (setting.length === 0) return { rule: snoozed };
  const thresholds = { ...rule.thresholds };
  for (const { overlay } of [...setting].reverse()) {
    for (const level of LEVELS) {
      const value = overlay.thresholds?.[level];
      if (value !== undefined) thresholds[level] = value;
    }
  }
  const candidate: Rule = { ...snoozed, thresholds };
  const checked = RuleSchema.safeParse(candidate);
  if (checked.success) return { rule: candidate };
  return {
    rule: snoozed,
    refused: new InvalidRuleError(
      setting.map((o) => overlayKeyOf(o.key)).join(', '),
      formatIssues(checked.error.issues).map((issue) => `${issue} (with the overlay's thresholds)`),
    ),
  };
};

/** The rule in force for an item, where it is stored, and the overlays laid over it. */
export interface ResolvedRule {
  readonly key: string;
  readonly rule: Rule;
  /** Rule keys of the scopes whose overlays were applied, most specific first (absent: none). */
  readonly overlays?: readonly string[];
  /** Overlay thresholds set aside because they contradict the rule they were laid over. */
  readonly refused?: InvalidRuleError;
  /** Which edit of the rule (and of its overlays) this is, where the store knows it. */
  readonly version?: string | undefined;
}

/**
 * Resolves the rule for an item: most-specific-first over the rules found, then the overlays
 * of every scope in the item's chain laid over it (see {@link overlayRule}). `lookup` returns
 * the rule stored under a key, `overlayOf` the overlay; without overlays the result is the
 * rule as stored. An overlay alone, with no rule under it, monitors nothing.
 */
export const resolveRule = (
  item: { sku: string; location: string; category?: string | undefined },
  lookup: (key: string) => Rule | undefined,
  keys: readonly string[] = ruleKeysFor(item),
  overlayOf: (key: string) => RuleOverlay | undefined = () => undefined,
): ResolvedRule | undefined => {
  let found: { key: string; rule: Rule } | undefined;
  for (const key of keys) {
    const rule = lookup(key);
    if (rule) {
      found = { key, rule };
      break;
    }
  }
  if (!found) return undefined;
  const { key, rule } = found;
  const overlays = keys.flatMap((k) => {
    const overlay = overlayOf(k);
    return overlay ? [{ key: k, overlay }] : [];
  });
  if (overlays.length === 0) return { key, rule };
  const layered = overlayRule(rule, overlays);
  return {
    key,
    rule: layered.rule,
    overlays: overlays.map((o) => o.key),
    ...(layered.refused ? { refused: layered.refused } : {}),
  };
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

/** The severity of a level under a rule; the level's default where no rule applies. */
export const severityOf = (rule: Rule | undefined, level: Level): Severity =>
  rule?.severity[level] ?? DEFAULT_SEVERITY[level];
