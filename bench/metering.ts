import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBStreamEvent, EventBridgeEvent } from 'aws-lambda';
import { SandboxDigestTopic } from '../sandbox/digest-topic.js';
import { EnvName } from '../shared/contracts/env.js';
import { DetailType } from '../shared/contracts/events.js';
import {
  DIGEST_CATCH_UP_TICKS,
  DIGEST_SENDER_LAG_MINUTES,
  DIGEST_TICK_MINUTES,
  filterPolicyOf,
  subscriberIdOf,
} from '../shared/contracts/subscriptions.js';
import {
  CONTROL_TABLE,
  ControlKeys,
  IDEMPOTENCY_TABLE,
  INVENTORY_TABLE,
} from '../shared/contracts/tables.js';
import type {
  DigestUnits,
  FunctionCounts,
  MeteredCounts,
  MeteredFunction,
  RollupUnits,
} from '../shared/domain/cost.js';
import { dayAfter, dayBefore, utcDayOf } from '../shared/domain/days.js';
import { tickOf, windowsAround } from '../shared/domain/digest.js';
import { type RuleInput, ruleKeyOf } from '../shared/domain/rules.js';
import { createNaiveConsumer } from './naive-consumer.js';
import { RULES_TABLE, StubAws } from './stub-transport.js';
import {
  CREDENTIALS,
  context,
  type Functions,
  generateBatches,
  REGION,
  RULE,
} from './throughput.js';

/** The bench's alerts topic (the stub takes any). */
const TOPIC_ARN = 'arn:aws:sns:eu-west-1:000000000000:bench';

/** The tables the metered stub keeps, by the names the bench environment gives them. */
const TABLES = {
  [RULES_TABLE]: CONTROL_TABLE,
  'bench-inventory': INVENTORY_TABLE,
  'bench-idempotency': IDEMPOTENCY_TABLE,
};

/** The level changes the stack's rule routes to the strategy-executor. */
const EXECUTOR_DETAIL_TYPES = new Set<string>([
  DetailType.StockLevelTriggered,
  DetailType.StockLevelResolved,
]);

/**
 * Which items have rules of their own, and whether the control table has the rules directory:
 * what the stock-monitor's rule reads depend on (issue #18).
 */
export interface RuleSetup {
  /**
   * `none`: every item takes the default rule, as most of a catalogue does (its category's or
   * the default); `all`: every item has a sku+location rule (the default rule's thresholds, so
   * only the reads differ).
   */
  readonly ownRules: 'none' | 'all';
  /** False: a table an earlier release wrote, without the rules directory (`rules reindex`). */
  readonly directory: boolean;
}

/** What the cost figures price: no item has a rule of its own, the directory is built. */
export const DEFAULT_RULE_SETUP: RuleSetup = { ownRules: 'none', directory: true };

/** The rules stored for a setup: the default rule, and each item's own where it has one. */
const rulesOf = (setup: RuleSetup, batches: readonly DynamoDBStreamEvent[]) => {
  const rules = new Map<string, RuleInput>([['default', RULE]]);
  if (setup.ownRules === 'all')
    for (const record of batches.flatMap((batch) => batch.Records)) {
      const { sku, location } = unmarshall(record.dynamodb?.Keys as never) as {
        sku: string;
        location: string;
      };
      const scope = { sku, location };
      rules.set(ruleKeyOf(scope), { ...RULE, scope });
    }
  return rules;
};

/** A metered stub, its clients, and the CPU the function spent beside the stub's own. */
const meteredStub = (
  setup: RuleSetup = DEFAULT_RULE_SETUP,
  batches: readonly DynamoDBStreamEvent[] = [],
) => {
  const stub = new StubAws(rulesOf(setup, batches), 0, TABLES, { directory: setup.directory });
  const client = {
    region: REGION,
    credentials: CREDENTIALS,
    requestHandler: stub.handler as never,
  };
  return { stub, client };
};

/** Runs `invoke` over `inputs`, returning the CPU milliseconds it used, the stub's own left out. */
const cpuOf = async <T>(
  stub: StubAws,
  inputs: readonly T[],
  invoke: (input: T) => Promise<unknown>,
) => {
  stub.stubCpuMicros = 0;
  const started = process.cpuUsage();
  for (const input of inputs) await invoke(input);
  const used = process.cpuUsage(started);
  return (used.user + used.system - stub.stubCpuMicros) / 1000;
};

/** What a stub billed over `changes` changes, per 1,000 changes. */
const countsOf = (
  stub: StubAws,
  invocations: number,
  cpuMs: number,
  changes: number,
): FunctionCounts => {
  const per = (n: number) => (n / changes) * 1000;
  const tally = stub.meter?.tally;
  return {
    invocations: per(invocations),
    writeUnits: per(tally?.writeUnits ?? 0),
    indexWriteUnits: per(tally?.indexWriteUnits ?? 0),
    readUnits: per(tally?.readUnits ?? 0),
    snsPublishes: per(stub.messaging.snsPublishes),
    eventEntries: per(stub.messaging.eventEntries),
    cpuMsPerInvocation: invocations === 0 ? 0 : cpuMs / invocations,
    calls: Object.fromEntries([...(tally?.calls ?? [])].map(([op, n]) => [op, per(n)])),
  };
};

/** The events of a stub's bus that the executor's rule matches, as EventBridge delivers them. */
const executorEvents = (stub: StubAws): EventBridgeEvent<string, unknown>[] =>
  stub.events
    .filter((entry) => EXECUTOR_DETAIL_TYPES.has(entry.DetailType))
    .map((entry, index) => ({
      version: '0',
      id: `bench-${index}`,
      'detail-type': entry.DetailType,
      source: entry.Source,
      account: '000000000000',
      time: new Date().toISOString(),
      region: REGION,
      resources: [],
      detail: JSON.parse(entry.Detail) as unknown,
    }));

/** Stores each item's latest image in the inventory table, as the shop's writes left it. */
const seedInventory = (stub: StubAws, batches: readonly DynamoDBStreamEvent[]) => {
  for (const record of batches.flatMap((batch) => batch.Records)) {
    const image = record.dynamodb?.NewImage;
    if (image) stub.meter?.seed('bench-inventory', image as never);
  }
};

/** The stock-monitor and then the strategy-executor on the events it put, on one store. */
const meterMonitorAndExecutor = async (
  functions: Functions,
  batches: readonly DynamoDBStreamEvent[],
  changes: number,
  setup: RuleSetup,
) => {
  const { stub, client } = meteredStub(setup, batches);
  seedInventory(stub, batches);
  const monitor = functions.monitor({ dynamodb: client, sns: client, eventBridge: client });
  const monitorCpu = await cpuOf(stub, batches, (batch) => monitor(batch, context));
  const monitorCounts = countsOf(stub, batches.length, monitorCpu, changes);
  const events = executorEvents(stub);
  const ruleKeys = new Set(events.map((event) => (event.detail as { ruleKey: string }).ruleKey));
  stub.reset();
  const executor = functions.executor({ dynamodb: client, sns: client, eventBridge: client });
  const executorCpu = await cpuOf(stub, events, (event) => executor(event, context));
  return {
    'stock-monitor': monitorCounts,
    'strategy-executor': countsOf(stub, events.length, executorCpu, changes),
    ruleKeys,
  };
};

/**
 * The stock-monitor's counts per 1,000 changes under one rule setup, and the rule keys its
 * level events name (which rule each crossing was judged by).
 */
export const meterRuleReads = async (
  functions: Functions,
  options: { records: number; batchSize: number; rate: number; setup: RuleSetup },
): Promise<{ monitor: FunctionCounts; ruleKeys: ReadonlySet<string> }> => {
  const { records, batchSize, rate, setup } = options;
  const batches = generateBatches(records, batchSize, rate, records);
  const metered = await meterMonitorAndExecutor(functions, batches, records, setup);
  return { monitor: metered['stock-monitor'], ruleKeys: metered.ruleKeys };
};

/** The demand-recorder over the same changes, in its own batch size. */
const meterRecorder = async (functions: Functions, records: number, size: number, rate: number) => {
  const { stub, client } = meteredStub();
  const batches = generateBatches(records, size, rate, records);
  const recorder = functions.recorder({ dynamodb: client });
  const cpu = await cpuOf(stub, batches, (batch) => recorder(batch, context));
  return countsOf(stub, batches.length, cpu, records);
};

/** What the demand roll-up costs per item-day it folds (see {@link meterRollup}). */
export interface RollupCounts {
  readonly itemDays: number;
  /** Journal entries the recorder wrote for them, and their write units per 1,000 sales. */
  readonly journalWriteUnitsPerThousandSales: number;
  readonly writeUnitsPerItemDay: number;
  readonly readUnitsPerItemDay: number;
  /** CPU of the roll-up per item-day (the stub's own left out). */
  readonly cpuMsPerItemDay: number;
  readonly calls: Record<string, number>;
}

/**
 * The demand-recorder's journal over `records` sales, each of an item of its own, in batches
 * of `size`, then the nightly roll-up of the day (its first run, when no day is stored yet:
 * every item-day read and written once), billed per item-day: what the cost model adds per
 * distinct item-day with sales, beside the recorder's journal writes per sale.
 */
export const meterRollup = async (
  functions: Functions,
  records: number,
  size: number,
  items = records,
): Promise<RollupCounts> => {
  const { stub, client } = meteredStub();
  const batches = generateBatches(records, size, 0, items);
  const recorder = functions.recorder({ dynamodb: client });
  for (const batch of batches) await recorder(batch, context);
  const journalUnits = stub.meter?.tally.writeUnits ?? 0;
  stub.reset();
  const rollup = functions.rollup({ dynamodb: client });
  let results: Awaited<ReturnType<typeof rollup>> = [];
  // The next night's scheduled run in steady state (the marker at the day before yesterday):
  // yesterday's final pass (empty here) and today's first look.
  const today = utcDayOf(new Date());
  const tomorrow = dayAfter(today);
  const marker = ControlKeys.demandRollup();
  stub.meter?.seed(RULES_TABLE, {
    pk: { S: marker.pk },
    sk: { S: marker.sk },
    through: { S: dayBefore(dayBefore(today)) },
  } as never);
  const cpuMs = await cpuOf(stub, [`${tomorrow}T00:30:00.000Z`], async (time) => {
    results = await rollup({ time }, context);
  });
  const itemDays = results.reduce((sum, r) => sum + r.itemDays, 0);
  const tally = stub.meter?.tally;
  return {
    itemDays,
    journalWriteUnitsPerThousandSales: (journalUnits / records) * 1000,
    writeUnitsPerItemDay: (tally?.writeUnits ?? 0) / itemDays,
    readUnitsPerItemDay: (tally?.readUnits ?? 0) / itemDays,
    cpuMsPerItemDay: cpuMs / itemDays,
    calls: Object.fromEntries([...(tally?.calls ?? [])]),
  };
};

/**
 * The roll-up's units as the cost model prices them, from two metered days of `records` sales:
 * one sale per item-day, and ten. Reads split into a part per item-day (its stored day) and a
 * part per sale (the journal read back); writes and CPU per item-day, the larger of the two.
 */
export const meterRollupUnits = async (
  functions: Functions,
  records: number,
): Promise<RollupUnits> => {
  const one = await meterRollup(functions, records, 1000);
  const ten = await meterRollup(functions, records, 1000, Math.max(1, Math.round(records / 10)));
  const reads = (r: RollupCounts) => r.readUnitsPerItemDay * r.itemDays;
  const perItemDay = Math.max(
    0,
    (reads(one) - reads(ten)) / Math.max(1, one.itemDays - ten.itemDays),
  );
  return {
    writeUnitsPerItemDay: Math.max(one.writeUnitsPerItemDay, ten.writeUnitsPerItemDay),
    readUnitsPerItemDay: perItemDay,
    readUnitsPerSale: Math.max(0, (reads(one) - perItemDay * one.itemDays) / records),
    cpuMsPerItemDay: Math.max(one.cpuMsPerItemDay, ten.cpuMsPerItemDay),
  };
};

/**
 * Crossings in the two digest windows metered: about a 15-minute window's at the reference
 * load (10,000 a day: ~100), and ten times that.
 */
export const DIGEST_WINDOW_SIZES = [100, 1000] as const;

/** Digest subscribers that take every alert, critical ones too, in 15-minute windows. */
const digestSubscriptions = (count: number) =>
  Array.from({ length: count }, (_, i) => ({
    filterPolicy: filterPolicyOf('sms', { resolved: true }, 'en', {
      windowMinutes: DIGEST_TICK_MINUTES,
      critical: 'digest',
      id: subscriberIdOf('sms', `+1555555010${i}`),
    }),
  }));

/** The stock-monitor's write units (table and index) over `batches`, crossings kept for digests or not. */
const monitorWrites = async (
  functions: Functions,
  batches: readonly DynamoDBStreamEvent[],
  digests: boolean,
) => {
  const { stub, client } = meteredStub();
  seedInventory(stub, batches);
  const before = process.env[EnvName.digestBuffer];
  if (digests) process.env[EnvName.digestBuffer] = 'on';
  else delete process.env[EnvName.digestBuffer];
  try {
    const monitor = functions.monitor({ dynamodb: client, sns: client, eventBridge: client });
    for (const batch of batches) await monitor(batch, context);
  } finally {
    if (before === undefined) delete process.env[EnvName.digestBuffer];
    else process.env[EnvName.digestBuffer] = before;
  }
  const tally = stub.meter?.tally;
  return { stub, client, units: (tally?.writeUnits ?? 0) + (tally?.indexWriteUnits ?? 0) };
};

/** The digest tick at or before `time` (ms). */
const tickAt = (time: number) => tickOf(new Date(time), DIGEST_TICK_MINUTES);

/**
 * Steady state for the tick at `at`: the windows of 15 minutes the earlier ticks closed, marked
 * closed as the sender left them. Returns how many marks the tick reads ({@link windowsAround}).
 */
const seedClosedWindows = (stub: StubAws, at: Date): number => {
  const around = windowsAround(at, DIGEST_TICK_MINUTES, DIGEST_TICK_MINUTES, DIGEST_CATCH_UP_TICKS);
  for (const window of around.due.slice(0, -1))
    stub.meter?.seed(
      RULES_TABLE,
      marshall(ControlKeys.digestWindow(window.minutes, window.until)) as never,
    );
  return around.due.length + 1;
};

/**
 * One window of `alerts` crossings (every change a crossing, 100 a batch) with their buffer
 * entries written by the stock-monitor, then the tick that closes it for `subscribers` digest
 * subscribers, the earlier windows closed: the write units the buffer added to the monitor's,
 * and what the digest-sender billed and spent at that tick.
 */
const meterDigestWindow = async (functions: Functions, alerts: number, subscribers: number) => {
  const batches = generateBatches(alerts, 100, 1, alerts);
  const without = await monitorWrites(functions, batches, false);
  // The window must hold every entry: a run across a quarter hour is run again.
  for (let attempt = 0; ; attempt++) {
    const started = Date.now();
    const { stub, client, units } = await monitorWrites(functions, batches, true);
    if (tickAt(started) !== tickAt(Date.now()) && attempt < 2) continue;
    const tick = new Date(
      tickAt(started) + (DIGEST_TICK_MINUTES + DIGEST_SENDER_LAG_MINUTES) * 60_000,
    );
    const marksRead = seedClosedWindows(stub, tick);
    stub.reset();
    const subscriptions = digestSubscriptions(subscribers);
    const topic = new SandboxDigestTopic(() => subscriptions, client, TOPIC_ARN);
    const sender = functions.digestSender({ dynamodb: client, sns: client }, topic);
    let run: Awaited<ReturnType<typeof sender>> | undefined;
    const cpuMs = await cpuOf(stub, [tick.toISOString()], async (time) => {
      run = await sender({ time }, context);
    });
    if (run?.windows.length !== 1 || run.digests.some((d) => d.crossings !== alerts))
      throw new Error(
        `the tick closed ${run?.windows.length} windows, digests of ${run?.digests.map((d) => d.crossings)} of ${alerts} crossings: the bench lost some`,
      );
    const tally = stub.meter?.tally;
    return {
      bufferUnits: units - without.units,
      // The marks (a BatchGet per tick, one key per window looked at) apart from the window's reads.
      markReadUnits: tally?.readUnitsBy.get('BatchGetItem') ?? 0,
      marksRead,
      readUnits: (tally?.readUnits ?? 0) - (tally?.readUnitsBy.get('BatchGetItem') ?? 0),
      writeUnits: (tally?.writeUnits ?? 0) + (tally?.indexWriteUnits ?? 0),
      publishes: stub.messaging.snsPublishes,
      cpuMs,
    };
  }
};

/**
 * What digests cost (issue #18), metered over three windows: `sizes[0]` and `sizes[1]`
 * crossings for one subscriber taking them all, and `sizes[1]` for two. The buffer's write
 * units per crossing, put by the monitor; the digest-sender's reads and CPU per tick,
 * a part per window and a part per crossing in it (`a + b × crossings`, from the first two);
 * its writes (the window's mark; idempotency per digest), publishes and CPU per digest sent
 * (from the last two). A first window warms the JIT and is thrown away.
 */
export const meterDigestUnits = async (
  functions: Functions,
  sizes: readonly [number, number],
): Promise<DigestUnits> => {
  await meterDigestWindow(functions, sizes[0], 1);
  const small = await meterDigestWindow(functions, sizes[0], 1);
  const large = await meterDigestWindow(functions, sizes[1], 1);
  const twice = await meterDigestWindow(functions, sizes[1], 2);
  type Window = typeof small;
  const perAlert = (measure: (w: Window) => number) =>
    Math.max(0, (measure(large) - measure(small)) / (sizes[1] - sizes[0]));
  const perWindow = (measure: (w: Window) => number) =>
    Math.max(0, measure(small) - perAlert(measure) * sizes[0]);
  const perDigest = (measure: (w: Window) => number) =>
    Math.max(0, measure(twice) - measure(large));
  return {
    bufferWriteUnitsPerAlert: (small.bufferUnits + large.bufferUnits) / (sizes[0] + sizes[1]),
    readUnitsPerMark:
      (small.markReadUnits + large.markReadUnits) / (small.marksRead + large.marksRead),
    readUnitsPerWindow: perWindow((w) => w.readUnits),
    readUnitsPerAlert: perAlert((w) => w.readUnits),
    writeUnitsPerWindow: Math.max(0, large.writeUnits - perDigest((w) => w.writeUnits)),
    writeUnitsPerDigest: perDigest((w) => w.writeUnits),
    publishesPerDigest: perDigest((w) => w.publishes),
    cpuMsPerTick: perWindow((w) => w.cpuMs),
    cpuMsPerAlert: perAlert((w) => w.cpuMs),
    cpuMsPerDigest: perDigest((w) => w.cpuMs),
  };
};

/** The naive consumer over the same changes. */
const meterNaive = async (batches: readonly DynamoDBStreamEvent[], changes: number) => {
  const { stub } = meteredStub();
  const naive = createNaiveConsumer({
    region: REGION,
    credentials: CREDENTIALS,
    requestHandler: stub.handler,
    controlTable: RULES_TABLE,
    topicArn: TOPIC_ARN,
    busName: 'bench',
  });
  const cpu = await cpuOf(stub, batches, (batch) => naive(batch));
  return countsOf(stub, batches.length, cpu, changes);
};

/** One metered run of every function over `records` changes at `rate` crossings. */
const meterOnce = async (
  functions: Functions,
  records: number,
  batchSize: number,
  rate: number,
): Promise<Record<MeteredFunction | 'stock-monitor (own rules)', FunctionCounts>> => {
  const batches = generateBatches(records, batchSize, rate, records);
  const metered = await meterMonitorAndExecutor(functions, batches, records, DEFAULT_RULE_SETUP);
  const ownRules = await meterMonitorAndExecutor(functions, batches, records, {
    ...DEFAULT_RULE_SETUP,
    ownRules: 'all',
  });
  return {
    'stock-monitor': metered['stock-monitor'],
    'stock-monitor (own rules)': ownRules['stock-monitor'],
    'strategy-executor': metered['strategy-executor'],
    'demand-recorder': await meterRecorder(functions, records, batchSize, rate),
    'naive-consumer': await meterNaive(batches, records),
  };
};

/**
 * Counts per 1,000 changes of each function and of the naive consumer, as AWS bills them, at
 * 0 % and 100 % crossings and at two batch sizes (every change a sale, to an item of its own:
 * no rule cached, no sales summed; no item has a rule of its own and the rules directory is
 * built, {@link DEFAULT_RULE_SETUP}; the cost model mixes by crossing rate, scales the recorder
 * by the sale share, and takes per-invocation and per-record parts from the two sizes): DynamoDB
 * write and read units from item sizes, SNS publishes and EventBridge entries by 64 KB chunk,
 * invocations, and CPU time per invocation (the stub's own left out). A first run over a tenth
 * of the changes warms the JIT and is thrown away.
 */
export const meterCounts = async (
  functions: Functions,
  options: {
    records: number;
    batchSizes: readonly [number, number];
    digestWindowSizes?: readonly [number, number];
  },
): Promise<MeteredCounts> => {
  const { records, batchSizes, digestWindowSizes = DIGEST_WINDOW_SIZES } = options;
  await meterOnce(functions, Math.max(batchSizes[1], records / 10), batchSizes[1], 0.5);
  type Run = Awaited<ReturnType<typeof meterOnce>>;
  const runs: Record<'quiet' | 'crossing', Run[]> = { quiet: [], crossing: [] };
  for (const size of batchSizes) {
    runs.quiet.push(await meterOnce(functions, records, size, 0));
    runs.crossing.push(await meterOnce(functions, records, size, 1));
  }
  const pair = (kind: 'quiet' | 'crossing', fn: keyof Run) =>
    [runs[kind][0]?.[fn], runs[kind][1]?.[fn]] as [FunctionCounts, FunctionCounts];
  const byFunction = (fn: keyof Run) => ({
    quiet: pair('quiet', fn),
    crossing: pair('crossing', fn),
  });
  return {
    changes: records,
    batchSizes,
    functions: {
      'stock-monitor': byFunction('stock-monitor'),
      'strategy-executor': byFunction('strategy-executor'),
      'demand-recorder': byFunction('demand-recorder'),
      'naive-consumer': byFunction('naive-consumer'),
    },
    ownRules: { 'stock-monitor': byFunction('stock-monitor (own rules)') },
    rollup: await meterRollupUnits(functions, records),
    digest: await meterDigestUnits(functions, digestWindowSizes),
  };
};
