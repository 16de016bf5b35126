/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Ledger } from '../../shared/adapters/ledger.js';
import { utcDayOf } from '../../shared/domain/days.js';
import type { LedgerEntry } from '../../shared/domain/ledger.js';
import { pointsOfDay, type StockChange } from '../../shared/domain/stock-history.js';
import { type CliFixture, cliFixture } from '../support/cli-fixture.js';
import { recordDemand } from '../support/demand.js';

/**
 * Issue 17: the HTML report opened in a real browser (Debian's Chromium, driven by
 * playwright-core) for a known scenario on DynamoDB Local: no console errors, one chart per
 * item, markers at their timestamps on the chart's own scale, thresholds drawn at their values.
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = join(process.cwd(), 'test-artifacts');
const HOUR = 3_600_000;
/** The scenario starts two days ago, on a whole minute (the history's resolution). */
const T0 = Math.floor((Date.now() - 48 * HOUR) / 60_000) * 60_000;
const at = (hours: number) => T0 + hours * HOUR;
const LOW = 10;
const HIGH = 80;

let fx: CliFixture;
let browser: Browser;
let reportPath: string;

/** The mug: low at +2 h, out at +6 h, order received at +20 h, repriced, deleted, created again. */
const MUG_CHANGES: [hours: number, quantity: number | undefined, price: number][] = [
  [0, 40, 10],
  [2, 8, 10],
  [6, 0, 10],
  [20, 50, 10],
  [30, 45, 12],
  [40, undefined, 12],
  [42, 30, 12],
];

const entry = (e: Partial<LedgerEntry> & Pick<LedgerEntry, 'alertId' | 'level'>): LedgerEntry => ({
  transition: 'TRIGGERED',
  sku: 'MUG-1',
  location: 'WH-1',
  strategy: 'notify-only',
  outcome: 'applied',
  before: {},
  after: {},
  occurredAt: new Date(T0).toISOString(),
  at: new Date(T0).toISOString(),
  ...e,
});

const iso = (hours: number) => new Date(at(hours)).toISOString();

/** The mug's alerts and effects as the executor and `orders receive` ledger them. */
const MUG_LEDGER: LedgerEntry[] = [
  entry({
    alertId: 'low-1',
    level: 'LOW_STOCK',
    strategy: 'purchase-order',
    decision: { kind: 'purchase-order', quantity: 50 },
    occurredAt: iso(2),
    at: iso(2.01),
  }),
  entry({
    alertId: 'out-1',
    level: 'OUT_OF_STOCK',
    strategy: 'pause-listing',
    decision: { kind: 'pause-listing', listed: false },
    occurredAt: iso(6),
    at: iso(6.01),
  }),
  entry({
    alertId: 'low-1',
    level: 'LOW_STOCK',
    transition: 'RESOLVED',
    strategy: 'receive-order',
    decision: { kind: 'receive', quantity: 50 } as never,
    occurredAt: iso(20),
    at: iso(20),
  }),
  entry({
    alertId: 'out-1',
    level: 'OUT_OF_STOCK',
    transition: 'RESOLVED',
    strategy: 'pause-listing',
    decision: { kind: 'pause-listing', listed: true },
    occurredAt: iso(20),
    at: iso(20.01),
  }),
  entry({
    alertId: 'low-1',
    level: 'LOW_STOCK',
    transition: 'RESOLVED',
    strategy: 'purchase-order',
    outcome: 'skipped',
    occurredAt: iso(20),
    at: iso(20.01),
  }),
];

/** The mug's quantity history, journaled and rolled up as the pipeline records it. */
const recordHistory = async () => {
  const byDay = new Map<string, StockChange[]>();
  for (const [hours, quantity, price] of MUG_CHANGES) {
    const change = { at: new Date(at(hours)), quantity, price };
    const day = utcDayOf(change.at);
    byDay.set(day, [...(byDay.get(day) ?? []), change]);
  }
  let sequence = 100;
  for (const [day, changes] of byDay) {
    // Every day but today rolled up, as the nightly roll-up leaves it: the report folds
    // today's journal itself.
    await recordDemand(fx.doc, fx.tables.control, [
      {
        sku: 'MUG-1',
        location: 'WH-1',
        day,
        unitsSold: 0,
        sales: 0,
        firstSequence: String(sequence++),
        lastSequence: String(sequence++),
        history: pointsOfDay(changes),
      },
    ]);
  }
};

beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `No Chromium at ${CHROMIUM}: install it (sudo apt-get install -y chromium; .ci/run does) or set CHROMIUM_PATH`,
    );
  fx = await cliFixture(inject('dynamoEndpoint'), 'report-html-');
  const rule = fx.file(
    'rule.json',
    JSON.stringify({
      scope: { default: true },
      thresholds: { LOW_STOCK: LOW, OVERSTOCK: HIGH },
      hysteresis: 2,
      strategies: { LOW_STOCK: { type: 'purchase-order', quantity: { mode: 'fixed', units: 50 } } },
    }),
  );
  expect((await fx.cli('rules', 'put', rule)).code).toBe(0);
  for (const item of [
    { sku: 'MUG-1', location: 'WH-1', quantity: 30, price: 12, name: 'Blue mug' },
    { sku: 'TEE-2', location: 'WH-1', quantity: 9, price: 15 },
  ])
    await fx.doc.send(new PutCommand({ TableName: fx.tables.inventory, Item: item }));
  await recordHistory();
  const ledger = new Ledger(fx.doc, fx.tables.control);
  const tee = entry({
    alertId: 'tee-low',
    sku: 'TEE-2',
    level: 'LOW_STOCK',
    occurredAt: iso(10),
    at: iso(10),
  });
  for (const e of [...MUG_LEDGER, tee]) await ledger.record(e);
  reportPath = join(fx.dir, 'report.html');
  const result = await fx.cli('report', '--html', reportPath, '--since', '3d');
  expect(result).toMatchObject({ code: 0, out: reportPath });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
});

afterAll(async () => {
  await browser?.close();
});

describe('report --html in Chromium', () => {
  it('draws one chart per item, markers at their times, thresholds at their values, offline', async () => {
    // Prepare
    const page = await browser.newPage({ viewport: { width: 1100, height: 1400 } });
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(e.message));
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));

    // Act
    await page.goto(`file://${reportPath}`);
    await page.waitForFunction(() => (window as { reportCharts?: unknown[] }).reportCharts);

    // Assess: nothing fetched but the file itself, nothing complained.
    expect(problems).toEqual([]);
    expect(requests).toEqual([`file://${reportPath}`]);
    // One chart per item, the mug first (it was out of stock).
    const items = await page.$$eval('section.item', (els) =>
      els.map((el) => [el.getAttribute('data-sku'), el.querySelectorAll('.uplot').length]),
    );
    expect(items).toEqual([
      ['MUG-1', 1],
      ['TEE-2', 1],
    ]);

    // Markers: each kind's centre within 1.5 px of the x scale's position of its time.
    const expected = [
      ['triggered', at(2)],
      ['triggered', at(6)],
      ['resolved', at(20)],
      ['order-raised', at(2.01)],
      ['order-received', at(20)],
    ] as const;
    const offsets = await page.evaluate((wanted) => {
      type Plot = {
        valToPos(v: number, scale: string, canvas?: boolean): number;
        over: HTMLElement;
      };
      const { plot } = (window as unknown as { reportCharts: { plot: Plot }[] })
        .reportCharts[0] as {
        plot: Plot;
      };
      const over = plot.over.getBoundingClientRect();
      return wanted.map(([kind, time]) => {
        const centres = [...plot.over.querySelectorAll(`.marker[data-kind="${kind}"]`)].map(
          (el) => {
            const box = el.getBoundingClientRect();
            return box.left + box.width / 2 - over.left;
          },
        );
        const x = plot.valToPos(time / 1000, 'x');
        return Math.min(...centres.map((c) => Math.abs(c - x)));
      });
    }, expected);
    for (const offset of offsets) expect(offset).toBeLessThanOrEqual(1.5);

    // Thresholds: the stroke colours of the low and overstock lines at the y of their values.
    const drawn = await page.evaluate(
      ({ time, values }) => {
        type Plot = {
          valToPos(v: number, scale: string, canvas?: boolean): number;
          ctx: CanvasRenderingContext2D;
        };
        const { plot } = (window as unknown as { reportCharts: { plot: Plot }[] })
          .reportCharts[0] as { plot: Plot };
        const x = Math.round(plot.valToPos(time / 1000, 'x', true));
        return values.map((value) => {
          const y = Math.round(plot.valToPos(value, 'y', true));
          const { data } = plot.ctx.getImageData(x, y - 2, 1, 5);
          return Array.from({ length: 5 }, (_, i) =>
            [data[i * 4], data[i * 4 + 1], data[i * 4 + 2]].join(','),
          );
        });
      },
      { time: at(1), values: [LOW, HIGH] },
    );
    expect(drawn[0]).toContain('217,119,6');
    expect(drawn[1]).toContain('124,58,237');

    // Hovering names a marker.
    const marker = page
      .locator('section.item')
      .first()
      .locator('.marker[data-kind="triggered"]')
      .first();
    await marker.hover();
    const tip = await marker.evaluate((el) => getComputedStyle(el, '::after').content);
    expect(tip).toContain('low stock triggered');

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'report.png'), fullPage: true });
    await page.close();
  });
});
