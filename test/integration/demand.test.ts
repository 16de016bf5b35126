import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runCli } from '../../cli/main.js';
import { createPowertools } from '../../functions/commons/powertools.js';
import { createDemandRecorder } from '../../functions/demand-recorder/recorder.js';
import { loadEnvironment } from '../../infra/config/environments.js';
import { Sandbox } from '../../sandbox/sandbox.js';
import { DemandJournal, rollUpDay, unrolledDays } from '../../shared/adapters/demand-journal.js';
import {
  DemandThresholds,
  itemDays,
  lastCompleteDay,
  rolledUpThrough,
} from '../../shared/adapters/demand-repository.js';
import { SERVICE_NAMES } from '../../shared/contracts/metrics.js';
import { ControlKeys } from '../../shared/contracts/tables.js';
import type { DemandDelta } from '../../shared/domain/demand-journal.js';
import { stockSeries } from '../../shared/domain/stock-history.js';
import { demandPolicy, recordDemand } from '../support/demand.js';
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
  // Three weeks of steady sales, about 6 a day, journaled and rolled up as the pipeline would.
  const history = [5, 7, 6, 6, 5, 7, 6, 6, 5, 7, 6, 6, 5, 7, 6, 6, 5, 7, 6, 6, 6];
  await recordDemand(
    sandbox.doc,
    sandbox.tables.control,
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

/** An item's stored (rolled-up) day, as the readers read it. */
const stored = async (sku: string, day: string, location = 'WH-1') =>
  (await itemDays(sandbox.doc, sandbox.tables.control, { sku, location }, day, day, true))[0];

describe('demand journal and roll-up on DynamoDB Local', () => {
  const journalOf = async (day: string) =>
    (
      await Promise.all(
        Array.from({ length: 8 }, (_, bucket) =>
          sandbox.doc.send(
            new QueryCommand({
              TableName: sandbox.tables.control,
              KeyConditionExpression: 'pk = :pk',
              ExpressionAttributeValues: { ':pk': ControlKeys.demandJournal(day, bucket, '').pk },
            }),
          ),
        ),
      )
    ).flatMap((page) => page.Items ?? []);

  it('journals a batch in one entry, and a batch redelivered whole and in halves rolls up as if it came once', async () => {
    // Prepare: a batch with two sales of one item and a receipt of another.
    const { logger, metrics } = createPowertools(SERVICE_NAMES.demandRecorder);
    const recorder = createDemandRecorder({
      journal: new DemandJournal(sandbox.doc, sandbox.tables.control),
      logger,
      metrics,
    });
    const records = [
      quantityChange('REPLAY-1', 30, 27),
      quantityChange('REPLAY-2', 5, 50),
      quantityChange('REPLAY-1', 27, 20),
    ];
    // Act: delivered, delivered again (a retried batch), then bisected as Lambda retries.
    await recorder(streamEvent(...records));
    const day = '2025-11-25'; // the factories' record time
    expect(await journalOf(day)).toHaveLength(1);
    await recorder(streamEvent(...records));
    expect(await journalOf(day)).toHaveLength(1);
    await recorder(streamEvent(...records.slice(0, 2)));
    await recorder(streamEvent(...records.slice(2)));
    const result = await rollUpDay(sandbox.doc, sandbox.tables.control, day);
    // Assess
    expect(result).toMatchObject({ day, deltas: 5, itemDays: 2, written: 2, overlaps: [] });
    expect(await stored('REPLAY-1', day)).toEqual({ day, unitsSold: 10, points: ['720:20'] });
    const received = await stored('REPLAY-2', day);
    expect(received).toEqual({ day, unitsSold: 0, points: ['720:50'] });
    expect(stockSeries([received as { day: string; points: string[] }])).toEqual([
      { at: Date.parse('2025-11-25T12:00:00Z'), quantity: 50, price: undefined },
    ]);
  });

  it('keeps items whose names hold separators, escapes or any character apart', async () => {
    const day = '2025-10-01';
    const delta = (sku: string, location: string, units: number, first: number): DemandDelta => ({
      sku,
      location,
      day,
      unitsSold: units,
      sales: 1,
      firstSequence: String(first),
      lastSequence: String(first),
      history: [{ minute: first, quantity: units }],
    });
    const deltas = [
      delta('A#B', 'C', 1, 1),
      delta('A', 'B#C', 2, 2),
      delta('A\\', '#C', 3, 3),
      delta('行\n"😀', 'WH,1', 4, 4),
    ];
    await new DemandJournal(sandbox.doc, sandbox.tables.control).write(deltas);
    await rollUpDay(sandbox.doc, sandbox.tables.control, day);
    for (const d of deltas)
      expect(await stored(d.sku, day, d.location)).toMatchObject({ unitsSold: d.unitsSold });
  });

  it('writes only the item-days that differ: a re-run writes nothing, a late batch one day', async () => {
    const day = '2025-10-02';
    const delta = (sku: string, units: number, first: number): DemandDelta => ({
      sku,
      location: 'WH-1',
      day,
      unitsSold: units,
      sales: 1,
      firstSequence: String(first),
      lastSequence: String(first),
    });
    const journal = new DemandJournal(sandbox.doc, sandbox.tables.control);
    await journal.write([delta('LATE-1', 2, 1), delta('LATE-2', 3, 2)]);
    expect(await rollUpDay(sandbox.doc, sandbox.tables.control, day)).toMatchObject({
      written: 2,
    });
    expect(await rollUpDay(sandbox.doc, sandbox.tables.control, day)).toMatchObject({
      written: 0,
    });
    // A batch the stream delivered late (up to 24 h): the second pass counts it.
    await journal.write([delta('LATE-2', 4, 9)]);
    expect(await rollUpDay(sandbox.doc, sandbox.tables.control, day)).toMatchObject({
      itemDays: 2,
      written: 1,
    });
    expect(await stored('LATE-2', day)).toMatchObject({ unitsSold: 7 });
  });

  it('keeps what the recorder before the journal counted of a day, adding only the records after it', async () => {
    // Prepare: the old recorder counted 40 units up to record 500 on the deploy day; the journal
    // then holds a batch it had counted (redelivered across the upgrade) and one after it.
    const day = '2026-11-20';
    const key = ControlKeys.demandDay('UPGRADE-1', 'WH-1', day);
    await sandbox.doc.send(
      new PutCommand({
        TableName: sandbox.tables.control,
        Item: {
          ...key,
          unitsSold: 40,
          sales: 10,
          stockPoints: ['600:60'],
          lastSequence: '500'.padStart(40, '0'),
        },
      }),
    );
    const delta = (first: string, last: string, units: number) => ({
      sku: 'UPGRADE-1',
      location: 'WH-1',
      day,
      unitsSold: units,
      sales: 1,
      firstSequence: first,
      lastSequence: last,
      history: [{ minute: 700, quantity: 50 }],
    });
    await new DemandJournal(sandbox.doc, sandbox.tables.control).write([
      delta('490', '500', 3),
      delta('510', '510', 1),
    ]);
    // Act: the night's pass, and the next night's again
    await rollUpDay(sandbox.doc, sandbox.tables.control, day);
    const again = await rollUpDay(sandbox.doc, sandbox.tables.control, day);
    // Assess: 40 + 1, the old history kept, and nothing new written the second time
    const item = await sandbox.doc.send(
      new GetCommand({ TableName: sandbox.tables.control, Key: key }),
    );
    expect(item.Item).toMatchObject({
      unitsSold: 41,
      sales: 11,
      stockPoints: ['600:60', '700:50'],
      legacy: { unitsSold: 40, lastSequence: '500'.padStart(40, '0') },
    });
    expect(again.written).toBe(0);
  });

  it('ends the demand window at the last day rolled up, and folds the days after it from the journal', async () => {
    // Prepare: the roll-up has not run for the last two days.
    const today = new Date();
    const yesterday = new Date(today.getTime() - DAY).toISOString().slice(0, 10);
    const twoDaysAgo = new Date(today.getTime() - 2 * DAY).toISOString().slice(0, 10);
    const threeDaysAgo = new Date(today.getTime() - 3 * DAY).toISOString().slice(0, 10);
    const marker = ControlKeys.demandRollup();
    await sandbox.doc.send(
      new PutCommand({
        TableName: sandbox.tables.control,
        Item: { ...marker, through: threeDaysAgo },
      }),
    );
    await new DemandJournal(sandbox.doc, sandbox.tables.control).write([
      {
        sku: 'MARKER-1',
        location: 'WH-1',
        day: twoDaysAgo,
        unitsSold: 9,
        sales: 1,
        firstSequence: '900',
        lastSequence: '900',
      },
    ]);
    // Act and assess: the readers' window ends three days ago, never at a day read as zero.
    expect(await lastCompleteDay(sandbox.doc, sandbox.tables.control, today)).toBe(threeDaysAgo);
    const thresholds = new DemandThresholds(sandbox.doc, sandbox.tables.control);
    const policy = demandPolicy({ windowDays: 5 });
    const derived = await thresholds.get([{ sku: 'STEADY-1', location: 'WH-1', policy }]);
    expect(derived.get('STEADY-1#WH-1')?.statistics.lastSaleDay).toBe(threeDaysAgo);
    const unrolled = await unrolledDays(sandbox.doc, sandbox.tables.control, yesterday);
    expect(unrolled.get('MARKER-1#WH-1')).toEqual([
      expect.objectContaining({ day: twoDaysAgo, unitsSold: 9 }),
    ]);
    // The marker moves only from where it is, one day on: never past a day, never back.
    const from = (day: string, previous: string) =>
      rollUpDay(sandbox.doc, sandbox.tables.control, day, previous);
    expect(await from(yesterday, twoDaysAgo)).toMatchObject({ markerMoved: false });
    expect(await from(twoDaysAgo, threeDaysAgo)).toMatchObject({ markerMoved: true });
    expect(await from(threeDaysAgo, twoDaysAgo)).toMatchObject({ markerMoved: false });
    expect(await rolledUpThrough(sandbox.doc, sandbox.tables.control)).toBe(twoDaysAgo);
    expect(await stored('MARKER-1', twoDaysAgo)).toMatchObject({ unitsSold: 9 });
  });
});

describe('thresholds rollup (repair)', () => {
  const run = async (...argv: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const io = { out: (t: string) => out.push(t), err: (t: string) => err.push(t), isTty: false };
    const resources = { endpoint: inject('dynamoEndpoint'), tables: sandbox.tables };
    const code = await runCli(['thresholds', 'rollup', ...argv, '--sandbox'], io, async () =>
      targetFor(resources),
    );
    return { code, out: out.join('\n'), err: err.join('\n') };
  };

  it('rolls a past day up again, writing only what differs', async () => {
    const day = new Date(Date.now() - 4 * DAY).toISOString().slice(0, 10);
    await new DemandJournal(sandbox.doc, sandbox.tables.control).write([
      {
        sku: 'REPAIR-1',
        location: 'WH-1',
        day,
        unitsSold: 4,
        sales: 2,
        firstSequence: '7000',
        lastSequence: '7001',
      },
    ]);
    const first = await run('--day', day, '--json');
    expect(first.code).toBe(0);
    // (Other tests journal days of this week too: only this run's own effect is asserted.)
    const [once] = JSON.parse(first.out);
    expect(once).toMatchObject({ day, overlaps: 0, markerMoved: false });
    expect(once.written).toBeGreaterThanOrEqual(1);
    const [again] = JSON.parse((await run('--day', day, '--json')).out);
    expect(again).toMatchObject({ day, itemDays: once.itemDays, written: 0 });
    expect(await stored('REPAIR-1', day)).toMatchObject({ unitsSold: 4 });
  });

  it('refuses a day that is not one, not over yet, or past the journal retention, with exit 2', async () => {
    const bad = await run('--day', '2025-02-30');
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('yyyy-mm-dd');
    const today = new Date().toISOString().slice(0, 10);
    const running = await run('--day', today);
    expect(running.code).toBe(2);
    expect(running.err).toContain('not over yet');
    // A day whose journal TTL may have deleted in part: a repair would lower right totals.
    const expired = await run('--day', new Date(Date.now() - 8 * DAY).toISOString().slice(0, 10));
    expect(expired.code).toBe(2);
    expect(expired.err).toContain('7-day retention');
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
