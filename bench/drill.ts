import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { GetCommand, PutCommand, paginateScan, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { Context, DynamoDBRecord } from 'aws-lambda';
import { listKind, windowSince } from '../cli/control-items.js';
import type { Target } from '../cli/target.js';
import { loadEnvironment } from '../infra/config/environments.js';
import {
  freePort,
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  startDynamoDbLocal,
} from '../sandbox/dynamodb-local.js';
import { type BusRecord, seededRandom } from '../sandbox/local-bus.js';
import {
  LocalRequestHandler,
  type WireEvent,
  type WirePublishEntry,
} from '../sandbox/local-transport.js';
import { Sandbox, type SandboxOptions } from '../sandbox/sandbox.js';
import {
  type StreamBatching,
  type StreamDeadLetter,
  StreamPoller,
  type StreamPollerOptions,
} from '../sandbox/stream-poller.js';
import { undecodableReason } from '../shared/adapters/stream-records.js';
import { EnvName } from '../shared/contracts/env.js';
import type { RuleInput } from '../shared/domain/rules.js';
import {
  busEnvelope,
  levelDetail,
  openAlertsItem,
  quantityChange,
} from '../test/support/factories.js';
import { BAD_INPUT_CATALOGUE, monitorOutcome, POISON_CATALOGUE } from '../test/support/poison.js';
import { mockStreamOf } from '../test/support/stream-fake.js';
import {
  expectedAlerts,
  expectedListed,
  MODEL_LEVELS,
  type ModelChange,
  type ModelLevel,
  priceMoveViolation,
  reduceViolation,
  restockViolation,
} from './ordering-model.js';
import { StubAws } from './stub-transport.js';

/** One line of the drill table. */
export interface DrillRow {
  readonly drill: string;
  readonly load: string;
  readonly faultsInjected: number;
  readonly duplicates: number;
  readonly losses: number;
  /** Bus deliveries that overtook an earlier event (the ordering drill). */
  readonly reordered?: number;
  /** Rule edits made while the drill ran (the ordering drill). */
  readonly ruleEdits?: number;
  /** Broken promises other than duplicates and losses, checked against a reference model. */
  readonly violations?: number;
  readonly detail: string;
}

/** The drills, by the name `--only` takes. */
export const DRILLS = ['redelivery', 'faults', 'poison', 'bad-input', 'race', 'ordering'] as const;
export type DrillName = (typeof DRILLS)[number];

const DRILL_RULES: RuleInput[] = [
  {
    scope: { default: true },
    thresholds: { LOW_STOCK: 10, OVERSTOCK: 90 },
    hysteresis: 2,
    strategies: {
      LOW_STOCK: { type: 'purchase-order', quantity: { mode: 'fixed', units: 40 } },
      OUT_OF_STOCK: { type: 'pause-listing' },
      OVERSTOCK: { type: 'reprice', percent: 5, floor: 5, ceiling: 50, maxChangesPerPeriod: 1000 },
    },
  },
];

/** A deterministic random walk of stock over `items` items: sales, receipts, crossings of every level. */
const scenario = (changes: number, items: number) => {
  let seed = 7;
  const random = () => {
    seed = (seed * 16_807) % 2_147_483_647;
    return seed / 2_147_483_647;
  };
  const steps: { sku: string; delta: number }[] = [];
  for (let i = 0; i < changes; i++) {
    const sku = `D-${Math.floor(random() * items)}`;
    const delta = random() < 0.6 ? -Math.ceil(random() * 12) : Math.ceil(random() * 30);
    steps.push({ sku, delta });
  }
  return {
    items: Array.from({ length: items }, (_, i) => ({
      sku: `D-${i}`,
      location: 'WH-1',
      quantity: 40,
      price: 20,
    })),
    steps,
  };
};

/** Splits steps into waves of at most `size` with each item at most once, keeping per-item order. */
const waves = <T extends { sku: string }>(steps: readonly T[], size: number): T[][] => {
  const result: T[][] = [];
  const nextWave = new Map<string, number>();
  for (const step of steps) {
    let index = nextWave.get(step.sku) ?? 0;
    while ((result[index]?.length ?? 0) >= size) index++;
    const wave = result[index] ?? [];
    wave.push(step);
    result[index] = wave;
    nextWave.set(step.sku, index + 1);
  }
  return result;
};

interface Tally {
  alerts: number;
  events: number;
  /** Ledger entries: exactly one per level change and strategy, whatever its outcome. */
  decisions: number;
  /**
   * Effects applied. Not compared between runs: whether an effect applies depends on whether
   * its alert is still open when the executor runs (a late one is ledgered as stale), which
   * is timing; that each applies at most once is the ledger key's guarantee.
   */
  orders: number;
  priceChanges: number;
  /** Units sold as the demand-recorder counted them, over every item and day. */
  unitsSold: number;
  deadLetters: number;
}

/** The sum of every demand day total in the control table (a drill may scan; the pipeline never does). */
const unitsSold = async (sandbox: Sandbox): Promise<number> => {
  let total = 0;
  for await (const page of paginateScan(
    { client: sandbox.doc },
    {
      TableName: sandbox.tables.control,
      FilterExpression: 'begins_with(sk, :demand)',
      ExpressionAttributeValues: { ':demand': 'DEMAND#' },
    },
  )) {
    for (const item of page.Items ?? []) total += Number(item.unitsSold ?? 0);
  }
  return total;
};

/**
 * What came out: alerts as delivered, level-change events as put on the bus, and the effects
 * themselves as recorded in the control table (orders, and price changes in the ledger), not
 * their announcements, which are at-least-once by design.
 */
const tally = async (sandbox: Sandbox): Promise<Tally> => {
  const target = controlTarget(sandbox);
  const today = lastDay();
  const ledger = await listKind(target, 'LEDGER', today);
  return {
    alerts: sandbox.outbox.length,
    events: sandbox.events.filter((e) => e.event['detail-type'].startsWith('StockLevel')).length,
    decisions: ledger.length,
    orders: (await listKind(target, 'ORDER', today)).length,
    priceChanges: ledger.filter((e) => e.strategy === 'reprice' && e.outcome === 'applied').length,
    unitsSold: await unitsSold(sandbox),
    deadLetters: sandbox.deadLetters.length,
  };
};

/** Plays the scenario on a fresh sandbox and returns what came out. */
const play = async (
  endpoint: string,
  changes: number,
  options: { deliveries?: number; faultRate?: number },
) => {
  const base = loadEnvironment('dev');
  const sandbox = await Sandbox.create({
    endpoint,
    prefix: `drill-${Date.now()}-${Math.floor(Math.random() * 1e6)}-`,
    config: {
      ...base,
      streamConsumer: { ...base.streamConsumer, retryAttempts: 10 },
      demandConsumer: { ...base.demandConsumer, retryAttempts: 10 },
      strategyTarget: { ...base.strategyTarget, retryAttempts: 10 },
    },
    pollIntervalMs: 50,
    ...(options.deliveries ? { streamDeliveries: options.deliveries } : {}),
    ...(options.faultRate ? { callFaultRate: options.faultRate } : {}),
  });
  for (const rule of DRILL_RULES) await sandbox.putRule(rule);
  const { items, steps } = scenario(changes, Math.max(5, Math.round(changes / 25)));
  for (const item of items) await sandbox.putItem(item);
  await sandbox.settle(600_000);
  const before = await tally(sandbox);
  // Sales and receipts arrive in quick succession, as from a shop under load, twenty at a
  // time but never two for one item at once, so every run sees the same quantities per item.
  for (const wave of waves(steps, 20)) {
    await Promise.all(wave.map((s) => sandbox.adjust(s.sku, 'WH-1', s.delta)));
  }
  await sandbox.settle(600_000);
  const after = await tally(sandbox);
  const injected = sandbox.faultHandlers.reduce((sum, h) => sum + h.injected, 0);
  await sandbox.stop();
  const delta = Object.fromEntries(
    Object.entries(after).map(([k, v]) => [k, v - before[k as keyof Tally]]),
  ) as unknown as Tally;
  return { tally: delta, injected };
};

const compare = (
  drill: string,
  load: string,
  reference: Tally,
  observed: Tally,
  injected: number,
): DrillRow => {
  let duplicates = 0;
  let losses = 0;
  const parts: string[] = [];
  for (const key of ['alerts', 'events', 'decisions', 'unitsSold'] as const) {
    const difference = observed[key] - reference[key];
    if (difference > 0) duplicates += difference;
    if (difference < 0) losses -= difference;
    parts.push(`${key} ${observed[key]}/${reference[key]}`);
  }
  parts.push(`effects: orders ${observed.orders}, price changes ${observed.priceChanges}`);
  losses += observed.deadLetters;
  parts.push(`DLQ ${observed.deadLetters}`);
  return { drill, load, faultsInjected: injected, duplicates, losses, detail: parts.join(', ') };
};

/** The environment the stock-monitor reads, for drills on the stub transport (run on their own). */
const stubEnvironment = () => {
  process.env[EnvName.inventoryTable] ??= 'inventory';
  process.env[EnvName.controlTable] ??= 'control';
  process.env[EnvName.alertsTopicArn] ??= 'arn:aws:sns:eu-west-1:000000000000:alerts';
  process.env[EnvName.eventBusName] ??= 'inventory';
};

/** A client configuration whose calls go to `handler` instead of the network. */
const via = (handler: unknown) => ({
  region: LOCAL_REGION,
  credentials: LOCAL_CREDENTIALS,
  requestHandler: handler as never,
});

/** The Lambda context a drill invokes a handler with. */
const drillContext = (functionName: string, remainingMs: number) =>
  ({ functionName, getRemainingTimeInMillis: () => remainingMs }) as unknown as Context;

/** The control table as the CLI's readers take it. */
const controlTarget = (sandbox: Sandbox) =>
  ({ doc: sandbox.doc, controlTable: sandbox.tables.control }) as Target;

/** The last 24 hours: the ledger and orders are read by time window, and this covers a drill. */
const lastDay = () => windowSince(new Date(Date.now() - 86_400_000).toISOString());

/** Each deliverable kind of poison after a good change of its own item, and those items. */
const poisonBatch = () => {
  const records: DynamoDBRecord[] = [];
  const good: string[] = [];
  // A record without a sequence number cannot come from a stream; the rest can.
  const deliverable = POISON_CATALOGUE.filter(([name]) => name !== 'no sequence number');
  deliverable.forEach(([, make], i) => {
    const neighbour = quantityChange(`GOOD-${i}`, 20, 5);
    good.push(`GOOD-${i}`);
    records.push(neighbour, make());
  });
  return { records, good, deliverable };
};

/** Runs `handler` over the mocked stream with the poller's retries until idle; its dead letters. */
const drainStream = async (
  handler: StreamPollerOptions['handler'],
): Promise<StreamDeadLetter[]> => {
  const letters: StreamDeadLetter[] = [];
  const poller = new StreamPoller({
    client: new DynamoDBStreamsClient({ region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS }),
    streamArn: 'arn:aws:dynamodb:eu-west-1:000000000000:table/inventory/stream/drill',
    handler,
    consumer: {
      batchSize: 100,
      maxBatchingWindowSeconds: 0,
      retryAttempts: 2,
      maxRecordAgeSeconds: 3600,
      parallelizationFactor: 1,
    },
    pollIntervalMs: 5,
    onDeadLetter: (letter) => letters.push(letter),
    explain: undecodableReason,
  });
  poller.start();
  await new Promise((r) => setTimeout(r, 50));
  while (!poller.idle) await new Promise((r) => setTimeout(r, 10));
  await poller.stop();
  return letters;
};

/** Poison records between good ones through the poller's semantics and the real stock-monitor. */
const poisonDrill = async (): Promise<DrillRow> => {
  stubEnvironment();
  const stub = new StubAws(new Map([['default', DRILL_RULES[0] as RuleInput]]));
  const { createHandler } = await import('../functions/stock-monitor/handler.js');
  const { records, good, deliverable } = poisonBatch();
  const streams = mockStreamOf(records);
  const published = new Set<string>();
  const local = new LocalRequestHandler({
    publish: (_t, entries) => {
      for (const e of entries) published.add(String(e.attributes.sku?.value));
    },
    putEvents: () => {},
  });
  const client = via(stub.handler);
  const monitor = createHandler({ dynamodb: client, sns: via(local), eventBridge: client });
  const letters = await drainStream((event) => monitor(event, drillContext('drill', 60_000)));
  streams.restore();
  // Poison is quarantined (one PutItem each, the only writes of this batch) and acknowledged:
  // nothing may reach the on-failure destination, which on AWS keeps no record to look at.
  const quarantined = stub.calls.get('PutItem') ?? 0;
  const lostNeighbours = good.filter((sku) => !published.has(sku)).length;
  return {
    drill: 'poison catalogue',
    load: `${deliverable.length} kinds between ${good.length} good changes`,
    faultsInjected: deliverable.length,
    duplicates: Math.max(0, quarantined - deliverable.length),
    losses: lostNeighbours + letters.length + Math.max(0, deliverable.length - quarantined),
    detail: `${quarantined} quarantined with their reason, ${letters.length} in the DLQ, ${good.length - lostNeighbours}/${good.length} neighbours alerted`,
  };
};

/**
 * Valid but hostile records (keys holding the separator, a 300 KB name, contradicting item
 * thresholds) through the real stock-monitor over the sandbox's strict SNS and EventBridge,
 * each checked against its expected outcome.
 */
const badInputDrill = async (): Promise<DrillRow> => {
  stubEnvironment();
  const stub = new StubAws(new Map([['default', DRILL_RULES[0] as RuleInput]]));
  const { createHandler } = await import('../functions/stock-monitor/handler.js');
  const context = drillContext('drill', 60_000);
  const failed: string[] = [];
  for (const [name, make, holds] of BAD_INPUT_CATALOGUE) {
    const delivered: WirePublishEntry[] = [];
    const events: WireEvent[] = [];
    const local = new LocalRequestHandler({
      publish: (_t, entries) => void delivered.push(...entries),
      putEvents: (entries) => void events.push(...entries),
    });
    const monitor = createHandler({
      dynamodb: via(stub.handler),
      sns: via(local),
      eventBridge: via(local),
    });
    const result = await monitor({ Records: make() }, context);
    const outcome = monitorOutcome(
      result.batchItemFailures.map((f) => f.itemIdentifier),
      delivered,
      events,
    );
    if (!holds(outcome)) failed.push(name);
  }
  return {
    drill: 'bad-input catalogue',
    load: `${BAD_INPUT_CATALOGUE.length} kinds`,
    faultsInjected: BAD_INPUT_CATALOGUE.length,
    duplicates: 0,
    losses: failed.length,
    detail:
      failed.length === 0
        ? 'each with its expected outcome'
        : `wrong outcome: ${failed.join('; ')}`,
  };
};

/** The race's item, low and out of stock at once, each level's alert open and its strategy ordering. */
const raceSandbox = async (endpoint: string) => {
  const sandbox = await Sandbox.create({
    endpoint,
    prefix: `race-${Date.now()}-`,
    pollIntervalMs: 50,
  });
  // Low and out of stock open at once, each level's strategy ordering: only one order may exist.
  const order = { type: 'purchase-order', quantity: { mode: 'fixed', units: 40 } } as const;
  await sandbox.putRule({
    scope: { sku: 'RACE-1' },
    thresholds: { LOW_STOCK: 10 },
    strategies: { LOW_STOCK: order, OUT_OF_STOCK: order },
  });
  await sandbox.putItem({ sku: 'RACE-1', location: 'WH-1', quantity: 50 });
  await sandbox.settle();
  const alerts = ['race-low', 'race-out'] as const;
  await sandbox.doc.send(
    new PutCommand({
      TableName: sandbox.tables.control,
      Item: openAlertsItem('RACE-1', 'WH-1', { LOW_STOCK: alerts[0], OUT_OF_STOCK: alerts[1] }),
    }),
  );
  return { sandbox, alerts };
};

/** `executors` strategy-executor environments, each handed one of the two alerts, all at once. */
const raceExecutors = async (
  endpoint: string,
  executors: number,
  alerts: readonly [string, string],
) => {
  const { createHandler } = await import('../functions/strategy-executor/handler.js');
  const transport = new LocalRequestHandler({ publish: () => {}, putEvents: () => {} });
  const overrides = {
    dynamodb: { endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS },
    eventBridge: via(transport),
  };
  const context = drillContext('race', 30_000);
  // Each environment gets one of the two alerts; deliveries of one alert race each other too
  // (the idempotency layer refuses a concurrent duplicate, which EventBridge would retry).
  return Promise.allSettled(
    Array.from({ length: executors }, (_, i) =>
      createHandler(overrides)(
        busEnvelope(
          'StockLevelTriggered',
          levelDetail({
            alertId: alerts[i % 2],
            sku: 'RACE-1',
            level: i % 2 === 0 ? 'LOW_STOCK' : 'OUT_OF_STOCK',
          }),
        ),
        context,
      ),
    ),
  );
};

/** Concurrent executors, each its own execution environment, all on one item. */
const raceDrill = async (endpoint: string, executors: number): Promise<DrillRow> => {
  const { sandbox, alerts } = await raceSandbox(endpoint);
  const results = await raceExecutors(endpoint, executors, alerts);
  const orders = (await listKind(controlTarget(sandbox), 'ORDER', lastDay())).filter(
    (o) => o.sku === 'RACE-1',
  ).length;
  await sandbox.stop();
  const applied = results.filter(
    (r) =>
      r.status === 'fulfilled' &&
      r.value.status === 'done' &&
      r.value.applied.outcome === 'applied',
  ).length;
  return {
    drill: 'race: executors on one item',
    load: `${executors} concurrent executors`,
    faultsInjected: 0,
    duplicates: Math.max(0, orders - 1),
    losses: orders === 0 ? 1 : 0,
    detail: `${orders} order(s) raised (${applied} applied), the other deliveries skipped or refused as duplicates`,
  };
};

/** Runs the drills (all, or `only` those named); `changes` sizes the ones played on the sandbox. */
export const runDrills = async (
  endpoint: string,
  changes: number,
  only: readonly DrillName[] = DRILLS,
): Promise<DrillRow[]> => {
  const rows: DrillRow[] = [];
  const wanted = (name: DrillName) => only.includes(name);
  if (wanted('redelivery') || wanted('faults')) {
    const reference = await play(endpoint, changes, {});
    if (wanted('redelivery')) {
      const redelivered = await play(endpoint, changes, { deliveries: 3 });
      rows.push(
        compare(
          'redelivery: every batch 3×',
          `${changes} changes`,
          reference.tally,
          redelivered.tally,
          0,
        ),
      );
    }
    if (wanted('faults')) {
      const faulty = await play(endpoint, changes, { faultRate: 0.2 });
      rows.push(
        compare(
          'faults: 20 % of AWS calls fail',
          `${changes} changes`,
          reference.tally,
          faulty.tally,
          faulty.injected,
        ),
      );
    }
  }
  if (wanted('poison')) rows.push(await poisonDrill());
  if (wanted('bad-input')) rows.push(await badInputDrill());
  if (wanted('race')) rows.push(await raceDrill(endpoint, 8));
  if (wanted('ordering')) {
    const { row, examples } = await orderingDrill(endpoint, changes);
    rows.push(row);
    lastOrderingExamples = examples;
  }
  return rows;
};

/** The ordering drill's first violation of each kind in the last run, for the console. */
let lastOrderingExamples: Map<string, { count: number; example?: string }> = new Map();

/** One example per kind of violation the last ordering drill found. */
export const orderingExamples = (): [string, { count: number; example?: string }][] =>
  [...lastOrderingExamples].filter(([, t]) => t.count > 0);

export const printDrills = (rows: readonly DrillRow[]): void => {
  const header = [
    'drill',
    'load',
    'faults injected',
    'reordered',
    'rule edits',
    'duplicates',
    'losses',
    'violations',
    'detail',
  ];
  const optional = (n: number | undefined) => (n === undefined ? '' : String(n));
  const cells = rows.map((r) => [
    r.drill,
    r.load,
    String(r.faultsInjected),
    optional(r.reordered),
    optional(r.ruleEdits),
    String(r.duplicates),
    String(r.losses),
    optional(r.violations),
    r.detail,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] ?? '').length)));
  const line = (c: string[]) => `| ${c.map((x, i) => x.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  console.log(line(header));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const c of cells) console.log(line(c));
};

/* ------------------------------------------------------------------------------------------ */
/* The ordering drill                                                                          */
/* ------------------------------------------------------------------------------------------ */

/** Categories of the ordering drill, each a rule with its own strategies per level. */
const ORDERING_CATEGORIES = ['restock', 'listing', 'premium', 'watch'] as const;
type OrderingCategory = (typeof ORDERING_CATEGORIES)[number];
type StrategyInput = NonNullable<RuleInput['strategies']>['LOW_STOCK'];

const ORDERING_HYSTERESIS = 3;
const RESTOCK_MAX = 50;
const REDUCE_DOWN_TO = 50;

/**
 * The strategies per category and level; rule edits move thresholds (a level's strategy comes
 * and goes with its threshold) but never change a strategy, so each effect is judged by the
 * bounds it was decided under. `watch` changes no item, so its stream is the shop's alone and
 * must come out the same under every batching.
 */
const ORDERING_STRATEGIES: Record<OrderingCategory, Record<ModelLevel, StrategyInput>> = {
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
interface ThresholdVersion {
  readonly low: number | undefined;
  readonly over: number | undefined;
}

const INITIAL_THRESHOLDS: ThresholdVersion = { low: 20, over: 80 };

const orderingRule = (category: OrderingCategory, version: ThresholdVersion): RuleInput => {
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

interface ShopStep {
  readonly sku: string;
  /** Sold (negative) or received (positive). */
  readonly delta: number;
  /** The item's own low threshold, written with the quantity. */
  readonly lowStockThreshold?: number | undefined;
}

interface OrderingScenario {
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
const orderingScenario = (changes: number, seed = 13): OrderingScenario => {
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

/** One stream record as the stock-monitor received it, and the rules it was judged under. */
interface Judged {
  readonly record: DynamoDBRecord;
  epoch: number;
}

/** What one run of the scenario left behind, read after it settled. */
interface OrderingRun {
  readonly batching: string;
  readonly judged: Judged[];
  readonly versions: Map<OrderingCategory, ThresholdVersion>[];
  readonly events: BusRecord[];
  readonly items: Map<string, Record<string, unknown>>;
  readonly alertStates: Map<string, Record<string, unknown>>;
  readonly ledger: Record<string, unknown>[];
  readonly orders: Record<string, unknown>[];
  readonly reordered: number;
  readonly redelivered: number;
  readonly ruleEdits: number;
  readonly shopChanges: number;
}

const image = (record: DynamoDBRecord, which: 'NewImage' | 'OldImage') => {
  const raw = record.dynamodb?.[which];
  return raw ? unmarshall(raw as Record<string, AttributeValue>) : undefined;
};

/** Waits `ms` milliseconds. */
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The rules each batch was judged under. Every batch notes its records under the epoch in
 * force; a rule edit waits for the batch in flight and holds the next one back, so no batch
 * straddles an edit.
 */
class RuleEpochs {
  /** Every record the stock-monitor received, by sequence number, with its last epoch. */
  readonly judged = new Map<string, Judged>();
  /** The shop's own changes the stock-monitor received (not the strategies' writes). */
  shopSeen = 0;
  private epoch = 0;
  private editing = false;
  private release: () => void = () => {};
  private gate = Promise.resolve();
  private busy = 0;

  /** Wraps each stock-monitor invocation: held while an edit runs, its records noted. */
  readonly around: NonNullable<SandboxOptions['aroundStockMonitor']> = async (event, invoke) => {
    while (this.editing) await this.gate;
    this.busy++;
    try {
      for (const record of event.Records) this.note(record);
      return await invoke();
    } finally {
      this.busy--;
    }
  };

  /** Runs `edit` with no batch in flight and the next held back; later batches judge anew. */
  async edit(edit: () => Promise<void>): Promise<void> {
    this.editing = true;
    this.gate = new Promise<void>((resolve) => {
      this.release = resolve;
    });
    while (this.busy > 0) await pause(5);
    await edit();
    this.epoch++;
    this.editing = false;
    this.release();
  }

  private note(record: DynamoDBRecord) {
    const sequence = record.dynamodb?.SequenceNumber ?? '';
    const known = this.judged.get(sequence);
    if (known) known.epoch = this.epoch;
    else {
      this.judged.set(sequence, { record, epoch: this.epoch });
      if (image(record, 'NewImage')?.shopStep !== image(record, 'OldImage')?.shopStep)
        this.shopSeen++;
    }
  }
}

/** A fresh sandbox for the ordering drill, its stock-monitor wrapped by `epochs`. */
const orderingSandbox = (
  endpoint: string,
  batching: StreamBatching,
  pollIntervalMs: number,
  epochs: RuleEpochs,
) => {
  const base = loadEnvironment('dev');
  return Sandbox.create({
    endpoint,
    prefix: `ordering-${Date.now()}-${Math.floor(Math.random() * 1e6)}-`,
    config: {
      ...base,
      streamConsumer: { ...base.streamConsumer, retryAttempts: 10 },
      strategyTarget: { ...base.strategyTarget, retryAttempts: 10 },
      demandConsumer: { ...base.demandConsumer, enabled: false },
    },
    // Rules are read for every batch, so the thresholds a change was judged under are known.
    rulesCacheTtlSeconds: 0,
    pollIntervalMs,
    executorConcurrency: 4,
    streamBatching: batching,
    busDisorder: { maxDelayMs: 400, redeliveryRate: 0.1, redeliveryDelayMs: 800, seed: 21 },
    aroundStockMonitor: epochs.around,
  });
};

/** Each category's rule at its initial thresholds, and the scenario's items at 40 on hand. */
const seedOrdering = async (sandbox: Sandbox, scenario: OrderingScenario) => {
  for (const category of ORDERING_CATEGORIES)
    await sandbox.putRule(orderingRule(category, INITIAL_THRESHOLDS));
  for (const item of scenario.items) {
    await sandbox.putItem({
      sku: item.sku,
      location: 'WH-1',
      quantity: 40,
      price: item.price,
      category: item.category,
      shopStep: 0,
      ...(item.low !== undefined ? { lowStockThreshold: item.low } : {}),
    });
  }
};

/** One sale or receipt of the shop, numbered `index`; false when there was nothing to sell. */
const shopWrite = async (sandbox: Sandbox, step: ShopStep, index: number): Promise<boolean> => {
  const table = sandbox.tables.inventory;
  const key = { sku: step.sku, location: 'WH-1' };
  const set = `SET shopStep = :step${step.lowStockThreshold !== undefined ? ', lowStockThreshold = :low' : ''}`;
  const values = {
    ':step': index,
    ...(step.lowStockThreshold !== undefined ? { ':low': step.lowStockThreshold } : {}),
  };
  const update = (delta: number, condition?: string, extra: Record<string, unknown> = {}) =>
    sandbox.doc.send(
      new UpdateCommand({
        TableName: table,
        Key: key,
        UpdateExpression: `${set} ADD quantity :delta`,
        ...(condition ? { ConditionExpression: condition } : {}),
        ExpressionAttributeValues: { ...values, ':delta': delta, ...extra },
      }),
    );
  try {
    if (step.delta >= 0) await update(step.delta);
    else await update(step.delta, 'quantity >= :units', { ':units': -step.delta });
  } catch (error) {
    if ((error as Error).name !== 'ConditionalCheckFailedException') throw error;
    // Fewer on hand than the sale wants: the shop sells what is there, unless it just moved.
    const current = await sandbox.doc.send(
      new GetCommand({ TableName: table, Key: key, ConsistentRead: true }),
    );
    const quantity = Number(current.Item?.quantity ?? 0);
    if (quantity <= 0) return false;
    try {
      await update(-quantity, 'quantity = :on', { ':on': quantity });
    } catch (again) {
      if ((again as Error).name !== 'ConditionalCheckFailedException') throw again;
      return false;
    }
  }
  return true;
};

/** The scenario's phases: the shop's steps, then the phase's rule edit; the changes and edits made. */
const playPhases = async (
  sandbox: Sandbox,
  scenario: OrderingScenario,
  epochs: RuleEpochs,
  versions: Map<OrderingCategory, ThresholdVersion>[],
) => {
  let shopChanges = scenario.items.length;
  let ruleEdits = 0;
  let index = 0;
  for (const phase of scenario.phases) {
    // Sales and receipts in quick succession, never two for one item at once, while the
    // executors restock, reduce, reprice and unlist the same items.
    for (const wave of waves(phase.steps, 8)) {
      await Promise.all(
        wave.map(async (step) => {
          if (await shopWrite(sandbox, step, ++index)) shopChanges++;
        }),
      );
      await pause(15);
    }
    const edit = phase.edit;
    if (!edit) continue;
    // The shop's changes so far are judged before the edit, so every run judges them alike.
    const deadline = Date.now() + 60_000;
    while (epochs.shopSeen < shopChanges && Date.now() < deadline) await pause(10);
    await epochs.edit(async () => {
      await sandbox.putRule(orderingRule(edit.category, edit.to));
      const next = new Map(versions.at(-1));
      next.set(edit.category, edit.to);
      versions.push(next);
      ruleEdits++;
    });
  }
  return { shopChanges, ruleEdits };
};

/** What the run left behind in the tables and on the bus, read once it settled. */
const readOrderingRun = async (
  sandbox: Sandbox,
  played: Pick<OrderingRun, 'batching' | 'versions' | 'ruleEdits' | 'shopChanges'> & {
    judged: ReadonlyMap<string, Judged>;
  },
): Promise<OrderingRun> => {
  const target = controlTarget(sandbox);
  const items = new Map<string, Record<string, unknown>>();
  for await (const page of paginateScan(
    { client: sandbox.doc },
    { TableName: sandbox.tables.inventory },
  )) {
    for (const item of page.Items ?? []) items.set(String(item.sku), item);
  }
  const alertStates = new Map(
    (await listKind(target, 'ALERTS')).map((s) => [String(s.sku), s] as const),
  );
  return {
    batching: played.batching,
    judged: [...played.judged.values()],
    versions: played.versions,
    events: [...sandbox.events],
    items,
    alertStates,
    ledger: await listKind(target, 'LEDGER', lastDay()),
    orders: await listKind(target, 'ORDER', lastDay()),
    ...sandbox.busOrdering,
    ruleEdits: played.ruleEdits,
    shopChanges: played.shopChanges,
  };
};

/** Plays the ordering scenario on a fresh sandbox with the given batching of the stream. */
const playOrdering = async (
  endpoint: string,
  scenario: OrderingScenario,
  batching: StreamBatching,
  name: string,
  pollIntervalMs: number,
): Promise<OrderingRun> => {
  const epochs = new RuleEpochs();
  const sandbox = await orderingSandbox(endpoint, batching, pollIntervalMs, epochs);
  const versions: Map<OrderingCategory, ThresholdVersion>[] = [
    new Map(ORDERING_CATEGORIES.map((c) => [c, INITIAL_THRESHOLDS])),
  ];
  await seedOrdering(sandbox, scenario);
  const { shopChanges, ruleEdits } = await playPhases(sandbox, scenario, epochs, versions);
  await sandbox.settle(600_000);
  const run = await readOrderingRun(sandbox, {
    batching: name,
    judged: epochs.judged,
    versions,
    ruleEdits,
    shopChanges,
  });
  await sandbox.stop();
  return run;
};

/** Violations of one kind, with the first as an example a person can follow. */
interface ViolationTally {
  count: number;
  example?: string;
}

const VIOLATION_KINDS = [
  'listing',
  'orders',
  'restock',
  'reduce',
  'price',
  'alerts',
  'left open',
  'batching',
] as const;
type ViolationKind = (typeof VIOLATION_KINDS)[number];

/** A tally of every kind of violation, none found yet. */
const noViolations = () =>
  new Map<ViolationKind, ViolationTally>(VIOLATION_KINDS.map((k) => [k, { count: 0 }]));

/** One of an item's changes as the model takes it, with the record it came from. */
interface ItemChange {
  readonly judged: Judged;
  readonly change: ModelChange;
}

/** What each check of a run reads, and where it notes what it finds. */
interface OrderingCheck {
  readonly run: OrderingRun;
  /** Each item's changes in stream order, with the thresholds in force when each was judged. */
  readonly perItem: Map<string, ItemChange[]>;
  /** Counts a violation; the first of each kind stays as its example. */
  readonly note: (kind: ViolationKind, example: string) => void;
  /** The item's last quantities and thresholds, up to change `upTo` if given. */
  readonly describe: (sku: string, upTo?: string) => string;
}

/** Each item's changes in stream order, with the thresholds in force when each was judged. */
const changesPerItem = (run: OrderingRun): Map<string, ItemChange[]> => {
  const perItem = new Map<string, ItemChange[]>();
  for (const j of run.judged) {
    const now = image(j.record, 'NewImage');
    if (!now) continue;
    const category = now.category as OrderingCategory;
    const version = run.versions[j.epoch]?.get(category) ?? INITIAL_THRESHOLDS;
    const change: ModelChange = {
      changeId: j.record.eventID ?? '',
      quantity: Number(now.quantity),
      thresholds: {
        LOW_STOCK: (now.lowStockThreshold as number | undefined) ?? version.low,
        OVERSTOCK: (now.overstockThreshold as number | undefined) ?? version.over,
        hysteresis: ORDERING_HYSTERESIS,
      },
    };
    const list = perItem.get(String(now.sku)) ?? [];
    list.push({ judged: j, change });
    perItem.set(String(now.sku), list);
  }
  return perItem;
};

/** An item's last six quantities with their thresholds, up to change `upTo` if given. */
const describer =
  (perItem: Map<string, ItemChange[]>) =>
  (sku: string, upTo?: string): string => {
    const list = perItem.get(sku) ?? [];
    const end = upTo ? list.findIndex((c) => c.change.changeId === upTo) + 1 : list.length;
    return list
      .slice(Math.max(0, end - 6), end)
      .map(
        ({ change: c }) =>
          `${c.quantity} (LOW ${c.thresholds.LOW_STOCK ?? '–'}, OVER ${c.thresholds.OVERSTOCK ?? '–'})`,
      )
      .join(' → ');
  };

/**
 * The level changes put on the bus: counted by item, level, kind and change, and listed by the
 * shop step that gave them (for `watch` items, the same under every batching).
 */
const announcedLevelChanges = ({ run, perItem }: OrderingCheck) => {
  const observed = new Map<string, number>();
  const stepOf = new Map<string, string>();
  for (const { change, judged } of [...perItem.values()].flat()) {
    const step = image(judged.record, 'NewImage')?.shopStep;
    const changed = step !== image(judged.record, 'OldImage')?.shopStep;
    stepOf.set(change.changeId, changed ? `shop step ${step}` : 'a strategy write');
  }
  // (Effects are checked per run instead: whether a correct executor still acts on a trigger
  // depends on when it runs relative to the sales after it, which no batching fixes.)
  const levelChanges: string[] = [];
  for (const { event } of run.events) {
    const type = event['detail-type'];
    if (type !== 'StockLevelTriggered' && type !== 'StockLevelResolved') continue;
    const d = event.detail as { sku: string; level: string; changeId: string; alertId: string };
    const kind = type === 'StockLevelTriggered' ? 'TRIGGERED' : 'RESOLVED';
    const key = `${d.sku}|${d.level}|${kind}|${d.changeId}`;
    observed.set(key, (observed.get(key) ?? 0) + 1);
    levelChanges.push(`${d.sku}|${d.level}|${kind}|${stepOf.get(d.changeId)}`);
  }
  return { observed, levelChanges };
};

/**
 * Alerts: every crossing of the threshold in force exactly once, nothing else. Returns the
 * levels the model leaves open per item.
 */
const checkAlerts = (
  { perItem, note, describe }: OrderingCheck,
  observed: Map<string, number>,
): Map<string, Partial<Record<ModelLevel, string>>> => {
  const expectedOpen = new Map<string, Partial<Record<ModelLevel, string>>>();
  for (const [sku, list] of perItem) {
    const outcome = expectedAlerts(list.map((c) => c.change));
    expectedOpen.set(sku, outcome.open);
    for (const t of outcome.transitions) {
      const key = `${sku}|${t.level}|${t.kind}|${t.changeId}`;
      const seen = observed.get(key) ?? 0;
      if (seen === 0)
        note(
          'alerts',
          `${sku}: ${describe(sku, t.changeId)}: expected ${t.level} ${t.kind} at the last change (threshold in force ${t.threshold ?? 'none: level no longer monitored'}), none was announced`,
        );
      observed.set(key, seen - 1);
    }
  }
  for (const [key, left] of observed) {
    if (left <= 0) continue;
    const [sku = '', level, kind, changeId] = key.split('|');
    for (let n = 0; n < left; n++)
      note(
        'alerts',
        `${sku}: ${describe(sku, changeId)}: ${level} ${kind} announced at the last change, which the thresholds in force do not give`,
      );
  }
  return expectedOpen;
};

/** Alert states: each item's open levels are those the model leaves open. */
const checkLeftOpen = (
  { run, note, describe }: OrderingCheck,
  expectedOpen: Map<string, Partial<Record<ModelLevel, string>>>,
) => {
  for (const [sku, open] of expectedOpen) {
    const stored = (run.alertStates.get(sku)?.open ?? {}) as Record<string, unknown>;
    for (const level of MODEL_LEVELS) {
      if ((stored[level] !== undefined) === (open[level] !== undefined)) continue;
      const what =
        stored[level] !== undefined
          ? `${level} is still open though the thresholds in force give no such level`
          : `${level} should be open but is not`;
      note('left open', `${sku}: ${describe(sku)}: ${what}`);
    }
  }
};

/** Listing: pause-listing items are listed exactly when no pause-listing level is open. */
const checkListing = (
  { run, note, describe }: OrderingCheck,
  expectedOpen: Map<string, Partial<Record<ModelLevel, string>>>,
) => {
  for (const [sku, item] of run.items) {
    const category = item.category as OrderingCategory;
    const pauses = (level: ModelLevel) =>
      ORDERING_STRATEGIES[category][level]?.type === 'pause-listing';
    if (!MODEL_LEVELS.some(pauses)) continue;
    const want = expectedListed(expectedOpen.get(sku) ?? {}, pauses);
    const listed = item.listed !== false;
    if (listed === want) continue;
    const trail = run.ledger
      .filter((e) => e.sku === sku && e.strategy === 'pause-listing')
      .sort((a, b) => String(a.at).localeCompare(String(b.at)))
      .map(
        (e) =>
          `${e.transition} (${String(e.alertId).slice(0, 6)}) ${e.outcome}${e.reason ? `: ${e.reason}` : ''}`,
      )
      .join('; ');
    note(
      'listing',
      `${sku}: ${describe(sku)}: ends at ${item.quantity} ${listed ? 'listed' : 'unlisted'}, expected ${want ? 'listed' : 'unlisted'}; pause-listing decisions in the order they started: ${trail}`,
    );
  }
};

/** Orders: never two open for one item. */
const checkOrders = ({ run, note }: OrderingCheck) => {
  const open = new Map<string, number>();
  for (const order of run.orders)
    if (order.status === 'OPEN')
      open.set(String(order.sku), (open.get(String(order.sku)) ?? 0) + 1);
  for (const [sku, count] of open)
    if (count > 1) note('orders', `${sku}: ${count} open purchase orders`);
};

/** Restock and reduce, from the writes themselves (the ledger's after is what was decided). */
const checkAdjustments = ({ run, note }: OrderingCheck) => {
  for (const { record } of run.judged) {
    const now = image(record, 'NewImage');
    const before = image(record, 'OldImage');
    const adjustment = now?.lastAdjustmentId as string | undefined;
    if (!now || !before || !adjustment || adjustment === before.lastAdjustmentId) continue;
    const from = Number(before.quantity);
    const to = Number(now.quantity);
    const why = adjustment.endsWith('#direct-restock')
      ? restockViolation(from, to, RESTOCK_MAX)
      : adjustment.endsWith('#reduce')
        ? reduceViolation(from, to, REDUCE_DOWN_TO)
        : undefined;
    if (!why) continue;
    const sku = String(now.sku);
    const decided = run.ledger.find(
      (e) => e.sku === sku && adjustment === `${e.alertId}#${e.transition}#${e.strategy}`,
    );
    note(
      adjustment.endsWith('#reduce') ? 'reduce' : 'restock',
      `${sku}: ${why}; decided on stock ${(decided?.before as { quantity?: number })?.quantity} (${decided?.level} ${decided?.transition}), the item had moved to ${from} when it was written; other executors and sales ran meanwhile`,
    );
  }
};

/** Price: inside [floor, ceiling] and never against the direction. */
const checkPrices = ({ run, note }: OrderingCheck) => {
  for (const entry of run.ledger) {
    const decision = entry.decision as { kind?: string; from?: number; to?: number } | undefined;
    if (entry.outcome !== 'applied' || decision?.kind !== 'reprice') continue;
    const category = run.items.get(String(entry.sku))?.category as OrderingCategory;
    const strategy = ORDERING_STRATEGIES[category]?.[entry.level as ModelLevel];
    if (strategy?.type !== 'reprice') continue;
    const why = priceMoveViolation(Number(decision.from), Number(decision.to), {
      floor: strategy.floor,
      ceiling: strategy.ceiling,
      direction: strategy.direction ?? (entry.level === 'OVERSTOCK' ? 'down' : 'up'),
    });
    if (why)
      note(
        'price',
        `${entry.sku}: reprice ${strategy.percent} % ${strategy.direction} within [${strategy.floor}, ${strategy.ceiling}] on ${entry.level}: ${why}`,
      );
  }
};

/** Checks one run against the model; returns violations by kind and the level changes seen. */
const checkOrdering = (run: OrderingRun) => {
  const violations = noViolations();
  const perItem = changesPerItem(run);
  const check: OrderingCheck = {
    run,
    perItem,
    note: (kind, example) => {
      const tally = violations.get(kind) as ViolationTally;
      tally.count++;
      tally.example ??= example;
    },
    describe: describer(perItem),
  };
  const { observed, levelChanges } = announcedLevelChanges(check);
  const expectedOpen = checkAlerts(check, observed);
  checkLeftOpen(check, expectedOpen);
  checkListing(check, expectedOpen);
  checkOrders(check);
  checkAdjustments(check);
  checkPrices(check);
  return { violations, levelChanges };
};

/**
 * The batchings each run of the drill reads the stream with, and how often its reader polls:
 * "all in one" polls seldom, so that each batch holds all that was written meanwhile, several
 * changes of one item among them.
 */
const ORDERING_BATCHINGS: [string, StreamBatching, number][] = [
  ['one per batch', 'one', 50],
  ['all in one', 'all', 500],
  ['random splits', { random: { seed: 17 } }, 100],
];

/** Adds one run's violations to the total; an example keeps the batching it was found under. */
const addViolations = (
  total: Map<ViolationKind, ViolationTally>,
  violations: Map<ViolationKind, ViolationTally>,
  name: string,
) => {
  for (const [kind, tally] of violations) {
    const sum = total.get(kind) as ViolationTally;
    sum.count += tally.count;
    if (tally.example) sum.example ??= `[${name}] ${tally.example}`;
  }
};

/** Batching violations: `watch` level changes given under the reference batching and not this one, or the other way. */
const compareWatchChanges = (
  total: Map<ViolationKind, ViolationTally>,
  reference: { name: string; changes: string[] },
  name: string,
  watchChanges: string[],
) => {
  const mine = [...watchChanges];
  const missing: string[] = [];
  for (const c of reference.changes) {
    const at = mine.indexOf(c);
    if (at === -1) missing.push(c);
    else mine.splice(at, 1);
  }
  const sum = total.get('batching') as ViolationTally;
  sum.count += missing.length + mine.length;
  const first = missing[0] ?? mine[0];
  if (first)
    sum.example ??= `${first.replaceAll('|', ' ')}: ${missing[0] ? `given under ${reference.name}, not under ${name}` : `given under ${name}, not under ${reference.name}`}`;
};

/** What the ordering drill's runs add up to, for its row. */
interface OrderingCounts {
  reordered: number;
  redelivered: number;
  ruleEdits: number;
  shopChanges: number;
  records: number;
}

/** The ordering drill's row: its load, the violations by kind, and what the runs went through. */
const orderingRow = (
  total: Map<ViolationKind, ViolationTally>,
  counts: OrderingCounts,
): DrillRow => {
  const violations = [...total.values()].reduce((sum, t) => sum + t.count, 0);
  const byKind = [...total]
    .filter(([, t]) => t.count > 0)
    .map(([kind, t]) => `${kind} ${t.count}`)
    .join(', ');
  return {
    drill: 'ordering',
    load: `${counts.shopChanges} changes × ${ORDERING_BATCHINGS.length} batchings`,
    faultsInjected: 0,
    reordered: counts.reordered,
    ruleEdits: counts.ruleEdits,
    duplicates: 0,
    losses: 0,
    violations,
    detail: `${counts.records} records judged, ${counts.redelivered} late redeliveries${byKind ? `; ${byKind}` : ''}`,
  };
};

/**
 * Deliveries to the executors shuffled, delayed and some delivered again late; rules edited
 * mid-stream; item thresholds moving; sales during restocks and reduces. Each run (one per
 * batching of the stream) is checked against the reference model, and the `watch` items, whose
 * stream is the shop's alone, must give the same level changes under every batching.
 */
export const orderingDrill = async (
  endpoint: string,
  changes: number,
): Promise<{ row: DrillRow; examples: Map<ViolationKind, ViolationTally> }> => {
  const scenario = orderingScenario(changes);
  const total = noViolations();
  const watched = new Set(scenario.items.filter((i) => i.category === 'watch').map((i) => i.sku));
  let reference: { name: string; changes: string[] } | undefined;
  const counts: OrderingCounts = {
    reordered: 0,
    redelivered: 0,
    ruleEdits: 0,
    shopChanges: 0,
    records: 0,
  };
  for (const [name, batching, pollIntervalMs] of ORDERING_BATCHINGS) {
    const run = await playOrdering(endpoint, scenario, batching, name, pollIntervalMs);
    const { violations, levelChanges } = checkOrdering(run);
    addViolations(total, violations, name);
    const watchChanges = levelChanges.filter((c) => watched.has(c.split('|')[0] ?? '')).sort();
    if (!reference) reference = { name, changes: watchChanges };
    else compareWatchChanges(total, reference, name, watchChanges);
    counts.reordered += run.reordered;
    counts.redelivered += run.redelivered;
    counts.ruleEdits = run.ruleEdits;
    counts.shopChanges = run.shopChanges;
    counts.records += run.judged.length;
  }
  return { row: orderingRow(total, counts), examples: total };
};

/** The value of `--name=value` or `--name value`. */
const argument = (name: string): string | undefined => {
  const args = process.argv.slice(2);
  const inline = args.find((a) => a.startsWith(`--${name}=`));
  if (inline) return inline.slice(name.length + 3);
  const at = args.indexOf(`--${name}`);
  return at === -1 ? undefined : args[at + 1];
};

if (import.meta.url === `file://${process.argv[1]}`) {
  const changes = Number(argument('changes') ?? 10_000);
  const only = (argument('only')?.split(',') ?? [...DRILLS]) as DrillName[];
  const unknown = only.filter((name) => !DRILLS.includes(name));
  if (unknown.length > 0 || !Number.isInteger(changes) || changes <= 0) {
    console.error(
      `usage: npm run drill -- [--changes N] [--only ${DRILLS.join(',')}]${unknown.length > 0 ? ` (unknown: ${unknown.join(', ')})` : ''}`,
    );
    process.exit(2);
  }
  Object.assign(process.env, {
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    POWERTOOLS_METRICS_DISABLED: 'true',
    POWERTOOLS_TRACE_ENABLED: 'false',
  });
  const dynamo = await startDynamoDbLocal({ port: await freePort() });
  let failed = false;
  try {
    const started = Date.now();
    const rows = await runDrills(dynamo.endpoint, changes, only);
    printDrills(rows);
    for (const [kind, tally] of orderingExamples())
      console.log(`\nordering, ${kind} (${tally.count}), e.g. ${tally.example}`);
    console.log(`\n${((Date.now() - started) / 1000).toFixed(1)} s`);
    failed = rows.some((r) => r.duplicates > 0 || r.losses > 0 || (r.violations ?? 0) > 0);
  } finally {
    await dynamo.stop();
  }
  process.exit(failed ? 1 : 0);
}
