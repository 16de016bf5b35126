import * as z from 'zod/mini';
import { lazySchema } from '../lazy-schema.js';
import '../zod-messages.js';
import { OUTCOMES } from '../domain/ledger.js';
import { LEVELS, SEVERITIES } from '../domain/levels.js';
import { clip, DISPLAY_BYTES, utf8Length } from '../domain/messages.js';

/**
 * The event contract on the inventory bus. Consumers outside this repository rely on it:
 * change it only on purpose, and bump {@link EVENT_VERSION} when a field changes meaning.
 */
export const EVENT_SOURCE = 'inventory.alerts';
export const EVENT_VERSION = '1';

export const DetailType = {
  StockLevelTriggered: 'StockLevelTriggered',
  StockLevelResolved: 'StockLevelResolved',
  StrategyApplied: 'StrategyApplied',
  PurchaseOrderRequested: 'PurchaseOrderRequested',
} as const;
export type DetailType = (typeof DetailType)[keyof typeof DetailType];

/**
 * The longest category, in UTF-8 bytes, that a level change carries whole: the longest a
 * category rule can name. A rule is stored under the partition key `RULE#category#<category>`
 * (`#` and `\` escaped, which only lengthens it), and DynamoDB holds at most 2048 bytes in a
 * partition key, so no rule can name a category of more than 2048 - 14 bytes.
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Constraints.html#limits-partition-sort-keys
 */
export const CATEGORY_MAX_BYTES = 2048 - utf8Length('RULE#category#');

/**
 * The largest level change, as EventBridge sizes a PutEvents entry, whatever the catalogue
 * holds: far under EventBridge's 256 KiB, so an event is never refused for its size. Held by a
 * worst-case test over every field.
 */
export const LEVEL_EVENT_MAX_BYTES = 32 * 1024;

/**
 * The category as a level change carries it. Every field of the detail is bounded without
 * cutting an identifier a consumer matches on:
 * - `sku` and `location` are the item's keys, carried whole: the inventory contract holds each
 *   to 256 UTF-16 code units (at most 768 UTF-8 bytes), within DynamoDB's 2048-byte partition
 *   key (sku) and 1024-byte sort key (location).
 * - `ruleKey` names a stored rule (or none), carried whole: its control-table partition key
 *   `RULE#<ruleKey>` holds at most 2048 bytes.
 * - `category` is catalogue text of any length (a DynamoDB item holds 400 KB), yet the
 *   strategy-executor resolves category rules by it and consumers' patterns may match it. Up to
 *   {@link CATEGORY_MAX_BYTES}, every category a rule can name, it is carried whole. Longer, no
 *   rule can name it: it is cut as alerts show it (`DISPLAY_BYTES.category`, with an ellipsis,
 *   short enough to look up as a rule key) and `categoryTruncated` says the value is a prefix,
 *   not the item's category.
 */
export const levelEventCategory = (
  category: string | undefined,
): { category?: string; categoryTruncated?: true } => {
  if (category === undefined) return {};
  if (category.length <= CATEGORY_MAX_BYTES / 3 || utf8Length(category) <= CATEGORY_MAX_BYTES)
    return { category };
  return { category: clip(category, DISPLAY_BYTES.category), categoryTruncated: true };
};

/** Why a level change was not announced to people (see `silencedBy`). */
export const SILENCE_REASONS = ['snooze', 'cooldown', 'no-channels', 'trigger-silenced'] as const;
export type SilenceReason = (typeof SILENCE_REASONS)[number];

/** Detail of `StockLevelTriggered` and `StockLevelResolved`; see {@link levelEventCategory} for its bounds. */
export const StockLevelDetailSchema = lazySchema(() =>
  z.object({
    version: z.literal(EVENT_VERSION),
    alertId: z.string().check(z.minLength(1)),
    sku: z.string().check(z.minLength(1)),
    location: z.string().check(z.minLength(1)),
    category: z.optional(z.string()),
    /**
     * Set when the item's category was too long to carry (see {@link levelEventCategory}):
     * `category` then holds its beginning only. Absent from events of earlier releases.
     */
    categoryTruncated: z.optional(z.literal(true)),
    level: z.enum(LEVELS),
    previousQuantity: z.nullable(z.number()),
    quantity: z.nullable(z.number()),
    threshold: z.number(),
    occurredAt: z.iso.datetime({ offset: true }),
    severity: z.enum(SEVERITIES),
    ruleKey: z.string().check(z.minLength(1)),
    /** False when people were not alerted (snoozed or in cooldown); strategies still apply. */
    notified: z.boolean(),
    /**
     * Why people were not alerted, when `notified` is false: the rule was snoozed, the level was
     * in its cooldown, the rule has no channels, or (a resolve) its trigger was silenced. Absent
     * from events of earlier releases.
     */
    silencedBy: z.optional(z.enum(SILENCE_REASONS)),
    /** The stream record the crossing came from. */
    changeId: z.string().check(z.minLength(1)),
    /**
     * The stream sequence number of that record: the executor waits until the alert state has
     * recorded it before judging whether the alert is still current. Absent from events of
     * earlier releases, which are judged on the state as it is.
     */
    sequenceNumber: z.optional(z.string().check(z.regex(/^\d+$/))),
  }),
);
export type StockLevelDetail = z.infer<typeof StockLevelDetailSchema>;

/**
 * A level change as EventBridge delivers it to the strategy-executor: the envelope (the shape
 * of Powertools' `EventBridgeSchema`) with the detail validated. Declared here in zod/mini
 * because Powertools' schema imports classic zod whole, every locale included: ~450 KB of the
 * executor's bundle. The Powertools parser middleware takes it as a Standard Schema.
 */
export const StockLevelEventSchema = lazySchema(() =>
  z.object({
    version: z.string(),
    id: z.string(),
    source: z.string(),
    account: z.string(),
    time: z.iso.datetime(),
    region: z.string(),
    resources: z.array(z.string()),
    'detail-type': z.string(),
    detail: StockLevelDetailSchema,
    'replay-name': z.optional(z.string()),
  }),
);
export type StockLevelEvent = z.infer<typeof StockLevelEventSchema>;

/** Detail of `StrategyApplied`: one per decision of the strategy-executor. */
export const StrategyAppliedDetailSchema = lazySchema(() =>
  z.object({
    version: z.literal(EVENT_VERSION),
    alertId: z.string(),
    sku: z.string(),
    location: z.string(),
    level: z.enum(LEVELS),
    transition: z.enum(['TRIGGERED', 'RESOLVED']),
    strategy: z.string(),
    outcome: z.enum(OUTCOMES),
    reason: z.optional(z.string()),
    effect: z.record(z.string(), z.unknown()),
    occurredAt: z.iso.datetime({ offset: true }),
  }),
);
export type StrategyAppliedDetail = z.infer<typeof StrategyAppliedDetailSchema>;

/** Detail of `PurchaseOrderRequested`, for a supplier integration to pick up. */
export const PurchaseOrderRequestedDetailSchema = lazySchema(() =>
  z.object({
    version: z.literal(EVENT_VERSION),
    orderId: z.string(),
    alertId: z.string(),
    sku: z.string(),
    location: z.string(),
    quantity: z.number().check(z.positive()),
    supplier: z.optional(z.string()),
    occurredAt: z.iso.datetime({ offset: true }),
  }),
);
export type PurchaseOrderRequestedDetail = z.infer<typeof PurchaseOrderRequestedDetailSchema>;

/**
 * How often Lambda runs the strategy-executor again after an error: EventBridge invokes it
 * asynchronously, so its target retry policy covers only handing the event over; an error is
 * retried by the function's own setting (at most 2), then the event goes to its dead-letter
 * queue. The stack sets it, and the sandbox's bus runs the executor as often.
 */
export const EXECUTOR_ASYNC_RETRIES = 2;

/**
 * The rule that routes level changes to the strategy-executor. The stack deploys this object,
 * the local sandbox's bus matches with it, and the tests assert it.
 */
export const STRATEGY_EXECUTOR_PATTERN = {
  source: [EVENT_SOURCE],
  'detail-type': [DetailType.StockLevelTriggered, DetailType.StockLevelResolved],
  detail: { version: [EVENT_VERSION] },
} as const;
