import * as z from 'zod';
import { DIGEST_CATCH_UP_TICKS, DIGEST_TICK_MINUTES } from '../contracts/subscriptions.js';
import { PRICES } from './pricing.js';

/** The functions the bench meters: the pipeline's three and the naive consumer it is measured against. */
export const METERED_FUNCTIONS = [
  'stock-monitor',
  'strategy-executor',
  'demand-recorder',
  'naive-consumer',
] as const;
export type MeteredFunction = (typeof METERED_FUNCTIONS)[number];

/** What one function costs per 1,000 changes, as AWS bills it (measured by the bench). */
export interface FunctionCounts {
  readonly invocations: number;
  /** DynamoDB write request units of the tables (transactions counted twice). */
  readonly writeUnits: number;
  /** DynamoDB write request units of global secondary indexes. */
  readonly indexWriteUnits: number;
  readonly readUnits: number;
  /** SNS publishes as billed (each 64 KB chunk of a message; a PublishBatch entry is one). */
  readonly snsPublishes: number;
  /** EventBridge PutEvents entries as billed (each 64 KB chunk). */
  readonly eventEntries: number;
  /** Measured CPU time of one invocation, in ms, on the bench machine. */
  readonly cpuMsPerInvocation: number;
  /** Calls per operation, for the reader. */
  readonly calls: Readonly<Record<string, number>>;
}

/**
 * The bench's counts (bench/results/cost-counts.json): per function, per 1,000 changes at 0 %
 * crossings (`quiet`) and at 100 % (`crossing`), each at the two batch sizes of `batchSizes`
 * (records per invocation), every change a sale. Two sizes tell what a function spends per
 * invocation from what it spends per record.
 */
export interface MeteredCounts {
  readonly changes: number;
  readonly batchSizes: readonly [number, number];
  /** Every item takes the default rule (none has a rule of its own): most of a catalogue. */
  readonly functions: Readonly<Record<MeteredFunction, FunctionPoints>>;
  /** The stock-monitor again, with every item on a rule of its own (sku+location). */
  readonly ownRules: { readonly 'stock-monitor': FunctionPoints };
  readonly rollup: RollupUnits;
  readonly digest: DigestUnits;
}

/** A function's counts at 0 % and 100 % crossings, each at the two batch sizes. */
export interface FunctionPoints {
  readonly quiet: readonly [FunctionCounts, FunctionCounts];
  readonly crossing: readonly [FunctionCounts, FunctionCounts];
}

/**
 * What the nightly demand roll-up costs (measured by the bench at two numbers of sales per
 * item-day): a part per item-day it folds (its stored day read, its write on the first pass,
 * CPU) and a part per sale (the journal read back).
 */
export interface RollupUnits {
  readonly writeUnitsPerItemDay: number;
  readonly readUnitsPerItemDay: number;
  readonly readUnitsPerSale: number;
  readonly cpuMsPerItemDay: number;
}

/**
 * What digests cost besides their messages (measured by the bench over three windows): the
 * buffer's writes per crossing by the stock-monitor (its conditional put, and the index); the
 * read of one window's mark (each tick reads those of the windows it looks at); per window
 * closed its reads of the buffer and CPU, a part per window and a part per crossing in it, and
 * its mark; and per digest sent its idempotency writes, publishes and CPU.
 */
export interface DigestUnits {
  readonly bufferWriteUnitsPerAlert: number;
  readonly readUnitsPerMark: number;
  readonly readUnitsPerWindow: number;
  readonly readUnitsPerAlert: number;
  readonly writeUnitsPerWindow: number;
  readonly writeUnitsPerDigest: number;
  readonly publishesPerDigest: number;
  readonly cpuMsPerTick: number;
  readonly cpuMsPerAlert: number;
  readonly cpuMsPerDigest: number;
}

const count = z.number().nonnegative();
const FunctionCountsSchema = z
  .object({
    invocations: count,
    writeUnits: count,
    indexWriteUnits: count,
    readUnits: count,
    snsPublishes: count,
    eventEntries: count,
    cpuMsPerInvocation: count,
    calls: z.record(z.string(), count),
  })
  .strict();
const PointsSchema = z.tuple([FunctionCountsSchema, FunctionCountsSchema]);
const FunctionPointsSchema = z.object({ quiet: PointsSchema, crossing: PointsSchema }).strict();

/** The counts file the bench writes, as the `cost` command reads it. */
export const MeteredCountsSchema = z
  .object({
    changes: z.number().int().positive(),
    batchSizes: z.tuple([z.number().int().positive(), z.number().int().positive()]),
    functions: z
      .object({
        'stock-monitor': FunctionPointsSchema,
        'strategy-executor': FunctionPointsSchema,
        'demand-recorder': FunctionPointsSchema,
        'naive-consumer': FunctionPointsSchema,
      })
      .strict(),
    ownRules: z.object({ 'stock-monitor': FunctionPointsSchema }).strict(),
    rollup: z
      .object({
        writeUnitsPerItemDay: count,
        readUnitsPerItemDay: count,
        readUnitsPerSale: count,
        cpuMsPerItemDay: count,
      })
      .strict(),
    digest: z
      .object({
        bufferWriteUnitsPerAlert: count,
        readUnitsPerMark: count,
        readUnitsPerWindow: count,
        readUnitsPerAlert: count,
        writeUnitsPerWindow: count,
        writeUnitsPerDigest: count,
        publishesPerDigest: count,
        cpuMsPerTick: count,
        cpuMsPerAlert: count,
        cpuMsPerDigest: count,
      })
      .strict(),
  })
  .strict() satisfies z.ZodType<MeteredCounts>;

/** Lambda memory sizes the bench prices GB-s at. */
export const MEMORY_SIZES_MB = [128, 256, 512] as const;

/** Memory at which a Lambda function has one full vCPU; below it, CPU share is proportional. */
export const FULL_VCPU_MB = 1769;

/**
 * Billed GB-seconds of one invocation that needs `cpuMs` of one full CPU, at `memoryMb` on
 * arm64. The model: a function's CPU share is proportional to its memory (a full vCPU at
 * 1,769 MB), so its duration is `cpuMs × 1769 / memoryMb` (no faster than `cpuMs`), billed in
 * whole milliseconds. Waiting on the network is left out (the stub answers at once): that wait
 * is billed too, and weighs most on the consumer that waits most, the naive one.
 */
export const gbSecondsPerInvocation = (cpuMs: number, memoryMb: number): number =>
  (Math.ceil(cpuMs * Math.max(1, FULL_VCPU_MB / memoryMb)) / 1000) * (memoryMb / 1024);

export interface CostInputs {
  readonly writesPerDay: number;
  /** Share of writes that cross a level (0–1). */
  readonly crossingRate: number;
  /** Share of alerts that also go out by SMS (0–1). */
  readonly smsShare: number;
  /** E-mail subscribers each alert reaches. */
  readonly emailSubscribers: number;
  /** Share of writes that are sales (decrements by the shop), which the demand-recorder counts. */
  readonly saleShare: number;
  /** Average stream records per stock-monitor (and naive consumer) invocation. */
  readonly recordsPerInvocation: number;
  /** Average stream records per demand-recorder invocation (its batches and window are larger). */
  readonly demandRecordsPerInvocation: number;
  /** Share of changes to items with a rule of their own (the rest take a category's or the default). */
  readonly ownRuleShare: number;
  /** Distinct items sold on a day (the roll-up's item-days; at most the day's sales). */
  readonly itemsSoldPerDay: number;
  /** Memory of each function, in MB (the environment's config; the naive consumer at its cheapest). */
  readonly memoryMb: Readonly<Record<MeteredFunction | 'demand-rollup' | 'digest-sender', number>>;
  readonly counts: MeteredCounts;
  /** Subscribers on digests (`subscribe … --digest`); absent: every alert at once. */
  readonly digest?: Digest | undefined;
}

/** The channels whose subscribers can take digests. */
export const DIGEST_CHANNELS = ['sms', 'email'] as const;
export type DigestChannel = (typeof DIGEST_CHANNELS)[number];

/** The subscribers' digest: its window, the share of alerts that stay immediate, and who takes it. */
export interface Digest {
  readonly windowMinutes: number;
  /** Share of the alerts that are critical and still go at once (0 with --digest-critical). */
  readonly immediateShare: number;
  /** The channels whose subscribers take the digest; the others get every alert at once. */
  readonly channels: readonly DigestChannel[];
}

export const DEFAULT_COST_INPUTS = {
  smsShare: 0,
  emailSubscribers: 1,
  saleShare: 0.6,
  recordsPerInvocation: 10,
  demandRecordsPerInvocation: 100,
  ownRuleShare: 0,
  itemsSoldPerDay: 5000,
} as const;

export interface CostLine {
  readonly service: string;
  readonly item: string;
  readonly quantity: number;
  readonly usd: number;
}

const DAYS = 30;

type Measure = (c: FunctionCounts) => number;

/**
 * A measure per 1,000 changes at `recordsPerInvocation`, from the two measured batch sizes:
 * each measure is a part per record plus a part per invocation (`a + b × 1000 / size`).
 */
const atBatchSize = (
  points: readonly [FunctionCounts, FunctionCounts],
  sizes: readonly [number, number],
  recordsPerInvocation: number,
  measure: Measure,
): number => {
  const [x1, x2] = [1000 / sizes[0], 1000 / sizes[1]];
  const [y1, y2] = [measure(points[0]), measure(points[1])];
  const perInvocation = x1 === x2 ? 0 : (y1 - y2) / (x1 - x2);
  return Math.max(0, y1 + perInvocation * (1000 / recordsPerInvocation - x1));
};

/**
 * A function's counts per 1,000 changes at `rate` crossings and `recordsPerInvocation`, for
 * `share` of the changes (the demand-recorder counts only sales).
 */
export const countsAt = (
  counts: MeteredCounts,
  fn: MeteredFunction,
  load: { rate: number; recordsPerInvocation: number; share?: number },
): FunctionCounts => pointsAt(counts.functions[fn], counts.batchSizes, load);

/**
 * Counts whose every measure is `combine` of that measure (a weighted sum of counts), CPU per
 * invocation weighted by invocations.
 */
const combined = (combine: (measure: Measure) => number): FunctionCounts => {
  const invocations = combine((c) => c.invocations);
  const cpuMs = combine((c) => c.invocations * c.cpuMsPerInvocation);
  return {
    invocations,
    writeUnits: combine((c) => c.writeUnits),
    indexWriteUnits: combine((c) => c.indexWriteUnits),
    readUnits: combine((c) => c.readUnits),
    snsPublishes: combine((c) => c.snsPublishes),
    eventEntries: combine((c) => c.eventEntries),
    cpuMsPerInvocation: invocations === 0 ? 0 : cpuMs / invocations,
    calls: {},
  };
};

/** {@link countsAt} of one function's measured points. */
const pointsAt = (
  points: FunctionPoints,
  batchSizes: MeteredCounts['batchSizes'],
  load: { rate: number; recordsPerInvocation: number; share?: number },
): FunctionCounts => {
  const { quiet, crossing } = points;
  const { rate, recordsPerInvocation, share = 1 } = load;
  return combined(
    (measure) =>
      share *
      ((1 - rate) * atBatchSize(quiet, batchSizes, recordsPerInvocation, measure) +
        rate * atBatchSize(crossing, batchSizes, recordsPerInvocation, measure)),
  );
};

/**
 * The stock-monitor's counts when `ownRuleShare` of the changes are to items with a rule of
 * their own: its reads of those rules are what differ.
 */
const monitorCountsAt = (
  counts: MeteredCounts,
  load: { rate: number; recordsPerInvocation: number },
  ownRuleShare: number,
): FunctionCounts => {
  const none = countsAt(counts, 'stock-monitor', load);
  const own = pointsAt(counts.ownRules['stock-monitor'], counts.batchSizes, load);
  return combined((measure) => (1 - ownRuleShare) * measure(none) + ownRuleShare * measure(own));
};

/** GB-seconds per 1,000 changes of a function's counts at `memoryMb`. */
export const gbSecondsPer1000 = (counts: FunctionCounts, memoryMb: number): number =>
  counts.invocations * gbSecondsPerInvocation(counts.cpuMsPerInvocation, memoryMb);

/** One priced line. */
const line = (service: string, item: string, quantity: number, unitPrice: number): CostLine => ({
  service,
  item,
  quantity,
  usd: quantity * unitPrice,
});

/** How a function's alerts reach people: e-mail and SMS lines from the month's alerts. */
type DeliveryLines = (fn: string, alerts: number, inputs: CostInputs) => CostLine[];

/** Every alert at once: an e-mail to each e-mail subscriber, an SMS for the SMS share. */
const deliveredAtOnce: DeliveryLines = (fn, alerts, inputs) =>
  [
    line(
      'SNS',
      `${fn} e-mail deliveries`,
      alerts * inputs.emailSubscribers,
      PRICES.sns.emailDelivery,
    ),
    line('SNS', `${fn} SMS deliveries (US)`, alerts * inputs.smsShare, PRICES.sns.smsUs),
  ].filter((l) => l.quantity > 0);

/** The month's lines of one function from its counts per 1,000 changes. */
const functionLines = (
  fn: string,
  counts: FunctionCounts,
  thousands: number,
  memoryMb: number,
  inputs: CostInputs,
  deliveries: DeliveryLines = deliveredAtOnce,
): CostLine[] => {
  const month = (n: number) => n * thousands;
  const alerts = month(counts.snsPublishes);
  const positive = (lines: CostLine[]) => lines.filter((l) => l.quantity > 0);
  return [
    ...positive([
      line('Lambda', `${fn} requests`, month(counts.invocations), PRICES.lambda.request),
      line(
        'Lambda',
        `${fn} GB-s (${memoryMb} MB)`,
        month(gbSecondsPer1000(counts, memoryMb)),
        PRICES.lambda.gbSecondArm64,
      ),
      line(
        'DynamoDB',
        `${fn} writes (WRU)`,
        month(counts.writeUnits),
        PRICES.dynamodb.writeRequestUnit,
      ),
      line(
        'DynamoDB',
        `${fn} index writes (WRU)`,
        month(counts.indexWriteUnits),
        PRICES.dynamodb.writeRequestUnit,
      ),
      line(
        'DynamoDB',
        `${fn} reads (RRU)`,
        month(counts.readUnits),
        PRICES.dynamodb.readRequestUnit,
      ),
      line('SNS', `${fn} publishes`, alerts, PRICES.sns.publish),
    ]),
    ...deliveries(fn, alerts, inputs),
    ...positive([
      line(
        'EventBridge',
        `${fn} events`,
        month(counts.eventEntries),
        PRICES.eventBridge.customEvent,
      ),
    ]),
  ];
};

/**
 * Monthly cost (30 days) of this pipeline by function and service, and of the naive consumer
 * for the same load, from the bench's measured counts. Both run the same strategy-executor on
 * the events they put; only this pipeline keeps demand (the demand-recorder, on the sales).
 */
export const monthlyCost = (inputs: CostInputs) => {
  const thousands = (inputs.writesPerDay * DAYS) / 1000;
  const ofAt = (fn: MeteredFunction, recordsPerInvocation: number, share = 1) =>
    functionLines(
      fn,
      countsAt(inputs.counts, fn, { rate: inputs.crossingRate, recordsPerInvocation, share }),
      thousands,
      inputs.memoryMb[fn],
      inputs,
    );
  const of = (fn: MeteredFunction) => ofAt(fn, inputs.recordsPerInvocation);
  const executor = of('strategy-executor');
  const { digest } = inputs;
  const monitor = monitorCountsAt(
    inputs.counts,
    { rate: inputs.crossingRate, recordsPerInvocation: inputs.recordsPerInvocation },
    inputs.ownRuleShare,
  );
  const pipeline = [
    ...functionLines(
      'stock-monitor',
      monitor,
      thousands,
      inputs.memoryMb['stock-monitor'],
      inputs,
      digest && ((fn, alerts) => digestedDeliveries(fn, alerts, inputs, digest)),
    ),
    ...executor,
    ...ofAt('demand-recorder', inputs.demandRecordsPerInvocation, inputs.saleShare),
    ...rollupLines(inputs),
  ];
  const naive = [...of('naive-consumer'), ...executor];
  const totals = { pipeline: total(pipeline), naive: total(naive) };
  return {
    pipeline,
    naive,
    totals,
    ratio: totals.naive === 0 ? undefined : totals.pipeline / totals.naive,
    prices: { asOf: PRICES.asOf, region: PRICES.region, source: PRICES.source },
  };
};

/**
 * The stock-monitor's deliveries when some channels' subscribers take digests: each such
 * subscriber gets the immediate (critical) share at once and the rest as one message per window
 * that has any (alerts arriving at random: a window of `λ` expected alerts is empty with
 * probability e^−λ); the other channels get every alert at once. Plus the buffer and the
 * sender, once whatever the channels.
 */
const digestedDeliveries = (
  fn: string,
  alerts: number,
  inputs: CostInputs,
  digest: Digest,
): CostLine[] => {
  const windows = (DAYS * 24 * 60) / digest.windowMinutes;
  const takes = (channel: DigestChannel) => digest.channels.includes(channel);
  // Subscribers (SMS: the share of alerts one subscriber takes) per channel.
  const channels = [
    { channel: 'email', subscribers: inputs.emailSubscribers, alertsEach: alerts },
    {
      channel: 'sms',
      subscribers: inputs.smsShare > 0 ? 1 : 0,
      alertsEach: alerts * inputs.smsShare,
    },
  ] as const;
  const atOnce = deliveredAtOnce(fn, alerts, {
    ...inputs,
    emailSubscribers: takes('email') ? 0 : inputs.emailSubscribers,
    smsShare: takes('sms') ? 0 : inputs.smsShare,
  });
  const digested = channels
    .filter(({ channel, subscribers }) => takes(channel) && subscribers > 0)
    .map(({ channel, subscribers, alertsEach }) => {
      const later = alertsEach * (1 - digest.immediateShare);
      const digests = subscribers * windows * (1 - Math.exp(-later / windows));
      const immediate = subscribers * (alertsEach - later);
      const window = `${digest.windowMinutes} min`;
      const lines =
        channel === 'sms'
          ? [
              line('SNS', `${fn} SMS deliveries, immediate (US)`, immediate, PRICES.sns.smsUs),
              line('SNS', `SMS digests (${window}, US)`, digests, PRICES.sns.smsUs),
            ]
          : [
              line(
                'SNS',
                `${fn} e-mail deliveries, immediate`,
                immediate,
                PRICES.sns.emailDelivery,
              ),
              line('SNS', `e-mail digests (${window})`, digests, PRICES.sns.emailDelivery),
            ];
      return { lines, digests };
    });
  if (digested.length === 0) return atOnce;
  const digests = digested.reduce((sum, d) => sum + d.digests, 0);
  return [
    ...atOnce,
    ...digested.flatMap((d) => d.lines),
    ...digestSenderLines({ alerts, windows, digests }, inputs),
  ];
};

/**
 * The buffer writes and the digest-sender's requests, GB-s, reads, publishes and writes (the
 * windows' marks, idempotency), from the bench's {@link DigestUnits}. The schedule runs at
 * every tick, whatever the window; a tick's CPU is priced at the month's average crossings and
 * digests per tick.
 */
const digestSenderLines = (
  month: { alerts: number; windows: number; digests: number },
  inputs: CostInputs,
): CostLine[] => {
  const { alerts, windows, digests } = month;
  const units = inputs.counts.digest;
  const { writeRequestUnit: wru, readRequestUnit: rru } = PRICES.dynamodb;
  const ticks = (DAYS * 24 * 60) / DIGEST_TICK_MINUTES;
  const memoryMb = inputs.memoryMb['digest-sender'];
  const cpuMs =
    units.cpuMsPerTick + (units.cpuMsPerAlert * alerts + units.cpuMsPerDigest * digests) / ticks;
  return [
    line('SNS', 'digest publishes', digests * units.publishesPerDigest, PRICES.sns.publish),
    line('DynamoDB', 'digest buffer writes (WRU)', alerts * units.bufferWriteUnitsPerAlert, wru),
    line(
      'DynamoDB',
      'digest-sender reads (RRU)',
      // Each window's mark is looked at by the tick it closes at and the catch-up's after it,
      // and each tick looks at one more (the window before its span).
      (windows * (DIGEST_CATCH_UP_TICKS + 1) + ticks) * units.readUnitsPerMark +
        windows * units.readUnitsPerWindow +
        alerts * units.readUnitsPerAlert,
      rru,
    ),
    line(
      'DynamoDB',
      'digest-sender writes (WRU)',
      windows * units.writeUnitsPerWindow + digests * units.writeUnitsPerDigest,
      wru,
    ),
    line('Lambda', 'digest-sender requests', ticks, PRICES.lambda.request),
    line(
      'Lambda',
      `digest-sender GB-s (${memoryMb} MB)`,
      ticks * gbSecondsPerInvocation(cpuMs, memoryMb),
      PRICES.lambda.gbSecondArm64,
    ),
  ];
};

/** Roll-up passes over each day: the night after it, and again the night after that. */
export const ROLLUP_PASSES = 2;

/**
 * The nightly demand roll-up's month: each distinct item-day with sales read on both passes and
 * written on the first (the second writes only what a late batch changed), the day's journal
 * read back on both, one invocation a night.
 */
const rollupLines = (inputs: CostInputs): CostLine[] => {
  const salesPerDay = inputs.writesPerDay * inputs.saleShare;
  const itemDaysPerDay = Math.min(inputs.itemsSoldPerDay, salesPerDay);
  const units = inputs.counts.rollup;
  const memoryMb = inputs.memoryMb['demand-rollup'];
  const { writeRequestUnit: wru, readRequestUnit: rru } = PRICES.dynamodb;
  const readsPerDay =
    ROLLUP_PASSES *
    (itemDaysPerDay * units.readUnitsPerItemDay + salesPerDay * units.readUnitsPerSale);
  const cpuMsPerNight = itemDaysPerDay * units.cpuMsPerItemDay;
  return [
    line('Lambda', 'demand-rollup requests', DAYS, PRICES.lambda.request),
    line(
      'Lambda',
      `demand-rollup GB-s (${memoryMb} MB)`,
      DAYS * gbSecondsPerInvocation(cpuMsPerNight, memoryMb),
      PRICES.lambda.gbSecondArm64,
    ),
    line(
      'DynamoDB',
      'demand-rollup writes (WRU)',
      DAYS * itemDaysPerDay * units.writeUnitsPerItemDay,
      wru,
    ),
    line('DynamoDB', 'demand-rollup reads (RRU)', DAYS * readsPerDay, rru),
  ].filter((l) => l.quantity > 0);
};

/** The sum of the lines in USD. */
const total = (lines: readonly CostLine[]) => lines.reduce((sum, l) => sum + l.usd, 0);

/** The memory size of `sizes` at which a function's GB-s per 1,000 changes is least (the smallest of equals). */
export const cheapestMemory = (
  counts: FunctionCounts,
  sizes: readonly number[] = MEMORY_SIZES_MB,
) =>
  [...sizes].sort(
    (a, b) => gbSecondsPer1000(counts, a) - gbSecondsPer1000(counts, b) || a - b,
  )[0] as number;

/** Memory of the pipeline's functions as the environment config states it. */
export interface FunctionMemory {
  readonly stockMonitor: number;
  readonly strategyExecutor: number;
  readonly demandRecorder: number;
  readonly demandRollup: number;
  readonly digestSender: number;
}

/**
 * Memory by metered function: the config's for ours; for the naive consumer its cheapest size
 * at the load (its best case).
 */
export const memoryOf = (
  config: FunctionMemory,
  counts: MeteredCounts,
  load: { rate: number; recordsPerInvocation: number },
): CostInputs['memoryMb'] => ({
  'stock-monitor': config.stockMonitor,
  'strategy-executor': config.strategyExecutor,
  'demand-recorder': config.demandRecorder,
  'demand-rollup': config.demandRollup,
  'digest-sender': config.digestSender,
  'naive-consumer': cheapestMemory(countsAt(counts, 'naive-consumer', load)),
});
