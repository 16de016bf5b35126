import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createHandler as createExecutor } from '../../functions/strategy-executor/handler.js';
import { loadEnvironment } from '../../infra/config/environments.js';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../sandbox/dynamodb-local.js';
import { LocalRequestHandler, type WireEvent } from '../../sandbox/local-transport.js';
import { Sandbox } from '../../sandbox/sandbox.js';
import { OrderStore } from '../../shared/adapters/order-store.js';
import { QuarantineStore } from '../../shared/adapters/quarantine.js';
import { ControlKeys } from '../../shared/contracts/tables.js';
import { dayBefore, utcDayOf } from '../../shared/domain/days.js';
import { busEnvelope, levelDetail, openAlertsItem } from '../support/factories.js';

/**
 * End to end on DynamoDB Local: writes go through the real stream, the poller, the real
 * stock-monitor, the local SNS/EventBridge transport, the bus rule and the real executor.
 */
const config = {
  ...loadEnvironment('dev'),
  streamConsumer: {
    batchSize: 100,
    maxBatchingWindowSeconds: 0,
    retryAttempts: 1,
    maxRecordAgeSeconds: 3600,
    parallelizationFactor: 1,
  },
};

let sandbox: Sandbox;

beforeAll(async () => {
  sandbox = await Sandbox.create({
    endpoint: inject('dynamoEndpoint'),
    prefix: 'pipeline-',
    config,
    rulesCacheTtlSeconds: 1,
    pollIntervalMs: 100,
  });
  await sandbox.putRule({
    scope: { default: true },
    thresholds: { LOW_STOCK: 10, OVERSTOCK: 100 },
    hysteresis: 3,
    strategies: { LOW_STOCK: { type: 'purchase-order', quantity: { mode: 'fixed', units: 40 } } },
  });
});

afterAll(async () => {
  await sandbox?.stop();
});

/** The English messages about `sku` (the demo subscribers read en and zh-CN: one message each). */
const alertsFor = (sku: string) =>
  sandbox.outbox.filter((a) => a.attributes.sku === sku && a.attributes.locale === 'en');
/** The item's orders placed in the last day, read as `orders list` reads them. */
const ordersFor = async (sku: string, location = 'WH-1') => {
  const orders = new OrderStore(sandbox.doc, sandbox.tables.inventory, sandbox.tables.control);
  const until = new Date().toISOString();
  const since = new Date(Date.now() - 86_400_000).toISOString();
  return (await orders.placedBetween({ since, until })).filter(
    (o) => o.sku === sku && o.location === location,
  );
};

describe('the pipeline on DynamoDB Local', () => {
  it('turns a sale into low stock into one alert and one purchase order, and recovery into one resolve', async () => {
    await sandbox.putItem({
      sku: 'IT-LOW',
      location: 'WH-1',
      quantity: 20,
      name: 'Integration mug',
    });
    await sandbox.adjust('IT-LOW', 'WH-1', -12);
    await sandbox.settle();

    expect(alertsFor('IT-LOW').map((a) => a.attributes.transition)).toEqual(['TRIGGERED']);
    expect(alertsFor('IT-LOW')[0]?.subject).toBe(
      '[WARNING] Low stock: Integration mug (IT-LOW) at WH-1',
    );
    const orders = await ordersFor('IT-LOW');
    expect(orders).toHaveLength(1);
    expect(orders[0]).toMatchObject({ status: 'OPEN', quantity: 40 });

    await sandbox.adjust('IT-LOW', 'WH-1', 30);
    await sandbox.settle();
    expect(alertsFor('IT-LOW').map((a) => a.attributes.transition)).toEqual([
      'TRIGGERED',
      'RESOLVED',
    ]);
    expect(await ordersFor('IT-LOW')).toHaveLength(1);
  });

  it('does not flap when stock wobbles around the threshold', async () => {
    await sandbox.putItem({ sku: 'IT-WOBBLE', location: 'WH-1', quantity: 12 });
    for (const delta of [-3, +2, -2, +3, -1, +2, -2])
      await sandbox.adjust('IT-WOBBLE', 'WH-1', delta);
    await sandbox.settle();
    expect(alertsFor('IT-WOBBLE').map((a) => a.attributes.transition)).toEqual(['TRIGGERED']);
  });

  it('quarantines a poison record with its images and reason, and processes its neighbours', async () => {
    const client = sandbox.doc;
    await sandbox.putItem({ sku: 'IT-BEFORE', location: 'WH-1', quantity: 50 });
    await client.send(
      new PutItemCommand({
        TableName: sandbox.tables.inventory,
        Item: { sku: { S: 'IT-POISON' }, location: { S: 'WH-1' }, quantity: { S: 'lots' } },
      }),
    );
    await sandbox.adjust('IT-BEFORE', 'WH-1', -45);
    await sandbox.settle();
    // Acknowledged at once: nothing is retried into the on-failure destination.
    expect(sandbox.deadLetters.filter((l) => l.source === 'stream')).toEqual([]);
    // Kept today, or yesterday if midnight UTC fell since.
    const today = utcDayOf(new Date());
    const kept = await new QuarantineStore(client, sandbox.tables.control).list([
      dayBefore(today),
      today,
    ]);
    const poison = kept.filter((q) => q.sku === 'IT-POISON');
    expect(poison).toHaveLength(1);
    expect(poison[0]?.reason).toContain('quantity');
    expect(poison[0]?.record?.dynamodb?.NewImage?.quantity).toEqual({ S: 'lots' });
    expect(alertsFor('IT-BEFORE').map((a) => a.attributes.level)).toEqual(['LOW_STOCK']);
  });

  it('lets only one of two executors racing on one item raise an order', async () => {
    // In stock, so the pipeline itself raises no order: only the two racing events can. They
    // are for two open alerts (low and out of stock), each of whose strategy orders.
    const order = { type: 'purchase-order', quantity: { mode: 'fixed', units: 40 } } as const;
    await sandbox.putRule({
      scope: { sku: 'IT-RACE' },
      thresholds: { LOW_STOCK: 10 },
      strategies: { LOW_STOCK: order, OUT_OF_STOCK: order },
    });
    await sandbox.putItem({ sku: 'IT-RACE', location: 'WH-1', quantity: 50 });
    await sandbox.settle();
    await sandbox.doc.send(
      new PutCommand({
        TableName: sandbox.tables.control,
        Item: openAlertsItem('IT-RACE', 'WH-1', { LOW_STOCK: 'race-a', OUT_OF_STOCK: 'race-b' }),
      }),
    );
    const announced: WireEvent[] = [];
    const transport = new LocalRequestHandler({
      publish: () => {},
      putEvents: (entries) => void announced.push(...entries),
    });
    const local = {
      endpoint: inject('dynamoEndpoint'),
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
    };
    const overrides = {
      dynamodb: local,
      eventBridge: {
        region: LOCAL_REGION,
        credentials: LOCAL_CREDENTIALS,
        requestHandler: transport,
      },
    };
    // Two execution environments, as two concurrent Lambda invocations would have.
    const [first, second] = [createExecutor(overrides), createExecutor(overrides)];
    const context = {
      functionName: 'strategy-executor',
      awsRequestId: 'race',
      getRemainingTimeInMillis: () => 30_000,
    } as unknown as Context;
    const results = await Promise.all(
      ['race-a', 'race-b'].map((alertId, i) =>
        (i === 0 ? first : second)(
          busEnvelope(
            'StockLevelTriggered',
            levelDetail({
              alertId,
              sku: 'IT-RACE',
              quantity: 4,
              level: i === 0 ? 'LOW_STOCK' : 'OUT_OF_STOCK',
            }),
          ),
          context,
        ),
      ),
    );
    const outcomes = results
      .map((r) => (r.status === 'done' ? r.applied.outcome : r.status))
      .sort();
    expect(outcomes).toEqual(['applied', 'skipped']);
    expect(await ordersFor('IT-RACE')).toHaveLength(1);
    expect(announced.filter((e) => e.DetailType === 'PurchaseOrderRequested')).toHaveLength(1);
  });

  it('applies a rule change within the cache TTL', async () => {
    await sandbox.putItem({ sku: 'IT-RULE', location: 'WH-1', quantity: 30 });
    await sandbox.adjust('IT-RULE', 'WH-1', -5);
    await sandbox.settle();
    expect(alertsFor('IT-RULE')).toEqual([]);

    await sandbox.putRule({ scope: { sku: 'IT-RULE' }, thresholds: { LOW_STOCK: 24 } });
    await new Promise((r) => setTimeout(r, 1100));
    await sandbox.adjust('IT-RULE', 'WH-1', -1);
    await sandbox.settle();
    expect(
      alertsFor('IT-RULE').map((a) => `${a.attributes.transition} ${a.attributes.level}`),
    ).toEqual(['TRIGGERED LOW_STOCK']);
  });
});

describe('at-least-once delivery', () => {
  let twice: Sandbox;
  beforeAll(async () => {
    twice = await Sandbox.create({
      endpoint: inject('dynamoEndpoint'),
      prefix: 'twice-',
      config,
      pollIntervalMs: 100,
      streamDeliveries: 2,
    });
    await twice.putRule({
      scope: { default: true },
      thresholds: { LOW_STOCK: 10 },
      strategies: { LOW_STOCK: { type: 'direct-restock', quantity: { mode: 'fixed', units: 25 } } },
    });
  });
  afterAll(async () => {
    await twice?.stop();
  });

  it('doubles nothing when every batch is delivered twice', async () => {
    await twice.putItem({ sku: 'IT-TWICE', location: 'WH-1', quantity: 15 });
    const saleDay = utcDayOf(new Date());
    await twice.adjust('IT-TWICE', 'WH-1', -10);
    await twice.settle();
    expect(
      twice.outbox.filter(
        (a) => a.attributes.transition === 'TRIGGERED' && a.attributes.locale === 'en',
      ),
    ).toHaveLength(1);
    expect(twice.effects.filter((e) => e.outcome === 'applied')).toHaveLength(1);
    expect(
      twice.events.filter((e) => e.event['detail-type'] === 'StockLevelTriggered'),
    ).toHaveLength(1);
    // 15 - 10 + 25: restocked once.
    const { Item } = await twice.doc.send(
      new (await import('@aws-sdk/lib-dynamodb')).GetCommand({
        TableName: twice.tables.inventory,
        Key: { sku: 'IT-TWICE', location: 'WH-1' },
      }),
    );
    expect(Item?.quantity).toBe(30);
    // The demand-recorder, on its own reader of the stream, journaled the sale, and the
    // roll-up counted it once and the strategy's restock not at all.
    await twice.rollUpDemand(saleDay);
    const day = await twice.doc.send(
      new (await import('@aws-sdk/lib-dynamodb')).GetCommand({
        TableName: twice.tables.control,
        Key: ControlKeys.demandDay('IT-TWICE', 'WH-1', saleDay),
      }),
    );
    expect(day.Item).toMatchObject({ unitsSold: 10, sales: 1 });
    expect(twice.demandInvocations).toBeGreaterThan(0);
  });
});
