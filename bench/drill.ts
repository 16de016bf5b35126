import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { PutCommand, paginateScan } from '@aws-sdk/lib-dynamodb';
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
import { LocalRequestHandler } from '../sandbox/local-transport.js';
import { Sandbox } from '../sandbox/sandbox.js';
import { type StreamDeadLetter, StreamPoller } from '../sandbox/stream-poller.js';
import { undecodableReason } from '../shared/adapters/stream-records.js';
import type { RuleInput } from '../shared/domain/rules.js';
import {
  busEnvelope,
  levelDetail,
  openAlertsItem,
  quantityChange,
} from '../test/support/factories.js';
import { POISON_CATALOGUE } from '../test/support/poison.js';
import { mockStreamOf } from '../test/support/stream-fake.js';
import { StubAws } from './stub-transport.js';

/** One line of the drill table. */
export interface DrillRow {
  readonly drill: string;
  readonly load: string;
  readonly faultsInjected: number;
  readonly duplicates: number;
  readonly losses: number;
  readonly detail: string;
}

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
  const target = { doc: sandbox.doc, controlTable: sandbox.tables.control } as Target;
  // The ledger and orders are read by time window: the day the drill ran in covers it.
  const today = windowSince(new Date(Date.now() - 86_400_000).toISOString());
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

/** Poison records between good ones through the poller's semantics and the real stock-monitor. */
const poisonDrill = async (): Promise<DrillRow> => {
  const stub = new StubAws(new Map([['default', DRILL_RULES[0] as RuleInput]]));
  const client = {
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    requestHandler: stub.handler as never,
  };
  const { createHandler } = await import('../functions/stock-monitor/handler.js');
  const records: DynamoDBRecord[] = [];
  const good: string[] = [];
  // A record without a sequence number cannot come from a stream; the rest can.
  const deliverable = POISON_CATALOGUE.filter(([name]) => name !== 'no sequence number');
  deliverable.forEach(([, make], i) => {
    const neighbour = quantityChange(`GOOD-${i}`, 20, 5);
    good.push(`GOOD-${i}`);
    records.push(neighbour, make());
  });
  const streams = mockStreamOf(records);
  const published = new Set<string>();
  const local = new LocalRequestHandler({
    publish: (_t, entries) => {
      for (const e of entries) published.add(String(e.attributes.sku?.value));
    },
    putEvents: () => {},
  });
  const snsClient = {
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    requestHandler: local as never,
  };
  const monitor = createHandler({ dynamodb: client, sns: snsClient, eventBridge: client });
  const letters: StreamDeadLetter[] = [];
  const poller = new StreamPoller({
    client: new DynamoDBStreamsClient({ region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS }),
    streamArn: 'arn:aws:dynamodb:eu-west-1:000000000000:table/inventory/stream/drill',
    handler: (event) =>
      monitor(event, {
        functionName: 'drill',
        getRemainingTimeInMillis: () => 60_000,
      } as unknown as Context),
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

/** Concurrent executors, each its own execution environment, all on one item. */
const raceDrill = async (endpoint: string, executors: number): Promise<DrillRow> => {
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
  const { createHandler } = await import('../functions/strategy-executor/handler.js');
  const transport = new LocalRequestHandler({ publish: () => {}, putEvents: () => {} });
  const overrides = {
    dynamodb: { endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS },
    eventBridge: {
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
      requestHandler: transport as never,
    },
  };
  const context = {
    functionName: 'race',
    getRemainingTimeInMillis: () => 30_000,
  } as unknown as Context;
  // Each environment gets one of the two alerts; deliveries of one alert race each other too
  // (the idempotency layer refuses a concurrent duplicate, which EventBridge would retry).
  const results = await Promise.allSettled(
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
  const target = { doc: sandbox.doc, controlTable: sandbox.tables.control } as Target;
  const today = windowSince(new Date(Date.now() - 86_400_000).toISOString());
  const orders = (await listKind(target, 'ORDER', today)).filter((o) => o.sku === 'RACE-1').length;
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

/** Runs every drill; `changes` sizes the redelivery and fault drills. */
export const runDrills = async (endpoint: string, changes: number): Promise<DrillRow[]> => {
  const rows: DrillRow[] = [];
  const reference = await play(endpoint, changes, {});
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
  rows.push(await poisonDrill());
  rows.push(await raceDrill(endpoint, 8));
  return rows;
};

export const printDrills = (rows: readonly DrillRow[]): void => {
  const header = ['drill', 'load', 'faults injected', 'duplicates', 'losses', 'detail'];
  const cells = rows.map((r) => [
    r.drill,
    r.load,
    String(r.faultsInjected),
    String(r.duplicates),
    String(r.losses),
    r.detail,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] ?? '').length)));
  const line = (c: string[]) => `| ${c.map((x, i) => x.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  console.log(line(header));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const c of cells) console.log(line(c));
};

if (import.meta.url === `file://${process.argv[1]}`) {
  const changes = Number(process.argv.find((a) => a.startsWith('--changes='))?.slice(10) ?? 10_000);
  Object.assign(process.env, {
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    POWERTOOLS_METRICS_DISABLED: 'true',
    POWERTOOLS_TRACE_ENABLED: 'false',
  });
  const dynamo = await startDynamoDbLocal({ port: await freePort() });
  let failed = false;
  try {
    const rows = await runDrills(dynamo.endpoint, changes);
    printDrills(rows);
    failed = rows.some((r) => r.duplicates > 0 || r.losses > 0);
  } finally {
    await dynamo.stop();
  }
  process.exit(failed ? 1 : 0);
}
