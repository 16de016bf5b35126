import { TransactionCanceledException, TransactWriteItemsCommand } from '@aws-sdk/client-dynamodb';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { PublishBatchCommand } from '@aws-sdk/client-sns';
import { BatchGetCommand, PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHandler } from '../../functions/stock-monitor/handler.js';
import { lambdaContext } from '../../sandbox/local-handlers.js';
import { alertTagsOf } from '../../shared/contracts/subscriptions.js';
import { ControlKeys } from '../../shared/contracts/tables.js';
import { alertIdOf } from '../../shared/domain/crossing.js';
import { type mockControlTable, mockControlTableWith } from '../support/control-table-fake.js';
import { aRule, quantityChange, streamEvent, streamRecord } from '../support/factories.js';
import { mockAlertsTopic, mockInventoryBus } from '../support/publish-fakes.js';
import { FIRST_TRY_AND_THREE_RETRIES } from '../support/retries.js';

const context = lambdaContext('stock-monitor');
let sns: ReturnType<typeof mockAlertsTopic>;
let eventBridge: ReturnType<typeof mockInventoryBus>;
let control: ReturnType<typeof mockControlTable>;

/** The quarantine items the handler wrote. */
const quarantined = () =>
  control.mock
    .commandCalls(PutCommand)
    .map((c) => c.args[0].input.Item as Record<string, unknown>)
    .filter((item) => String(item.pk).startsWith('QUARANTINE#'));

/** The alert-state puts of every transaction the handler sent, in order. */
const stateWrites = () =>
  control.mock
    .commandCalls(TransactWriteCommand)
    .flatMap((c) => c.args[0].input.TransactItems ?? [])
    .flatMap((action) =>
      action.Put && String(action.Put.Item?.sk) === 'ALERTS' ? [action.Put] : [],
    );

beforeEach(() => {
  control = mockControlTableWith(aRule({ name: 'Standard' }));
  sns = mockAlertsTopic();
  eventBridge = mockInventoryBus();
});

afterEach(() => {
  control.mock.reset();
  sns.reset();
  eventBridge.reset();
});

describe('stock-monitor handler', () => {
  it('announces a sale into low stock: one SNS entry, one event, one conditional state write', async () => {
    // Prepare
    const handler = createHandler();
    const record = quantityChange('MUG-1', 12, 8, { category: 'kitchen', name: 'Blue mug' });
    const alertId = alertIdOf(
      { sku: 'MUG-1', location: 'WH-1', changeId: record.eventID as string },
      'LOW_STOCK',
    );

    // Act
    const result = await handler(streamEvent(record), context);

    // Assess
    expect(result).toEqual({ batchItemFailures: [] });
    expect(sns).toHaveReceivedCommandTimes(PublishBatchCommand, 1);
    expect(sns).toHaveReceivedCommandWith(PublishBatchCommand, {
      TopicArn: process.env.ALERTS_TOPIC_ARN,
      PublishBatchRequestEntries: [
        {
          Id: `${alertId}-T-en`,
          Subject: '[WARNING] Low stock: Blue mug (MUG-1) at WH-1',
          MessageStructure: 'json',
          Message: expect.stringContaining(
            '"sms":"Low stock: MUG-1 @ WH-1 qty 12 -> 8 (<=10) purchase-order',
          ),
          MessageAttributes: {
            level: { DataType: 'String', StringValue: 'LOW_STOCK' },
            severity: { DataType: 'String', StringValue: 'warning' },
            sku: { DataType: 'String', StringValue: 'MUG-1' },
            location: { DataType: 'String', StringValue: 'WH-1' },
            category: { DataType: 'String', StringValue: 'kitchen' },
            transition: { DataType: 'String', StringValue: 'TRIGGERED' },
            locale: { DataType: 'String', StringValue: 'en' },
            // No digests kept here (no DIGEST_BUFFER): digest subscribers take it at once.
            delivery: {
              DataType: 'String.Array',
              StringValue: JSON.stringify(
                ['', '.digest', '.undigested'].flatMap((suffix) =>
                  ['email', 'sms', 'webhook'].map((d) => `${d}${suffix}`),
                ),
              ),
            },
            alert: {
              DataType: 'String.Array',
              StringValue: JSON.stringify(alertTagsOf('LOW_STOCK', 'TRIGGERED')),
            },
          },
        },
      ],
    });
    expect(eventBridge).toHaveReceivedCommandTimes(PutEventsCommand, 1);
    const entry = eventBridge.commandCalls(PutEventsCommand)[0]?.args[0].input.Entries?.[0];
    expect(entry).toMatchObject({
      EventBusName: process.env.EVENT_BUS_NAME,
      Source: 'inventory.alerts',
      DetailType: 'StockLevelTriggered',
    });
    expect(JSON.parse(entry?.Detail ?? '{}')).toMatchObject({
      version: '1',
      alertId,
      sku: 'MUG-1',
      location: 'WH-1',
      category: 'kitchen',
      level: 'LOW_STOCK',
      previousQuantity: 12,
      quantity: 8,
      threshold: 10,
      severity: 'warning',
      ruleKey: 'default',
      notified: true,
    });
    expect(stateWrites()).toEqual([
      expect.objectContaining({
        Item: expect.objectContaining({
          ...ControlKeys.alertState('MUG-1', 'WH-1'),
          version: 1,
          lastSequence: record.dynamodb?.SequenceNumber,
        }),
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    ]);
  });

  it('reads state once per batch, and spends no publish or write on changes that cross nothing', async () => {
    const handler = createHandler();
    await handler(streamEvent(quantityChange('A', 50, 40), quantityChange('B', 60, 70)), context);
    await handler(streamEvent(quantityChange('A', 40, 30)), context);

    // The rules directory's head (none in this table: every item key is read) and one rules
    // read for the first batch (cached after), and one state read per batch.
    const reads = control.mock.commandCalls(BatchGetCommand).map((c) => {
      const [request] = Object.values(c.args[0].input.RequestItems ?? {});
      return (request?.Keys ?? []).map((k) => String(k.sk));
    });
    expect(reads).toEqual([
      ['HEAD'],
      ['RULE', 'RULE', 'RULE', 'RULE', 'RULE'],
      ['ALERTS', 'ALERTS'],
      ['ALERTS'],
    ]);
    expect(sns).not.toHaveReceivedCommand(PublishBatchCommand);
    expect(eventBridge).not.toHaveReceivedCommand(PutEventsCommand);
    expect(stateWrites()).toEqual([]);
  });

  it('batches alerts and events ten per call', async () => {
    const handler = createHandler();
    const records = Array.from({ length: 25 }, (_, i) => quantityChange(`SKU-${i}`, 20, 5));
    const result = await handler(streamEvent(...records), context);
    expect(result.batchItemFailures).toEqual([]);
    expect(sns).toHaveReceivedCommandTimes(PublishBatchCommand, 3);
    expect(eventBridge).toHaveReceivedCommandTimes(PutEventsCommand, 3);
    const sizes = sns
      .commandCalls(PublishBatchCommand)
      .map((c) => c.args[0].input.PublishBatchRequestEntries?.length);
    expect(sizes).toEqual([10, 10, 5]);
  });

  it('retries only the entries that failed', async () => {
    const handler = createHandler();
    const records = [quantityChange('A', 20, 5), quantityChange('B', 20, 5)];
    let snsCall = 0;
    sns.on(PublishBatchCommand).callsFake((input) => {
      const [first, second] = input.PublishBatchRequestEntries;
      return snsCall++ === 0
        ? {
            Successful: [{ Id: first.Id }],
            Failed: [{ Id: second.Id, Code: 'Throttled', SenderFault: false }],
          }
        : {
            Successful: input.PublishBatchRequestEntries.map((e: { Id: string }) => ({ Id: e.Id })),
            Failed: [],
          };
    });
    let ebCall = 0;
    eventBridge.on(PutEventsCommand).callsFake((input) =>
      ebCall++ === 0
        ? {
            FailedEntryCount: 1,
            Entries: [
              { EventId: 'e-0' },
              { ErrorCode: 'ThrottlingException', ErrorMessage: 'slow down' },
            ],
          }
        : { FailedEntryCount: 0, Entries: input.Entries.map(() => ({ EventId: 'e-1' })) },
    );

    const result = await handler(streamEvent(...records), context);

    expect(result.batchItemFailures).toEqual([]);
    const snsCalls = sns
      .commandCalls(PublishBatchCommand)
      .map((c) =>
        c.args[0].input.PublishBatchRequestEntries?.map(
          (e) => e.MessageAttributes?.sku?.StringValue,
        ),
      );
    expect(snsCalls).toEqual([['A', 'B'], ['B']]);
    const ebCalls = eventBridge
      .commandCalls(PutEventsCommand)
      .map((c) => c.args[0].input.Entries?.map((e) => JSON.parse(e.Detail ?? '{}').sku));
    expect(ebCalls).toEqual([['A', 'B'], ['B']]);
  });

  it('reports the records of an item whose alert could not be published, and keeps its state unwritten', async () => {
    const handler = createHandler();
    sns.on(PublishBatchCommand).callsFake((input) => ({
      Successful: input.PublishBatchRequestEntries.filter(
        (e: { MessageAttributes: { sku: { StringValue: string } } }) =>
          e.MessageAttributes.sku.StringValue !== 'B',
      ).map((e: { Id: string }) => ({ Id: e.Id })),
      Failed: input.PublishBatchRequestEntries.filter(
        (e: { MessageAttributes: { sku: { StringValue: string } } }) =>
          e.MessageAttributes.sku.StringValue === 'B',
      ).map((e: { Id: string }) => ({ Id: e.Id, Code: 'InternalError', SenderFault: false })),
    }));
    const a = quantityChange('A', 20, 5);
    const b = quantityChange('B', 20, 5);

    const result = await handler(streamEvent(a, b), context);

    expect(result.batchItemFailures).toEqual([{ itemIdentifier: b.dynamodb?.SequenceNumber }]);
    const written = stateWrites().map((put) => put.Item?.sku);
    expect(written).toEqual(['A']);
    // A and B in the first call, then B alone in each retry.
    expect(sns).toHaveReceivedCommandTimes(PublishBatchCommand, FIRST_TRY_AND_THREE_RETRIES);
  });

  it('gives back only the item whose state changed since it was read, writing the others', async () => {
    const handler = createHandler();
    control.mock.on(TransactWriteCommand).callsFake((input) => {
      const sks = input.TransactItems.map(
        (a: { Put?: { Item: { sk: string; sku: string } } }) => a.Put?.Item,
      );
      if (sks[0]?.sk === 'ALERTS' && sks.some((i: { sku: string } | undefined) => i?.sku === 'B')) {
        throw new TransactionCanceledException({
          message: 'cancelled',
          $metadata: {},
          CancellationReasons: sks.map((i: { sku: string } | undefined) => ({
            Code: i?.sku === 'B' ? 'ConditionalCheckFailed' : 'None',
          })),
        });
      }
      return {};
    });
    const a = quantityChange('A', 20, 5);
    const b = quantityChange('B', 20, 5);
    const result = await handler(streamEvent(a, b), context);
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: b.dynamodb?.SequenceNumber }]);
    const attempts = control.mock
      .commandCalls(TransactWriteCommand)
      .map((c) =>
        (c.args[0].input.TransactItems ?? []).flatMap((x) => (x.Put ? [x.Put.Item?.sku] : [])),
      )
      .filter((skus) => skus.length > 0);
    expect(attempts).toEqual([['A', 'B'], ['A']]);
  });

  it('quarantines poison records with their images and reason, acknowledged, and goes on with their items and neighbours', async () => {
    const handler = createHandler();
    const poisons = [
      streamRecord({
        old: { sku: 'P1', location: 'WH-1', quantity: 20 },
        new: { sku: 'P1', location: 'WH-1', quantity: 'seven' },
      }),
      streamRecord({ new: { sku: 'P2', location: 'WH-1' } }),
      streamRecord({ new: { sku: 'P3', location: 'WH-1', quantity: 5, price: -3 } }),
      {
        ...streamRecord({ new: { sku: 'P4', location: 'WH-1', quantity: 5 } }),
        dynamodb: { SequenceNumber: '42', Keys: {} },
      },
    ];
    // A later, valid change of the poisoned item is no longer held back: nothing can fix the poison.
    const later = quantityChange('P1', 'seven' as unknown as number, 3);
    const neighbour = quantityChange('OK', 20, 5);

    const result = await handler(streamEvent(...poisons, later, neighbour), context);

    expect(result.batchItemFailures).toEqual([]);
    const kept = quarantined();
    expect(kept.map((item) => item.eventId)).toEqual(poisons.map((r) => r.eventID));
    expect(kept[0]).toMatchObject({
      pk: 'QUARANTINE#2025-11-25',
      sku: 'P1',
      location: 'WH-1',
      reason: expect.stringContaining('quantity'),
      expiresAt: expect.any(Number),
    });
    const [first] = control.mock.commandCalls(PutCommand);
    expect(first?.args[0].input.ConditionExpression).toBe('attribute_not_exists(pk)');
    // The images are kept, compressed: what AWS's on-failure destination would not keep.
    expect(kept[0]?.record).toBeInstanceOf(Uint8Array);
    const alerted = sns
      .commandCalls(PublishBatchCommand)
      .flatMap((c) => c.args[0].input.PublishBatchRequestEntries ?? [])
      .map((e) => e.MessageAttributes?.sku?.StringValue);
    expect(alerted.sort()).toEqual(['OK', 'P1']);
  });

  it('reports a poison record whose quarantine write failed, so it is redelivered', async () => {
    control.mock.on(PutCommand).rejects(new Error('throttled'));
    const poison = streamRecord({ new: { sku: 'P', location: 'WH-1', quantity: 'none' } });
    const result = await createHandler()(streamEvent(poison), context);
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: poison.dynamodb?.SequenceNumber }]);
  });

  it('publishes nothing for a record delivered again after its state was committed', async () => {
    const handler = createHandler();
    const record = quantityChange('MUG-1', 12, 8);
    await handler(streamEvent(record), context);
    const committed = stateWrites()[0]?.Item as Record<string, unknown>;
    control.putItem(committed);
    sns.resetHistory();
    eventBridge.resetHistory();

    const result = await handler(streamEvent(record), context);

    expect(result.batchItemFailures).toEqual([]);
    expect(sns).not.toHaveReceivedCommand(PublishBatchCommand);
    expect(eventBridge).not.toHaveReceivedCommand(PutEventsCommand);
  });

  it('leaves demand to the demand-recorder: a batch of sales makes no write at all', async () => {
    const handler = createHandler();
    const result = await handler(
      streamEvent(quantityChange('A', 50, 47), quantityChange('B', 60, 59)),
      context,
    );
    expect(result.batchItemFailures).toEqual([]);
    expect(control.mock).not.toHaveReceivedCommand(TransactWriteItemsCommand);
    expect(control.mock).not.toHaveReceivedCommand(TransactWriteCommand);
  });
});

describe('stock-monitor under moved thresholds and edited rules', () => {
  /** Seeds an alert opened earlier, under whatever threshold was in force then. */
  const openAlert = (level: string, alertId: string, threshold: number) =>
    control.putItem({
      ...ControlKeys.alertState('MUG-1', 'WH-1'),
      kind: 'ALERTS',
      sku: 'MUG-1',
      location: 'WH-1',
      open: {
        [level]: { alertId, threshold, triggeredAt: '2026-11-25T10:00:00.000Z', announced: true },
      },
      lastAnnouncedAt: {},
      version: 1,
      lastSequence: '1',
    });

  const eventsPut = () =>
    eventBridge
      .commandCalls(PutEventsCommand)
      .flatMap((c) => c.args[0].input.Entries ?? [])
      .map((e) => {
        const detail = JSON.parse(e.Detail ?? '{}');
        return `${e.DetailType} ${detail.level} ${detail.alertId}`;
      });

  it('resolves an alert opened under a higher threshold once stock clears the lower one', async () => {
    // LOW opened at threshold 40 with quantity 35; the rule now says 20 (hysteresis 2).
    control.putRule(aRule({ thresholds: { LOW_STOCK: 20, OVERSTOCK: 100 } }));
    openAlert('LOW_STOCK', 'opened-at-40', 40);

    await createHandler()(streamEvent(quantityChange('MUG-1', 35, 38)), context);

    expect(eventsPut()).toEqual(['StockLevelResolved LOW_STOCK opened-at-40']);
    expect(stateWrites()).toEqual([
      expect.objectContaining({ Item: expect.objectContaining({ open: {} }) }),
    ]);
  });

  it('resolves an alert whose level the rule no longer monitors at the next change', async () => {
    control.putRule(aRule({ thresholds: { OVERSTOCK: 100 }, strategies: {} }));
    openAlert('LOW_STOCK', 'low-removed', 10);

    await createHandler()(streamEvent(quantityChange('MUG-1', 8, 7)), context);

    expect(eventsPut()).toEqual(['StockLevelResolved LOW_STOCK low-removed']);
  });

  it('records with an open alert the rule and the edit of it that opened the alert', async () => {
    await createHandler()(streamEvent(quantityChange('MUG-1', 12, 8)), context);
    expect(stateWrites()[0]?.Item?.open).toMatchObject({
      LOW_STOCK: { threshold: 10, ruleKey: 'default', ruleVersion: '2026-11-25T09:00:00.000Z' },
    });
  });

  it('judges each change of an item by the thresholds on its own image, within one batch', async () => {
    // The item's own LOW_STOCK moves from 25 to 30 between two writes in the same batch.
    await createHandler()(
      streamEvent(
        quantityChange('MUG-1', 30, 28, { lowStockThreshold: 25 }),
        quantityChange('MUG-1', 28, 27, { lowStockThreshold: 30 }),
      ),
      context,
    );
    expect(eventsPut()).toEqual([expect.stringMatching(/^StockLevelTriggered LOW_STOCK /)]);
  });

  it('carries the stream sequence number, so the executor can tell when the state recorded it', async () => {
    const record = quantityChange('MUG-1', 12, 8);
    await createHandler()(streamEvent(record), context);
    const entry = eventBridge.commandCalls(PutEventsCommand)[0]?.args[0].input.Entries?.[0];
    expect(JSON.parse(entry?.Detail ?? '{}').sequenceNumber).toBe(record.dynamodb?.SequenceNumber);
  });

  it('keeps the rule thresholds over item thresholds that contradict each other', async () => {
    // The item says LOW 450 and OVERSTOCK 400: contradictory, so the rule's (10, 100) apply.
    await createHandler()(
      streamEvent(
        quantityChange('MUG-1', 430, 420, { lowStockThreshold: 450, overstockThreshold: 400 }),
      ),
      context,
    );
    expect(eventsPut()).toEqual([expect.stringMatching(/^StockLevelTriggered OVERSTOCK /)]);
  });
});
