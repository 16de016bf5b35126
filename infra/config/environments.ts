import * as z from 'zod';
import { DEFAULT_CACHE_MAX_ENTRIES } from '../../shared/adapters/lru-cache.js';
import {
  digestWindowOf,
  E164_PATTERN,
  EMAIL_PATTERN,
  type FilterPolicy,
  filterPolicyOf,
  filterPolicyProblem,
  subscriberIdOf,
  webhookProblem,
} from '../../shared/contracts/subscriptions.js';
import {
  DEFAULT_INDEX_SHARDS,
  DEFAULT_OPEN_ORDER_MAX_AGE_DAYS,
  MAX_INDEX_SHARDS,
} from '../../shared/contracts/tables.js';
import { LEVELS } from '../../shared/domain/levels.js';
import { DEFAULT_LOCALE, LOCALES, type Locale } from '../../shared/domain/locales.js';
import { DEFAULT_CURRENCY_DECIMALS, MAX_CURRENCY_DECIMALS } from '../../shared/domain/money.js';
import { formatIssues, InvalidEnvironmentConfigError } from '../../shared/errors.js';

/** Which alerts a subscriber receives; empty or absent means all. */
const FilterSchema = z
  .object({
    levels: z.array(z.enum(LEVELS)).optional(),
    locations: z.array(z.string().min(1)).optional(),
    categories: z.array(z.string().min(1)).optional(),
    /** Also receive "resolved" messages (default true). */
    resolved: z.boolean().default(true),
  })
  .strict();

/** The language of a subscriber's alerts. */
const LocaleSchema = z.enum(LOCALES, { error: `must be one of ${LOCALES.join(', ')}` });

/**
 * A subscriber's digest (issue #18): `window` as `15m`, `1h`, …; critical alerts stay
 * immediate unless `critical: 'digest'`.
 */
const DigestSchema = z
  .object({
    window: z.string().transform((text, ctx) => {
      const window = digestWindowOf(text);
      if ('problem' in window) ctx.addIssue({ code: 'custom', message: window.problem });
      return 'minutes' in window ? window.minutes : 0;
    }),
    critical: z.enum(['immediate', 'digest']).default('immediate'),
  })
  .strict();

/** What every subscriber has besides its address: which alerts, in which language, and when. */
const subscriberOf = <P extends string>(protocol: P, endpoint: z.ZodType<string>) =>
  z
    .object({
      protocol: z.literal(protocol),
      endpoint,
      filter: FilterSchema.default({ resolved: true }),
      locale: LocaleSchema.default(DEFAULT_LOCALE),
      digest: DigestSchema.optional(),
    })
    .strict();

const SubscriberSchema = z.discriminatedUnion('protocol', [
  subscriberOf('email', z.string().regex(EMAIL_PATTERN, 'must be an e-mail address')),
  subscriberOf(
    'sms',
    z.string().regex(E164_PATTERN, 'must be an E.164 phone number, e.g. +14155550100'),
  ),
  /** A webhook: SNS posts the event detail (JSON) to it; https only. */
  subscriberOf(
    'https',
    z.string().superRefine((endpoint, ctx) => {
      const problem = webhookProblem(endpoint, false);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }),
  ),
]);
export type Subscriber = z.output<typeof SubscriberSchema>;

/** The filter policy of a configured subscriber: the stack deploys it, the sandbox evaluates it. */
export const subscriberPolicyOf = (subscriber: Subscriber): FilterPolicy =>
  filterPolicyOf(
    subscriber.protocol,
    subscriber.filter,
    subscriber.locale,
    subscriber.digest && {
      windowMinutes: subscriber.digest.window,
      critical: subscriber.digest.critical,
      id: subscriberIdOf(subscriber.protocol, subscriber.endpoint),
    },
  );

/**
 * Whether the environment keeps crossings for digests: when a configured subscriber has one,
 * or `digests` is set so that `subscribe --digest` can add some later. It costs a write (two
 * units, in the state transaction) per announced crossing.
 */
export const digestsEnabled = (
  config: Pick<EnvironmentConfig, 'subscribers' | 'digests'>,
): boolean => config.digests || config.subscribers.some((s) => s.digest !== undefined);

/** An event source mapping on the inventory stream. */
const StreamConsumerSchema = z
  .object({
    batchSize: z.number().int().min(1).max(10_000),
    maxBatchingWindowSeconds: z.number().int().min(0).max(300),
    retryAttempts: z.number().int().min(0).max(10_000),
    maxRecordAgeSeconds: z.number().int().min(60).max(604_800),
    parallelizationFactor: z.number().int().min(1).max(10),
  })
  .strict();

const DECIMALS_MESSAGE = `must be a whole number from 0 to ${MAX_CURRENCY_DECIMALS}: 2 for USD or EUR, 0 for JPY, 3 for KWD`;

/** The currency of the inventory table's prices; reprice works in its minor units. */
const CurrencySchema = z
  .object({
    code: z
      .string()
      .regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code of three capital letters, e.g. EUR'),
    /** Digits after the decimal point (the ISO 4217 minor unit). */
    decimals: z
      .number({ error: DECIMALS_MESSAGE })
      .int(DECIMALS_MESSAGE)
      .min(0, DECIMALS_MESSAGE)
      .max(MAX_CURRENCY_DECIMALS, DECIMALS_MESSAGE),
  })
  .strict()
  .superRefine(({ code, decimals }, ctx) => {
    // The code is what makes the decimals right: a known currency's minor unit must match.
    const standard = standardDecimalsOf(code);
    if (standard !== undefined && standard !== decimals)
      ctx.addIssue({
        code: 'custom',
        path: ['decimals'],
        message: `${code} has ${standard} decimal(s) in ISO 4217, not ${decimals}`,
      });
  });

/** The ISO 4217 minor unit of a currency the runtime knows, else undefined. */
const standardDecimalsOf = (code: string): number | undefined =>
  Intl.supportedValuesOf('currency').includes(code)
    ? new Intl.NumberFormat('en', { style: 'currency', currency: code }).resolvedOptions()
        .maximumFractionDigits
    : undefined;

export const EnvironmentConfigSchema = z
  .object({
    account: z
      .string()
      .regex(/^\d{12}$/, 'must be a 12-digit AWS account id')
      .optional(),
    region: z
      .string()
      .regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region, e.g. eu-west-1')
      .optional(),
    /** Create the inventory table, or attach to an existing table and its stream. */
    inventoryTable: z.discriminatedUnion('mode', [
      z.object({ mode: z.literal('create') }).strict(),
      z
        .object({
          mode: z.literal('import'),
          tableName: z.string().min(3),
          streamArn: z
            .string()
            .regex(
              /^arn:aws[\w-]*:dynamodb:[\w-]+:\d{12}:table\/.+\/stream\/.+$/,
              'must be a DynamoDB stream ARN',
            ),
          /** KMS key ARN of the imported table, when it uses a customer-managed key. */
          encryptionKeyArn: z.string().startsWith('arn:').optional(),
        })
        .strict(),
    ]),
    subscribers: z.array(SubscriberSchema).default([]),
    /**
     * Languages alerts are published in besides the subscribers' own: list one here to add
     * subscribers in it later with `subscribe --locale`. Each costs one SNS message per alert.
     */
    alertLocales: z.array(LocaleSchema).default([]),
    /**
     * Keep crossings for digests even when no configured subscriber has one, so `subscribe
     * --digest` can add digest subscribers (see {@link digestsEnabled}).
     */
    digests: z.boolean().default(false),
    /** Absent: US dollars, 2 decimals. */
    currency: CurrencySchema.default({ code: 'USD', decimals: DEFAULT_CURRENCY_DECIMALS }),
    /** Event source mapping of the stock-monitor on the inventory stream. */
    streamConsumer: StreamConsumerSchema,
    /**
     * Event source mapping of the demand-recorder, the stream's second reader. Demand can wait,
     * so its batches are large. DynamoDB Streams serves at most two readers per shard without
     * throttling: turn it off (`enabled: false`) when an imported stream already has a reader
     * of its own; demand-derived thresholds then fall back to the rule's values.
     */
    demandConsumer: StreamConsumerSchema.extend({ enabled: z.boolean().default(true) }).strict(),
    /** EventBridge target settings of the strategy-executor. */
    strategyTarget: z
      .object({
        retryAttempts: z.number().int().min(0).max(185),
        maxEventAgeSeconds: z.number().int().min(60).max(86_400),
      })
      .strict(),
    /** `retain` keeps tables, key, topic and queues when the stack is deleted. */
    removalPolicy: z.enum(['destroy', 'retain']),
    pointInTimeRecovery: z.boolean(),
    deletionProtection: z.boolean(),
    logRetentionDays: z.union([
      z.literal(1),
      z.literal(3),
      z.literal(5),
      z.literal(7),
      z.literal(14),
      z.literal(30),
      z.literal(60),
      z.literal(90),
      z.literal(180),
      z.literal(365),
      z.literal(731),
      z.literal(1827),
    ]),
    logLevel: z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR']),
    /** Memory of each function in MB (Lambda: 128 to 10,240); the values say why they were chosen. */
    memoryMb: z
      .object({
        stockMonitor: z.number().int().min(128).max(10_240),
        strategyExecutor: z.number().int().min(128).max(10_240),
        demandRecorder: z.number().int().min(128).max(10_240),
        demandRollup: z.number().int().min(128).max(10_240),
        /**
         * Where crossings are kept for digests. The bench prices it alike at every size (its
         * ~14 ms of CPU a tick is CPU-bound); 512 until its resident size is measured.
         */
        digestSender: z.number().int().min(128).max(10_240).default(512),
      })
      .strict(),
    rulesCacheTtlSeconds: z.number().int().min(0).max(3600),
    /**
     * Most entries each per-container cache keeps (rules, rule resolutions, demand-derived
     * thresholds), least recently used out first. About 0.5 KB an entry: at the ceiling the
     * three hold about 150 MB of a 512 MB function.
     */
    cacheMaxEntries: z.number().int().min(1).max(100_000).default(DEFAULT_CACHE_MAX_ENTRIES),
    archiveRetentionDays: z.number().int().min(0).max(3650),
    /**
     * Partition values per kind and day of the control table's `byKind` index: each takes
     * about 1,000 write units a second, so the ledger sustains about `indexShards` × 1,000
     * entries a second; readers query every shard of each day they read. Raise it, never
     * lower it: entries in shards above a lowered count are no longer read.
     */
    indexShards: z.number().int().min(1).max(MAX_INDEX_SHARDS).default(DEFAULT_INDEX_SHARDS),
    /** An open purchase order older than this no longer blocks a new order for its item. */
    openOrderMaxAgeDays: z.number().int().min(1).max(3650).default(DEFAULT_OPEN_ORDER_MAX_AGE_DAYS),
    /**
     * Whether stock is counted in fractions (kilograms, metres): the CLI then accepts quantities
     * such as 2.5; otherwise it refuses them as typos.
     */
    decimalQuantities: z.boolean().default(false),
    alarms: z
      .object({
        /** Alarm when the oldest stream record waits longer than this. */
        iteratorAgeMs: z.number().int().positive(),
        /** Alarm when a function reports at least this many errors in 5 minutes. */
        functionErrors: z.number().int().positive(),
        /** Who is told about alarms (ops topic subscribers). */
        opsEmails: z
          .array(z.string().regex(EMAIL_PATTERN, 'must be an e-mail address'))
          .default([]),
      })
      .strict(),
  })
  .strict()
  .superRefine((config, ctx) => {
    if (config.removalPolicy === 'destroy' && config.deletionProtection) {
      ctx.addIssue({
        code: 'custom',
        path: ['deletionProtection'],
        message: 'cannot protect tables whose removalPolicy is destroy; use retain',
      });
    }
    // SNS refuses a subscription whose filter policy is over its limits: say so before a deploy.
    config.subscribers.forEach((subscriber, index) => {
      const problem = filterPolicyProblem(subscriberPolicyOf(subscriber));
      if (problem)
        ctx.addIssue({
          code: 'custom',
          path: ['subscribers', index, 'filter'],
          message: `subscriber ${subscriber.protocol} ${subscriber.endpoint}: ${problem}`,
        });
    });
    // A batch's distinct items must fit, or each batch evicts its own rules and reads them again.
    if (config.cacheMaxEntries < config.streamConsumer.batchSize) {
      ctx.addIssue({
        code: 'custom',
        path: ['cacheMaxEntries'],
        message: `must hold at least one batch of distinct items (streamConsumer.batchSize ${config.streamConsumer.batchSize})`,
      });
    }
  });
export type EnvironmentConfigInput = z.input<typeof EnvironmentConfigSchema>;
export type EnvironmentConfig = z.output<typeof EnvironmentConfigSchema> & {
  readonly name: string;
};

const development = {
  inventoryTable: { mode: 'create' },
  subscribers: [],
  streamConsumer: {
    batchSize: 100,
    maxBatchingWindowSeconds: 0,
    retryAttempts: 3,
    maxRecordAgeSeconds: 3600,
    parallelizationFactor: 1,
  },
  // The sandbox plays dev: 2 s keeps `npm start` and the drills' demand current; deployed
  // environments wait longer for fuller journal entries (see prod).
  demandConsumer: {
    batchSize: 1000,
    maxBatchingWindowSeconds: 2,
    retryAttempts: 10,
    maxRecordAgeSeconds: 86_400,
    parallelizationFactor: 1,
  },
  strategyTarget: { retryAttempts: 3, maxEventAgeSeconds: 3600 },
  removalPolicy: 'destroy',
  pointInTimeRecovery: true,
  deletionProtection: false,
  logRetentionDays: 7,
  logLevel: 'DEBUG',
  /*
   * Chosen from `npm run bench` (GB-s per 1,000 changes at 128/256/512 MB from measured CPU
   * time, docs/cost.md). Below 1,769 MB a function's CPU is proportional to its memory, so CPU
   * work costs the same GB-s at each size (measured: within the millisecond rounding), and
   * network waits cost more the larger the size: the smallest size wins unless latency matters.
   */
  memoryMb: {
    // 0.275 / 0.275 / 0.300 GB-s: 256 for the same GB-s as 128 and half the time a batch of
    // crossings waits for its alerts (100 crossings: 165 ms instead of 330 ms).
    stockMonitor: 256,
    // 0.103 / 0.105 / 0.110 GB-s: 128; the executor acts on events that arrive unordered anyway.
    strategyExecutor: 128,
    // 0.022 / 0.023 / 0.024 GB-s: 128; demand waits for its batching window anyway.
    demandRecorder: 128,
    // Once a day, over the whole day's journal in memory: folding 500,000 deltas (the
    // reference load) took 1.7 s and 560 MB resident on the bench machine; 1,024 leaves room.
    demandRollup: 1024,
  },
  rulesCacheTtlSeconds: 10,
  archiveRetentionDays: 7,
  alarms: { iteratorAgeMs: 60_000, functionErrors: 5 },
} satisfies EnvironmentConfigInput;

/**
 * Every environment, by name. Chosen at deploy time with `-c env=<name>` (default `dev`).
 * Subscriber addresses are examples on reserved domains and numbers: replace them.
 */
export const ENVIRONMENTS: Record<string, EnvironmentConfigInput> = {
  // Dev is where `subscribe --digest` is tried, deployed and in the sandbox (which plays dev,
  // and keeps crossings for digests only where the stack does): a buffer write per crossing.
  dev: { ...development, digests: true },
  staging: {
    ...development,
    subscribers: [{ protocol: 'email', endpoint: 'inventory-staging@example.com' }],
    streamConsumer: { ...development.streamConsumer, maxBatchingWindowSeconds: 1 },
    // A minute: fuller journal entries than dev's, short enough to watch a test's sales land.
    demandConsumer: { ...development.demandConsumer, maxBatchingWindowSeconds: 60 },
    logRetentionDays: 30,
    logLevel: 'INFO',
    rulesCacheTtlSeconds: 30,
    archiveRetentionDays: 30,
  },
  prod: {
    ...development,
    subscribers: [
      { protocol: 'email', endpoint: 'inventory-team@example.com' },
      {
        protocol: 'sms',
        endpoint: '+15555550100',
        filter: { levels: ['OUT_OF_STOCK'], resolved: false },
      },
      { protocol: 'email', endpoint: 'cangku@example.com', locale: 'zh-CN' },
      {
        protocol: 'https',
        endpoint: 'https://hooks.example.com/inventory-alerts',
        filter: { levels: ['OUT_OF_STOCK', 'LOW_STOCK'], resolved: true },
      },
    ],
    streamConsumer: {
      batchSize: 500,
      maxBatchingWindowSeconds: 1,
      retryAttempts: 5,
      maxRecordAgeSeconds: 21_600,
      parallelizationFactor: 2,
    },
    /*
     * The recorder journals a batch in entries billed per KB (at least one write unit each):
     * the longer the window, the fuller and fewer its entries. At the reference load (500,000
     * writes a day, ~6 a second) 300 s gathers ~1,700 records a batch: a few write units for
     * them, where a 30 s window pays the 1-unit minimum ten times as often. The price is lag:
     * today's demand in `report --html` is up to 5 minutes behind, which nothing else reads
     * (thresholds read complete days, rolled up at 00:30, and are cached 15 minutes anyway).
     */
    demandConsumer: {
      batchSize: 2000,
      maxBatchingWindowSeconds: 300,
      retryAttempts: 20,
      maxRecordAgeSeconds: 86_400,
      parallelizationFactor: 1,
    },
    strategyTarget: { retryAttempts: 8, maxEventAgeSeconds: 21_600 },
    removalPolicy: 'retain',
    deletionProtection: true,
    logRetentionDays: 90,
    logLevel: 'INFO',
    rulesCacheTtlSeconds: 60,
    archiveRetentionDays: 90,
    alarms: {
      iteratorAgeMs: 30_000,
      functionErrors: 1,
      opsEmails: ['inventory-oncall@example.com'],
    },
  },
};

/**
 * The locales alerts are published in: the subscribers' and `alertLocales`, in catalogue order;
 * English when there are none (subscribers added with `subscribe` default to it).
 */
export const localesInUse = (
  subscribers: readonly Pick<Subscriber, 'locale'>[],
  alertLocales: readonly Locale[] = [],
): Locale[] => {
  const used = new Set<Locale>([...subscribers.map((s) => s.locale), ...alertLocales]);
  return used.size > 0 ? LOCALES.filter((l) => used.has(l)) : [DEFAULT_LOCALE];
};

/**
 * Returns the validated configuration of an environment, or throws
 * {@link InvalidEnvironmentConfigError} naming the environment and each bad field.
 */
export const loadEnvironment = (
  name: string,
  environments: Record<string, unknown> = ENVIRONMENTS,
): EnvironmentConfig => {
  const raw = environments[name];
  if (raw === undefined) {
    throw new InvalidEnvironmentConfigError(
      `Unknown environment "${name}". Choose one of: ${Object.keys(environments).join(', ')} (cdk … -c env=<name>).`,
    );
  }
  const result = EnvironmentConfigSchema.safeParse(raw);
  if (!result.success) {
    throw new InvalidEnvironmentConfigError(
      `Environment "${name}" is invalid: ${formatIssues(result.error.issues).join('; ')}`,
    );
  }
  return { ...result.data, name };
};
