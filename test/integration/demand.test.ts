import { GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runCli } from '../../cli/main.js';
import { createPowertools } from '../../functions/commons/powertools.js';
import { createDemandRecorder } from '../../functions/demand-recorder/recorder.js';
import { loadEnvironment } from '../../infra/config/environments.js';
import { Sandbox } from '../../sandbox/sandbox.js';
import {
  DemandRepository,
  itemDays,
  MAX_HISTORY_POINTS,
  paddedSequence,
} from '../../shared/adapters/demand-repository.js';
import { SERVICE_NAMES } from '../../shared/contracts/metrics.js';
import { ControlKeys } from '../../shared/contracts/tables.js';
import { stockSeries } from '../../shared/domain/stock-history.js';
import { quantityChange, streamEvent } from '../support/factories.js';

const DAY = 86_400_000;
let sandbox: Sandbox;

beforeAll(async () => {
  sandbox = await Sandbox.create({
    endpoint: inject('dynamoEndpoint'),
    prefix: 'demand-',
    config: loadEnvironment('dev'),
    pollIntervalMs: 100,
    outDir: undefined,
  });
  await sandbox.putRule({
    scope: { category: 'steady' },
    thresholds: { LOW_STOCK: 'auto' },
    demand: {
      leadTimeDays: 3,
      serviceLevel: 0.95,
      fallbackLowStock: 5,
      minHistoryDays: 14,
      orderingCost: 30,
      holdingCostPerUnitYear: 3,
    },
    strategies: {
      LOW_STOCK: {
        type: 'purchase-order',
        quantity: { mode: 'economic', fallbackUnits: 10 },
        orderMultiple: 6,
      },
    },
  });
  // Three weeks of steady sales, about 6 a day, as the demand-recorder would have recorded them.
  const history = [5, 7, 6, 6, 5, 7, 6, 6, 5, 7, 6, 6, 5, 7, 6, 6, 5, 7, 6, 6, 6];
  const demand = new DemandRepository(sandbox.doc, sandbox.tables.control);
  await demand.record(
    history.map((units, i) => ({
      sku: 'STEADY-1',
      location: 'WH-1',
      day: new Date(Date.now() - (history.length - i) * DAY).toISOString().slice(0, 10),
      unitsSold: units,
      sales: units,
      firstSequence: String(i * 10 + 1),
      lastSequence: String(i * 10 + 2),
    })),
  );
});

afterAll(async () => {
  await sandbox?.stop();
});

describe('demand-derived thresholds, live', () => {
  it('alerts at the reorder point learned from sales instead of the fixed fallback, and orders the EOQ', async () => {
    await sandbox.putItem({ sku: 'STEADY-1', location: 'WH-1', quantity: 40, category: 'steady' });
    await sandbox.adjust('STEADY-1', 'WH-1', -20);
    await sandbox.settle();

    // mean 6/day, σ ≈ 0.74 → ROP = 6·3 + 1.645·0.74·√3 ≈ 20.1 → 21: 20 units is low (the fallback 5 is not).
    const triggered = sandbox.events.find((e) => e.event['detail-type'] === 'StockLevelTriggered');
    expect(triggered?.event.detail).toMatchObject({
      sku: 'STEADY-1',
      level: 'LOW_STOCK',
      threshold: 21,
      quantity: 20,
    });
    // EOQ = √(2·(6·365)·30/3) ≈ 209.3 → 210, a multiple of 6.
    const order = sandbox.effects.find((e) => e.strategy === 'purchase-order');
    expect(order).toMatchObject({
      outcome: 'applied',
      effect: { decision: { kind: 'purchase-order', quantity: 210 } },
    });
  });

  it('suggests the threshold from demand in the CLI and applies it as the item rule, ledgered', async () => {
    const resources = { endpoint: inject('dynamoEndpoint'), tables: sandbox.tables };
    const out: string[] = [];
    const io = { out: (t: string) => out.push(t), err: (t: string) => out.push(t), isTty: false };
    const target = async () => targetFor(resources);
    expect(
      await runCli(
        ['thresholds', 'suggest', '--sku', 'STEADY-1', '--json', '--sandbox'],
        io,
        target,
      ),
    ).toBe(0);
    expect(JSON.parse(out.join(''))).toEqual([
      expect.objectContaining({
        sku: 'STEADY-1',
        current: 5,
        suggested: 21,
        orderQuantity: 210,
        basis: 'demand (21 d)',
      }),
    ]);
    out.length = 0;
    expect(
      await runCli(
        ['thresholds', 'suggest', '--sku', 'STEADY-1', '--apply', '--sandbox'],
        io,
        target,
      ),
    ).toBe(0);
    expect(out.join('\n')).toContain('1 suggestion(s) applied');
    const rule = await sandbox.doc.send(
      new GetCommand({
        TableName: sandbox.tables.control,
        Key: { pk: 'RULE#sku#STEADY-1#location#WH-1', sk: 'RULE' },
      }),
    );
    // An overlay over the rule chain, so later edits of the category or default rule still reach it.
    expect(rule.Item?.overlay.thresholds).toEqual({ LOW_STOCK: 21 });

    // With the item's own OVERSTOCK at 20, the suggestion is clamped below it, and says so.
    await sandbox.doc.send(
      new UpdateCommand({
        TableName: sandbox.tables.inventory,
        Key: { sku: 'STEADY-1', location: 'WH-1' },
        UpdateExpression: 'SET overstockThreshold = :over',
        ExpressionAttributeValues: { ':over': 20 },
      }),
    );
    out.length = 0;
    await runCli(['thresholds', 'suggest', '--sku', 'STEADY-1', '--json', '--sandbox'], io, target);
    const [clamped] = JSON.parse(out.join('')) as { suggested: number; basis: string }[];
    expect(clamped?.suggested).toBeLessThan(20);
    expect(clamped?.basis).toContain('clamped from 21 below OVERSTOCK − hysteresis');

    // Issue 14 §2: the executor's entries and this one share one key scheme and one reader.
    const ledger = await sandbox.doc.send(
      new QueryCommand({
        TableName: sandbox.tables.control,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :ledger)',
        ExpressionAttributeValues: { ':pk': 'ITEM#STEADY-1#WH-1', ':ledger': 'LEDGER#' },
      }),
    );
    const entries = ledger.Items ?? [];
    expect(entries.map((e) => e.strategy)).toEqual(
      expect.arrayContaining(['purchase-order', 'threshold-suggestion']),
    );
    for (const e of entries) expect(e.sk).toBe(`LEDGER#${e.alertId}#${e.transition}#${e.strategy}`);
    out.length = 0;
    await runCli(['ledger', 'list', '--sku', 'STEADY-1', '--since', '1h', '--sandbox'], io, target);
    expect(out.join('\n')).toMatch(/threshold-suggestion.*applied/);
  });
});

describe('demand-recorder on DynamoDB Local', () => {
  it('counts a redelivered batch once: the day total and the history are as if it came once', async () => {
    // Prepare: a batch with two sales of one item and a receipt of another.
    const { logger, metrics } = createPowertools(SERVICE_NAMES.demandRecorder);
    const recorder = createDemandRecorder({
      demand: new DemandRepository(sandbox.doc, sandbox.tables.control),
      logger,
      metrics,
    });
    const batch = streamEvent(
      quantityChange('REPLAY-1', 30, 27),
      quantityChange('REPLAY-1', 27, 20),
      quantityChange('REPLAY-2', 5, 50),
    );
    // Act: delivered, then delivered again (a retried batch).
    await recorder(batch);
    await recorder(batch);
    // Assess
    const day = '2025-11-25'; // the factories' record time
    const stored = async (sku: string) =>
      (
        await itemDays(
          sandbox.doc,
          sandbox.tables.control,
          { sku, location: 'WH-1' },
          day,
          day,
          true,
        )
      )[0];
    const sold = await stored('REPLAY-1');
    expect(sold).toEqual({ day, unitsSold: 10, points: ['720:20'] });
    const received = await stored('REPLAY-2');
    expect(received).toEqual({ day, unitsSold: 0, points: ['720:50'] });
    expect(stockSeries([received as { day: string; points: string[] }])).toEqual([
      { at: Date.parse('2025-11-25T12:00:00Z'), quantity: 50, price: undefined },
    ]);
  });
});

describe('a full day of history', () => {
  it('keeps counting the day on DynamoDB Local once the history holds its cap, and stops growing it', async () => {
    const demand = new DemandRepository(sandbox.doc, sandbox.tables.control);
    const delta = (first: number, units: number, minute: number) => ({
      sku: 'FULL-1',
      location: 'WH-1',
      day: '2025-11-25',
      unitsSold: units,
      sales: 1,
      firstSequence: String(first),
      lastSequence: String(first),
      history: [{ minute, quantity: 100 - first }],
    });
    const key = ControlKeys.demandDay('FULL-1', 'WH-1', '2025-11-25');
    await sandbox.doc.send(
      new UpdateCommand({
        TableName: sandbox.tables.control,
        Key: key,
        UpdateExpression: 'SET stockPoints = :full, lastSequence = :last, unitsSold = :zero',
        ExpressionAttributeValues: {
          ':full': Array.from({ length: MAX_HISTORY_POINTS }, () => '600:1'),
          ':last': paddedSequence('1'),
          ':zero': 0,
        },
      }),
    );
    expect(await demand.record([delta(2, 3, 700)])).toEqual({ applied: 1, replays: 0 });
    // The same batch again is still a replay, history full or not.
    expect(await demand.record([delta(2, 3, 700)])).toEqual({ applied: 0, replays: 1 });
    const stored = await sandbox.doc.send(
      new GetCommand({ TableName: sandbox.tables.control, Key: key }),
    );
    expect(stored.Item?.unitsSold).toBe(3);
    expect(stored.Item?.stockPoints).toHaveLength(MAX_HISTORY_POINTS);
  });
});

/** A CLI target on this test's tables (what .sandbox/resources.json would hold). */
const targetFor = (resources: {
  endpoint: string;
  tables: { inventory: string; control: string };
}) => ({
  kind: 'sandbox' as const,
  doc: sandbox.doc,
  inventoryTable: resources.tables.inventory,
  controlTable: resources.tables.control,
});
