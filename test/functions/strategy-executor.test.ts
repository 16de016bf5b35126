import { Metrics } from '@aws-lambda-powertools/metrics';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { Context } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createHandler } from '../../functions/strategy-executor/handler.js';
import { ControlKeys } from '../../shared/contracts/tables.js';
import type { RuleInput } from '../../shared/domain/rules.js';
import { InvalidEventError } from '../../shared/errors.js';
import { mockControlTable } from '../support/control-table-fake.js';
import { aRule, busEnvelope, levelDetail } from '../support/factories.js';
import { mockIdempotencyTable } from '../support/idempotency-table-fake.js';
import { mockInventoryBus } from '../support/publish-fakes.js';
import { FIRST_TRY_AND_THREE_RETRIES } from '../support/retries.js';

const context = {
  functionName: 'strategy-executor',
  awsRequestId: 'req-1',
  getRemainingTimeInMillis: () => 30_000,
} as unknown as Context;
let eventBridge: ReturnType<typeof mockInventoryBus>;
let control: ReturnType<typeof mockControlTable>;
let idempotency: ReturnType<typeof mockIdempotencyTable>;
let inventory: Map<string, Record<string, unknown>>;
/** Alert-state items of the control table, by partition key. */
let states: Map<string, Record<string, unknown>>;

/** Records the item's alert state: which alert is open per level, and the latest per level. */
const alertState = (
  open: Record<string, string>,
  lastOpened: Record<string, string> = open,
  lastSequence = '100',
) =>
  states.set(ControlKeys.alertState('MUG-1', 'WH-1').pk, {
    ...ControlKeys.alertState('MUG-1', 'WH-1'),
    sku: 'MUG-1',
    location: 'WH-1',
    open: Object.fromEntries(
      Object.entries(open).map(([level, alertId]) => [
        level,
        { alertId, threshold: 10, triggeredAt: '2026-11-25T12:00:00.000Z', announced: true },
      ]),
    ),
    lastOpened,
    lastAnnouncedAt: {},
    version: 1,
    lastSequence,
  });

/** Answers GetItem from the inventory and the alert states; the ledger is empty. */
const answerGets = (ledger?: Record<string, unknown>) =>
  control.mock.on(GetCommand).callsFake((input) => ({
    Item:
      input.TableName === INVENTORY
        ? inventory.get(`${input.Key.sku}|${input.Key.location}`)
        : input.Key.sk === 'ALERTS'
          ? states.get(input.Key.pk)
          : ledger,
  }));

const INVENTORY = process.env.INVENTORY_TABLE_NAME as string;
const CONTROL = process.env.CONTROL_TABLE_NAME as string;

const withStrategy = (
  level: string,
  strategy: unknown,
  thresholds: Record<string, number> = { LOW_STOCK: 10, OVERSTOCK: 100 },
) =>
  control.putRule(aRule({ thresholds, strategies: { [level]: strategy } } as Partial<RuleInput>));

const transactions = () =>
  control.mock.commandCalls(TransactWriteCommand).map((c) => c.args[0].input.TransactItems ?? []);

beforeEach(() => {
  control = mockControlTable();
  idempotency = mockIdempotencyTable();
  inventory = new Map([
    ['MUG-1|WH-1', { sku: 'MUG-1', location: 'WH-1', quantity: 8, price: 20, category: 'kitchen' }],
  ]);
  states = new Map();
  alertState({ LOW_STOCK: 'alert-0001' });
  answerGets();
  control.mock.on(TransactWriteCommand).resolves({});
  eventBridge = mockInventoryBus();
});

afterEach(() => {
  control.mock.reset();
  idempotency.mock.reset();
  eventBridge.reset();
});

describe('strategy-executor handler', () => {
  it('raises one purchase order: lock, order and ledger in one transaction, then announces it', async () => {
    // Prepare
    withStrategy('LOW_STOCK', {
      type: 'purchase-order',
      quantity: { mode: 'up-to-max', max: 60 },
      orderMultiple: 10,
      supplier: 'ACME',
    });
    const handler = createHandler();

    // Act
    const result = await handler(busEnvelope('StockLevelTriggered', levelDetail()), context);

    // Assess
    expect(result).toMatchObject({
      status: 'done',
      applied: { outcome: 'applied', strategy: 'purchase-order' },
    });
    const [items] = transactions();
    // Lock, order, stock not risen since read, alert still open, ledger.
    expect(items).toHaveLength(5);
    expect(items?.[0]?.Put).toMatchObject({
      TableName: CONTROL,
      Item: { pk: 'ITEM#MUG-1#WH-1', sk: 'OPEN_ORDER', orderId: 'PO-alert-0001' },
      ConditionExpression: 'attribute_not_exists(pk)',
    });
    expect(items?.[1]?.Put).toMatchObject({
      Item: {
        pk: 'ORDER#PO-alert-0001',
        sk: 'ORDER',
        kind: expect.stringMatching(/^ORDER#\d{4}-\d{2}-\d{2}#\d+$/),
        status: 'OPEN',
        quantity: 60,
        supplier: 'ACME',
        reason: 'alert-0001',
      },
      ConditionExpression: 'attribute_not_exists(pk)',
    });
    expect(items?.[2]?.ConditionCheck).toMatchObject({
      TableName: INVENTORY,
      ConditionExpression: 'attribute_exists(sku) AND quantity <= :read',
      ExpressionAttributeValues: { ':read': 8 },
    });
    expect(items?.[3]?.ConditionCheck).toMatchObject({
      TableName: CONTROL,
      Key: { pk: 'ITEM#MUG-1#WH-1', sk: 'ALERTS' },
      ConditionExpression: '#open.#level.alertId = :alertId',
      ExpressionAttributeNames: { '#open': 'open', '#level': 'LOW_STOCK' },
      ExpressionAttributeValues: { ':alertId': 'alert-0001' },
    });
    expect(items?.[4]?.Put).toMatchObject({
      Item: {
        sk: 'LEDGER#alert-0001#TRIGGERED#purchase-order',
        kind: expect.stringMatching(/^LEDGER#\d{4}-\d{2}-\d{2}#\d+$/),
        outcome: 'applied',
        before: { quantity: 8 },
      },
      ConditionExpression: 'attribute_not_exists(pk)',
    });
    const entries = eventBridge.commandCalls(PutEventsCommand)[0]?.args[0].input.Entries ?? [];
    expect(entries.map((e) => e.DetailType)).toEqual(['StrategyApplied', 'PurchaseOrderRequested']);
    expect(JSON.parse(entries[1]?.Detail ?? '{}')).toMatchObject({
      orderId: 'PO-alert-0001',
      quantity: 60,
      supplier: 'ACME',
    });
  });

  it('produces one effect when the same level change is delivered twice (duplicate or replay)', async () => {
    withStrategy('LOW_STOCK', { type: 'direct-restock', quantity: { mode: 'fixed', units: 25 } });
    const handler = createHandler();
    const first = await handler(
      busEnvelope('StockLevelTriggered', levelDetail(), 'evt-a'),
      context,
    );
    const second = await handler(
      busEnvelope('StockLevelTriggered', levelDetail(), 'evt-b'),
      context,
    );
    expect(transactions()).toHaveLength(1);
    expect(second).toEqual(first);
  });

  it('counts a duplicate answered from the idempotency store as a replay, and only that', async () => {
    withStrategy('LOW_STOCK', { type: 'direct-restock', quantity: { mode: 'fixed', units: 25 } });
    const added = vi.spyOn(Metrics.prototype, 'addMetric');
    try {
      const handler = createHandler();
      await handler(busEnvelope('StockLevelTriggered', levelDetail(), 'evt-a'), context);
      const replaysAfterFirst = added.mock.calls.filter(([name]) => name === 'StrategyReplays');
      await handler(busEnvelope('StockLevelTriggered', levelDetail(), 'evt-b'), context);
      const replays = added.mock.calls.filter(([name]) => name === 'StrategyReplays');
      expect(replaysAfterFirst).toEqual([]);
      expect(replays).toEqual([['StrategyReplays', 'Count', 1]]);
    } finally {
      added.mockRestore();
    }
  });

  it('restocks atomically, marking the write as the system’s so it is not counted as demand', async () => {
    withStrategy('LOW_STOCK', { type: 'direct-restock', quantity: { mode: 'up-to-max', max: 40 } });
    await createHandler()(busEnvelope('StockLevelTriggered', levelDetail()), context);
    const [items] = transactions();
    expect(items?.[0]?.Update).toMatchObject({
      TableName: INVENTORY,
      Key: { sku: 'MUG-1', location: 'WH-1' },
      UpdateExpression:
        'SET quantity = quantity + :units, lastAdjustmentId = :adjustment, lastAdjustedAt = :at',
      ConditionExpression: 'attribute_exists(sku) AND quantity <= :read',
      ExpressionAttributeValues: {
        ':units': 32,
        ':read': 8,
        ':adjustment': 'alert-0001#TRIGGERED#direct-restock',
      },
    });
    expect(items?.[2]?.Put?.Item).toMatchObject({
      outcome: 'applied',
      before: { quantity: 8 },
      after: { quantity: 40 },
    });
  });

  it('reduces overstock to the target and transfers the surplus', async () => {
    inventory.set('MUG-1|WH-1', { sku: 'MUG-1', location: 'WH-1', quantity: 130 });
    alertState({ OVERSTOCK: 'alert-0001' });
    withStrategy('OVERSTOCK', {
      type: 'reduce',
      downTo: 80,
      destination: { type: 'transfer', location: 'OUTLET' },
    });
    await createHandler()(
      busEnvelope(
        'StockLevelTriggered',
        levelDetail({ level: 'OVERSTOCK', quantity: 130, threshold: 100 }),
      ),
      context,
    );
    const [items] = transactions();
    expect(items?.[0]?.Update).toMatchObject({
      Key: { sku: 'MUG-1', location: 'WH-1' },
      UpdateExpression:
        'SET quantity = quantity - :units, lastAdjustmentId = :adjustment, lastAdjustedAt = :at',
      ConditionExpression: 'attribute_exists(sku) AND quantity >= :read',
      ExpressionAttributeValues: { ':units': 50, ':read': 130 },
    });
    expect(items?.[1]?.Update).toMatchObject({
      Key: { sku: 'MUG-1', location: 'OUTLET' },
      UpdateExpression: expect.stringContaining('ADD quantity :units'),
    });
  });

  it('reprices within bounds, guarded by the price it read and the period counter', async () => {
    withStrategy('LOW_STOCK', {
      type: 'reprice',
      percent: 10,
      floor: 10,
      ceiling: 21,
      maxChangesPerPeriod: 3,
      periodHours: 24,
    });
    await createHandler()(busEnvelope('StockLevelTriggered', levelDetail()), context);
    const [items] = transactions();
    expect(items?.[0]?.Update).toMatchObject({
      UpdateExpression: 'SET price = :to, lastAdjustmentId = :adjustment, lastAdjustedAt = :at',
      ConditionExpression: 'attribute_exists(sku) AND price = :from',
      ExpressionAttributeValues: { ':to': 21, ':from': 20 },
    });
    expect(items?.[1]?.Update).toMatchObject({
      TableName: CONTROL,
      Key: { pk: 'ITEM#MUG-1#WH-1', sk: expect.stringMatching(/^REPRICE#/) },
      ConditionExpression: 'attribute_not_exists(changes) OR changes < :max',
      ExpressionAttributeValues: { ':max': 3 },
    });
    expect(items?.[3]?.Put?.Item).toMatchObject({ before: { price: 20 }, after: { price: 21 } });
  });

  it('keeps the reprice counter for its whole period, however long', async () => {
    withStrategy('LOW_STOCK', {
      type: 'reprice',
      percent: 10,
      floor: 10,
      ceiling: 30,
      periodHours: 24 * 30,
    });
    await createHandler()(busEnvelope('StockLevelTriggered', levelDetail()), context);
    const counter = transactions()[0]?.[1]?.Update;
    const periodStart = Date.parse(String(counter?.Key?.sk).slice('REPRICE#'.length));
    const expiresAt = Number(counter?.ExpressionAttributeValues?.[':ttl']) * 1000;
    // Not the 7 days it was: the counter must outlive a 30-day period, or the limit resets.
    expect(expiresAt - periodStart).toBeGreaterThanOrEqual(30 * 86_400_000);
  });

  it('leaves a price outside its bounds alone rather than moving it against the direction', async () => {
    // Price 5 under floor 15, and the strategy lowers prices: before, it "lowered" 5 to 15.
    inventory.set('MUG-1|WH-1', { sku: 'MUG-1', location: 'WH-1', quantity: 8, price: 5 });
    withStrategy('LOW_STOCK', {
      type: 'reprice',
      percent: 10,
      direction: 'down',
      floor: 15,
      ceiling: 30,
    });
    const result = await createHandler()(
      busEnvelope('StockLevelTriggered', levelDetail()),
      context,
    );
    expect(result).toMatchObject({
      applied: { outcome: 'skipped', reason: expect.stringContaining('below the floor') },
    });
    expect(
      transactions()
        .flat()
        .filter((a) => a.Update?.TableName === INVENTORY),
    ).toEqual([]);
  });

  it('pauses the listing on out of stock and resumes it when the level resolves', async () => {
    withStrategy('OUT_OF_STOCK', { type: 'pause-listing' });
    alertState({ OUT_OF_STOCK: 'alert-0001' });
    const handler = createHandler();
    await handler(
      busEnvelope(
        'StockLevelTriggered',
        levelDetail({ level: 'OUT_OF_STOCK', quantity: 0, threshold: 0 }),
      ),
      context,
    );
    inventory.set('MUG-1|WH-1', { sku: 'MUG-1', location: 'WH-1', quantity: 5, listed: false });
    alertState({}, { OUT_OF_STOCK: 'alert-0001' });
    await handler(
      busEnvelope(
        'StockLevelResolved',
        levelDetail({ level: 'OUT_OF_STOCK', quantity: 5, threshold: 0 }),
      ),
      context,
    );
    const updates = transactions().map(
      (items) => items[0]?.Update?.ExpressionAttributeValues?.[':listed'],
    );
    expect(updates).toEqual([false, true]);
  });

  it('records a dry run without changing anything', async () => {
    withStrategy('LOW_STOCK', {
      type: 'direct-restock',
      quantity: { mode: 'fixed', units: 25 },
      dryRun: true,
    });
    const result = await createHandler()(
      busEnvelope('StockLevelTriggered', levelDetail()),
      context,
    );
    const [items] = transactions();
    expect(items).toHaveLength(1);
    expect(items?.[0]?.Put?.Item).toMatchObject({
      outcome: 'dry-run',
      decision: { kind: 'direct-restock', quantity: 25 },
      after: { quantity: 8 },
    });
    expect(result).toMatchObject({ applied: { outcome: 'dry-run' } });
  });

  it('lets only one of two racing alerts raise an order; the other is ledgered as skipped', async () => {
    // Low and out of stock open together, each with a purchase order.
    const order = { type: 'purchase-order', quantity: { mode: 'fixed', units: 50 } } as const;
    control.putRule(aRule({ strategies: { LOW_STOCK: order, OUT_OF_STOCK: order } }));
    alertState({ LOW_STOCK: 'alert-0001', OUT_OF_STOCK: 'alert-0002' });
    control.mock
      .on(TransactWriteCommand)
      .resolvesOnce({})
      .rejectsOnce(
        new TransactionCanceledException({
          message: 'cancelled',
          $metadata: {},
          CancellationReasons: [
            { Code: 'ConditionalCheckFailed', Item: marshall({ orderId: 'PO-alert-0001' }) },
            { Code: 'None' },
            { Code: 'None' },
            { Code: 'None' },
          ],
        }),
      )
      .resolves({});
    const handler = createHandler();
    const [a, b] = await Promise.all([
      handler(busEnvelope('StockLevelTriggered', levelDetail()), context),
      handler(
        busEnvelope(
          'StockLevelTriggered',
          levelDetail({ alertId: 'alert-0002', level: 'OUT_OF_STOCK', quantity: 0, threshold: 0 }),
        ),
        context,
      ),
    ]);
    expect([a, b].map((r) => r.status === 'done' && r.applied.outcome).sort()).toEqual([
      'applied',
      'skipped',
    ]);
    const last = transactions().at(-1);
    expect(last).toHaveLength(1);
    expect(last?.[0]?.Put?.Item).toMatchObject({
      outcome: 'skipped',
      reason: 'order PO-alert-0001 is still open',
    });
  });

  it('replaces an open order older than the maximum age, and ledgers the old one as expired', async () => {
    // Prepare: an order placed 30 days ago was never received; its lock still stands.
    withStrategy('LOW_STOCK', { type: 'purchase-order', quantity: { mode: 'fixed', units: 50 } });
    const lock = {
      ...ControlKeys.openOrder('MUG-1', 'WH-1'),
      orderId: 'PO-alert-old',
      at: new Date(Date.now() - 30 * 86_400_000).toISOString(),
    };
    control.mock.on(GetCommand).callsFake((input) => ({
      Item:
        input.TableName === INVENTORY
          ? inventory.get(`${input.Key.sku}|${input.Key.location}`)
          : input.Key.sk === 'ALERTS'
            ? states.get(input.Key.pk)
            : input.Key.sk === 'OPEN_ORDER'
              ? lock
              : undefined,
    }));
    // DynamoDB's side: a lock written only if absent is refused while this one stands.
    control.mock.on(TransactWriteCommand).callsFake((input) => {
      const items = input.TransactItems as {
        Put?: { Item: Record<string, unknown>; ConditionExpression?: string };
      }[];
      const at = items.findIndex((i) => i.Put?.Item.sk === 'OPEN_ORDER');
      if (at >= 0 && items[at]?.Put?.ConditionExpression === 'attribute_not_exists(pk)')
        throw new TransactionCanceledException({
          message: 'cancelled',
          $metadata: {},
          CancellationReasons: items.map((_, i) =>
            i === at ? { Code: 'ConditionalCheckFailed', Item: marshall(lock) } : { Code: 'None' },
          ),
        });
      return {};
    });

    // Act
    const result = await createHandler()(
      busEnvelope('StockLevelTriggered', levelDetail()),
      context,
    );

    // Assess
    expect(result).toMatchObject({ status: 'done', applied: { outcome: 'applied' } });
    const items = transactions().at(-1) ?? [];
    const lockPut = items.find((i) => i.Put?.Item?.sk === 'OPEN_ORDER')?.Put;
    expect(lockPut?.Item).toMatchObject({ orderId: 'PO-alert-0001' });
    expect(lockPut?.ConditionExpression).toContain('orderId = :expiredOrder');
    expect(lockPut?.ExpressionAttributeValues).toMatchObject({ ':expiredOrder': 'PO-alert-old' });
    expect(
      items.map((i) => i.Update).find((u) => u?.Key?.pk === 'ORDER#PO-alert-old'),
    ).toMatchObject({
      ConditionExpression: '#status = :open',
      ExpressionAttributeValues: { ':expired': 'EXPIRED' },
    });
    const ledgered = items.flatMap((i) =>
      i.Put?.Item?.sk?.startsWith('LEDGER#') ? [i.Put.Item] : [],
    );
    expect(ledgered).toEqual([
      expect.objectContaining({
        alertId: 'alert-old',
        strategy: 'expire-order',
        orderId: 'PO-alert-old',
      }),
      expect.objectContaining({
        alertId: 'alert-0001',
        strategy: 'purchase-order',
        outcome: 'applied',
      }),
    ]);
  });

  it('fails on an invalid event with the field and reason, writing nothing', async () => {
    const added = vi.spyOn(Metrics.prototype, 'addMetric');
    // A failed invocation, so that Lambda keeps the event in the dead-letter queue.
    const refused = createHandler()(
      busEnvelope('StockLevelTriggered', levelDetail({ quantity: 'eight', level: 'MEDIUM' })),
      context,
    );
    await expect(refused).rejects.toThrow(InvalidEventError);
    await expect(refused).rejects.toThrow(/detail\.level/);
    expect(control.mock).not.toHaveReceivedCommand(TransactWriteCommand);
    expect(added.mock.calls).toEqual([['InvalidEvents', 'Count', 1]]);
    added.mockRestore();
  });

  it('ledgers a change for an item that no longer exists as rejected, and does not fail', async () => {
    withStrategy('LOW_STOCK', { type: 'direct-restock', quantity: { mode: 'fixed', units: 25 } });
    inventory.clear();
    const result = await createHandler()(
      busEnvelope('StockLevelTriggered', levelDetail()),
      context,
    );
    expect(result).toMatchObject({
      applied: { outcome: 'rejected', reason: 'the inventory item no longer exists' },
    });
    expect(transactions()[0]?.[0]?.Put?.Item).toMatchObject({ outcome: 'rejected' });
  });

  it('ledgers a level without strategy as skipped', async () => {
    withStrategy('OVERSTOCK', { type: 'notify-only' });
    const result = await createHandler()(
      busEnvelope('StockLevelTriggered', levelDetail()),
      context,
    );
    expect(result).toMatchObject({
      applied: { outcome: 'skipped', reason: 'rule default has no strategy for LOW_STOCK' },
    });
  });

  it('fails the invocation when StrategyApplied cannot be delivered, and re-announces on retry without a second effect', async () => {
    withStrategy('LOW_STOCK', { type: 'direct-restock', quantity: { mode: 'fixed', units: 25 } });
    eventBridge.on(PutEventsCommand).rejects(new Error('EventBridge unavailable'));
    const handler = createHandler();
    await expect(
      handler(busEnvelope('StockLevelTriggered', levelDetail()), context),
    ).rejects.toThrow('StrategyApplied not delivered');
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'x' }] });
    control.mock.on(TransactWriteCommand).rejects(
      new TransactionCanceledException({
        message: 'cancelled',
        $metadata: {},
        CancellationReasons: [
          { Code: 'None' },
          { Code: 'None' },
          { Code: 'ConditionalCheckFailed' },
        ],
      }),
    );
    answerGets({
      alertId: 'alert-0001',
      transition: 'TRIGGERED',
      level: 'LOW_STOCK',
      sku: 'MUG-1',
      location: 'WH-1',
      strategy: 'direct-restock',
      outcome: 'applied',
      before: {},
      after: {},
      occurredAt: 'x',
      at: '2026-11-25T12:00:00.000Z',
    });
    const retried = await handler(busEnvelope('StockLevelTriggered', levelDetail()), context);
    expect(retried).toMatchObject({ status: 'done', applied: { outcome: 'applied' } });
    // Every try of the failed invocation, then the retried invocation's one announcement.
    expect(eventBridge).toHaveReceivedCommandTimes(
      PutEventsCommand,
      FIRST_TRY_AND_THREE_RETRIES + 1,
    );
  });
});

describe('strategy-executor under late and reordered events', () => {
  const ledgerPuts = () =>
    transactions()
      .flat()
      .flatMap((action) =>
        String(action.Put?.Item?.sk).startsWith('LEDGER#') ? [action.Put?.Item] : [],
      );
  const inventoryUpdates = () =>
    transactions()
      .flat()
      .filter((action) => action.Update?.TableName === INVENTORY);
  const applied = () =>
    eventBridge
      .commandCalls(PutEventsCommand)
      .flatMap((c) => c.args[0].input.Entries ?? [])
      .filter((e) => e.DetailType === 'StrategyApplied')
      .map((e) => JSON.parse(e.Detail ?? '{}'));

  /** An out-of-stock level change of the usual alert, as the bus delivers it. */
  const deliverOutOfStock = (detailType: string, quantity: number) =>
    createHandler()(
      busEnvelope(detailType, levelDetail({ level: 'OUT_OF_STOCK', quantity, threshold: 0 })),
      context,
    );

  it.each([
    {
      name: 'does not unlist a restocked item when a trigger arrives after its resolve',
      item: { quantity: 50, listed: true },
      state: () => alertState({}, { OUT_OF_STOCK: 'alert-0001' }),
      delivery: ['StockLevelTriggered', 0] as const,
      reason: 'alert alert-0001 has resolved since',
    },
    {
      name: 'does not relist an out-of-stock item when a resolve arrives after a newer trigger',
      item: { quantity: 0, listed: false },
      state: () => alertState({ OUT_OF_STOCK: 'alert-0002' }),
      delivery: ['StockLevelResolved', 5] as const,
      reason: 'a later OUT_OF_STOCK alert alert-0002 has opened since',
    },
    {
      name: 'does not relist an item for a resolve of an alert that never opened',
      item: { quantity: 0, listed: false },
      state: () => alertState({}, { LOW_STOCK: 'alert-0009' }),
      delivery: ['StockLevelResolved', 5] as const,
      reason: 'no OUT_OF_STOCK alert alert-0001 was ever opened',
    },
  ])('$name', async ({ item, state, delivery, reason }) => {
    // Prepare: pause-listing on out of stock, the item and its alert state as they are now.
    withStrategy('OUT_OF_STOCK', { type: 'pause-listing' });
    inventory.set('MUG-1|WH-1', { sku: 'MUG-1', location: 'WH-1', ...item });
    state();

    // Act: the late or forged delivery.
    const [detailType, quantity] = delivery;
    const result = await deliverOutOfStock(detailType, quantity);

    // Assess: nothing applied; ledgered once and announced as stale, with the reason.
    const transition = detailType === 'StockLevelTriggered' ? 'TRIGGERED' : 'RESOLVED';
    expect(inventoryUpdates()).toEqual([]);
    expect(result).toMatchObject({ applied: { outcome: 'stale', reason } });
    expect(ledgerPuts()).toEqual([
      expect.objectContaining({
        outcome: 'stale',
        sk: `LEDGER#alert-0001#${transition}#pause-listing`,
      }),
    ]);
    expect(applied()).toEqual([expect.objectContaining({ outcome: 'stale' })]);
  });

  it('ledgers an event about an alert that never existed as stale, ordering nothing', async () => {
    withStrategy('LOW_STOCK', { type: 'purchase-order', quantity: { mode: 'fixed', units: 50 } });
    const result = await createHandler()(
      busEnvelope('StockLevelTriggered', levelDetail({ alertId: 'forged' })),
      context,
    );
    expect(result).toMatchObject({
      applied: { outcome: 'stale', reason: 'a later LOW_STOCK alert alert-0001 is open' },
    });
    expect(transactions().flat()).toHaveLength(1);
  });

  it('waits for the state to record the change the event came from, then applies', async () => {
    withStrategy('LOW_STOCK', { type: 'direct-restock', quantity: { mode: 'fixed', units: 25 } });
    // The monitor publishes before it commits: the first read still shows the state before.
    alertState({}, {}, '100');
    let reads = 0;
    control.mock.on(GetCommand).callsFake((input) => {
      if (input.Key.sk === 'ALERTS' && ++reads === 2)
        alertState({ LOW_STOCK: 'alert-0001' }, undefined, '200');
      return {
        Item:
          input.TableName === INVENTORY
            ? inventory.get(`${input.Key.sku}|${input.Key.location}`)
            : input.Key.sk === 'ALERTS'
              ? states.get(input.Key.pk)
              : undefined,
      };
    });
    const result = await createHandler()(
      busEnvelope('StockLevelTriggered', levelDetail({ sequenceNumber: '200' })),
      context,
    );
    expect(result).toMatchObject({ applied: { outcome: 'applied' } });
    expect(reads).toBeGreaterThanOrEqual(2);
  });

  it('decides again from a fresh read when stock rose before the restock landed, ledgering once', async () => {
    withStrategy('LOW_STOCK', { type: 'direct-restock', quantity: { mode: 'up-to-max', max: 40 } });
    control.mock
      .on(TransactWriteCommand)
      .callsFakeOnce(() => {
        // Another executor restocked in between: the conditional write fails.
        inventory.set('MUG-1|WH-1', { sku: 'MUG-1', location: 'WH-1', quantity: 40 });
        throw new TransactionCanceledException({
          message: 'cancelled',
          $metadata: {},
          CancellationReasons: [
            { Code: 'ConditionalCheckFailed', Item: marshall({ sku: 'MUG-1', quantity: 40 }) },
            { Code: 'None' },
            { Code: 'None' },
          ],
        });
      })
      .resolves({});
    const result = await createHandler()(
      busEnvelope('StockLevelTriggered', levelDetail()),
      context,
    );
    expect(result).toMatchObject({
      applied: { outcome: 'skipped', reason: 'stock 40 is already at or above 40' },
    });
    expect(ledgerPuts()).toHaveLength(2);
    expect(transactions().at(-1)).toHaveLength(1);
  });

  it('reduces only from the quantity it read, so sales meanwhile never leave stock below downTo', async () => {
    inventory.set('MUG-1|WH-1', { sku: 'MUG-1', location: 'WH-1', quantity: 130 });
    alertState({ OVERSTOCK: 'alert-0001' });
    withStrategy('OVERSTOCK', { type: 'reduce', downTo: 80, destination: { type: 'return' } });
    await createHandler()(
      busEnvelope('StockLevelTriggered', levelDetail({ level: 'OVERSTOCK', threshold: 100 })),
      context,
    );
    expect(inventoryUpdates()[0]?.Update).toMatchObject({
      ConditionExpression: 'attribute_exists(sku) AND quantity >= :read',
      ExpressionAttributeValues: { ':units': 50, ':read': 130 },
    });
  });
});

describe('strategy-executor restoring prices', () => {
  const reprice = {
    type: 'reprice',
    percent: 10,
    direction: 'up',
    floor: 10,
    ceiling: 30,
    restoreOnResolve: true,
  } as const;
  const triggerEntry = {
    alertId: 'alert-0001',
    transition: 'TRIGGERED',
    level: 'LOW_STOCK',
    sku: 'MUG-1',
    location: 'WH-1',
    strategy: 'reprice',
    outcome: 'applied',
    decision: { kind: 'reprice', from: 20, to: 22 },
    before: { price: 20 },
    after: { price: 22 },
    occurredAt: '2026-11-25T12:00:00.000Z',
    at: '2026-11-25T12:00:01.000Z',
  };

  /** The alert's resolve, after its trigger raised the price 20 → 22; the price now `price`. */
  const resolveWithPriceAt = (price: number) => {
    withStrategy('LOW_STOCK', reprice);
    inventory.set('MUG-1|WH-1', { sku: 'MUG-1', location: 'WH-1', quantity: 30, price });
    alertState({}, { LOW_STOCK: 'alert-0001' });
    answerGets(triggerEntry);
    return createHandler()(
      busEnvelope('StockLevelResolved', levelDetail({ quantity: 30 })),
      context,
    );
  };

  it('restores the price held before the alert’s change when the level resolves', async () => {
    const result = await resolveWithPriceAt(22);
    expect(result).toMatchObject({
      applied: { outcome: 'applied', effect: { decision: { to: 20, restore: true } } },
    });
    const [items] = transactions();
    // The price write guarded by the price read, the alert guard and the ledger: no counter.
    expect(items?.[0]?.Update).toMatchObject({
      ConditionExpression: 'attribute_exists(sku) AND price = :from',
      ExpressionAttributeValues: { ':to': 20, ':from': 22 },
    });
    expect(items).toHaveLength(3);
  });

  it('leaves a price someone else changed since, and ledgers it as not restored', async () => {
    const result = await resolveWithPriceAt(21.5);
    expect(result).toMatchObject({ applied: { outcome: 'skipped' } });
    expect(result.status === 'done' && result.applied.reason).toMatch(/not restored/);
  });
});
