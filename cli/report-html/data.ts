import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { batchGetAll } from '../../shared/adapters/batch-get.js';
import { unrolledDays } from '../../shared/adapters/demand-journal.js';
import {
  itemDays,
  lastCompleteDay,
  type StoredItemDay,
} from '../../shared/adapters/demand-repository.js';
import { isAlertEffect, OperatorAction } from '../../shared/adapters/ledger.js';
import { RulesRepository } from '../../shared/adapters/rules-repository.js';
import { itemKeyOf } from '../../shared/contracts/inventory.js';
import { DAY_MS, utcDayOf } from '../../shared/domain/days.js';
import { effectiveness, type LedgerFact } from '../../shared/domain/effectiveness.js';
import type { LedgerEntry } from '../../shared/domain/ledger.js';
import type { ResolvedRule } from '../../shared/domain/rules.js';
import { stockSeries } from '../../shared/domain/stock-history.js';
import { defaultPolicy, type Subject, suggestFor } from '../commands/thresholds.js';
import { listKind, windowSince } from '../control-items.js';
import type { Target } from '../target.js';
import {
  chartColumns,
  findingsOf,
  type ItemChart,
  markersOf,
  type ReportSummary,
  type SuggestionFigures,
  summaryOf,
} from './model.js';
import { thresholdSteps } from './thresholds-over-time.js';

/** How far before the previous period the ledger is read, so crossings that began earlier pair up. */
const LOOKBACK_DAYS = 7;

export interface HtmlReportOptions {
  readonly since: number;
  readonly until: number;
  readonly sku?: string | undefined;
  readonly location?: string | undefined;
  readonly top: number;
}

export interface HtmlReportData {
  readonly summary: ReportSummary;
  readonly charts: ItemChart[];
}

type Item = { sku: string; location: string };

/**
 * Reads what the HTML report shows: the ledger of both periods (from the write-sharded index,
 * by day), then for the top items by stockout time their inventory row (BatchGet), rule, and
 * stored days of demand and quantity history (one Query each), with the days not rolled up yet
 * (today's) folded from the demand journal. Nothing is scanned.
 */
export const readReport = async (
  target: Target,
  options: HtmlReportOptions,
): Promise<HtmlReportData> => {
  const { since, until } = options;
  const previousSince = since - (until - since);
  const from = new Date(previousSince - LOOKBACK_DAYS * DAY_MS).toISOString();
  const selected = (e: Item) =>
    (!options.sku || e.sku === options.sku) &&
    (!options.location || e.location === options.location);
  const entries = (
    (await listKind(
      target,
      'LEDGER',
      windowSince(from, new Date(until)),
    )) as unknown as LedgerEntry[]
  ).filter(selected);
  const alertFacts: LedgerFact[] = entries.filter(isAlertEffect);
  const items = await topItems(target, alertFacts, options);
  const inventory = await batchGetAll(target.doc, target.inventoryTable, items);
  const rows = new Map(inventory.map((row) => [itemKeyOf(row as Item), row]));
  const subjects: Subject[] = items.map((item) => {
    const row = rows.get(itemKeyOf(item)) ?? { ...item };
    const category = typeof row.category === 'string' ? row.category : undefined;
    return { item: row, key: { ...item, category }, itemKey: itemKeyOf(item) };
  });
  const resolutions = await new RulesRepository(
    target.doc,
    target.controlTable,
    60_000,
  ).resolveMany(subjects.map((s) => ({ itemKey: s.itemKey, item: s.key })));
  const report = effectiveness(alertFacts, new Date(since), new Date(until));
  const demand = await demandReading(target, until);
  const charts = await Promise.all(
    subjects.map((subject) =>
      itemChart(
        target,
        subject,
        resolutions.get(subject.itemKey),
        { entries, report, demand },
        options,
      ),
    ),
  );
  return { summary: summaryOf(alertFacts, since, until), charts };
};

/**
 * The items to chart: those with alerts in the period, most stockout time first (then most
 * alerts), and with `--sku` that sku's items as well (one Query on the inventory table), at
 * most `top`.
 */
const topItems = async (
  target: Target,
  facts: readonly LedgerFact[],
  options: HtmlReportOptions,
): Promise<Item[]> => {
  const ranked = new Map<string, Item & { stockout: number; alerts: number }>();
  for (const row of effectiveness(facts, new Date(options.since), new Date(options.until)).items) {
    const key = itemKeyOf(row);
    const current = ranked.get(key) ?? {
      sku: row.sku,
      location: row.location,
      stockout: 0,
      alerts: 0,
    };
    current.stockout += row.stockoutMs;
    current.alerts += row.alerts + row.stillOpen;
    ranked.set(key, current);
  }
  const items: Item[] = [...ranked.values()]
    .filter((i) => i.alerts > 0 || i.stockout > 0)
    .sort((a, b) => b.stockout - a.stockout || b.alerts - a.alerts || a.sku.localeCompare(b.sku));
  if (options.sku) {
    const output = await target.doc.send(
      new QueryCommand({
        TableName: target.inventoryTable,
        KeyConditionExpression: options.location ? 'sku = :sku AND #l = :l' : 'sku = :sku',
        ExpressionAttributeValues: {
          ':sku': options.sku,
          ...(options.location ? { ':l': options.location } : {}),
        },
        ExpressionAttributeNames: { '#l': 'location' },
        ProjectionExpression: 'sku, #l',
      }),
    );
    for (const row of output.Items ?? []) {
      const item = { sku: String(row.sku), location: String(row.location) };
      if (!ranked.has(itemKeyOf(item))) items.push(item);
    }
  }
  return items.slice(0, options.top).map(({ sku, location }) => ({ sku, location }));
};

/** What every chart reads of demand: the last complete day, and the days not rolled up yet. */
interface DemandReading {
  readonly lastDay: string;
  readonly unrolled: Map<string, StoredItemDay[]>;
}

/**
 * Demand as of `until`: the last complete day the suggestions read to, and the days after the
 * last roll-up (today's at least) folded from the journal, once for all items.
 */
const demandReading = async (target: Target, until: number): Promise<DemandReading> => {
  const lastDay = await lastCompleteDay(target.doc, target.controlTable, new Date(until));
  const folded = await unrolledDays(target.doc, target.controlTable, utcDayOf(until));
  const unrolled = new Map(
    [...folded].map(([key, days]) => [
      key,
      days.map((d) => ({ day: d.day, unitsSold: d.unitsSold, points: d.points })),
    ]),
  );
  return { lastDay, unrolled };
};

/** Stored days with the journal's days in place of any stored for the same day, oldest first. */
const withUnrolled = (stored: readonly StoredItemDay[], unrolled: readonly StoredItemDay[]) => {
  const journaled = new Set(unrolled.map((d) => d.day));
  return [...stored.filter((d) => !journaled.has(d.day)), ...unrolled].sort((a, b) =>
    a.day < b.day ? -1 : a.day > b.day ? 1 : 0,
  );
};

/** One item's chart: its history and thresholds over the period, markers, and findings. */
const itemChart = async (
  target: Target,
  subject: Subject,
  resolved: ResolvedRule | undefined,
  read: {
    entries: readonly LedgerEntry[];
    report: ReturnType<typeof effectiveness>;
    demand: DemandReading;
  },
  options: HtmlReportOptions,
): Promise<ItemChart> => {
  const { report, demand } = read;
  const { since, until } = options;
  const { sku, location } = subject.key;
  const entries = read.entries.filter((e) => e.sku === sku && e.location === location);
  // What `thresholds suggest` assumes without --lead-time and --service-level.
  const defaults = defaultPolicy('7', '0.95');
  const policy = resolved?.rule.demand ?? defaults;
  const stored = await itemDays(
    target.doc,
    target.controlTable,
    subject.key,
    utcDayOf(since - (policy.windowDays + 1) * DAY_MS),
    utcDayOf(until),
    true,
  );
  const days = withUnrolled(stored, demand.unrolled.get(subject.itemKey) ?? []);
  const samples = stockSeries(days);
  const steps = thresholdSteps({
    rule: resolved?.rule,
    item: itemThresholdsOf(subject.item),
    suggestions: entries.filter((e) => e.strategy === OperatorAction.applyThreshold),
    demandDays: days,
    since,
    until,
  });
  const markers = markersOf(entries, samples, since, until);
  const { row } = await suggestFor(target, subject, resolved, defaults, demand.lastDay);
  const outOfStock = report.items.find(
    (r) => r.sku === sku && r.location === location && r.level === 'OUT_OF_STOCK',
  );
  return {
    sku,
    location,
    name: typeof subject.item.name === 'string' ? subject.item.name : undefined,
    ...chartColumns(samples, steps, markers, since, until),
    markers,
    findings: findingsOf({
      stockouts: { count: outOfStock?.alerts ?? 0, ms: outOfStock?.stockoutMs ?? 0 },
      orderDurationsMs: orderDurations(entries, since, until),
      leadTimeDays: policy.leadTimeDays,
      suggestion: row as unknown as SuggestionFigures,
      samples: samples.filter((s) => s.at >= since).length,
    }),
  };
};

const itemThresholdsOf = (row: Record<string, unknown>) => ({
  ...(typeof row.lowStockThreshold === 'number' ? { LOW_STOCK: row.lowStockThreshold } : {}),
  ...(typeof row.overstockThreshold === 'number' ? { OVERSTOCK: row.overstockThreshold } : {}),
});

/** From raising to receipt, for each order received in the period (raised at any time read). */
const orderDurations = (
  entries: readonly LedgerEntry[],
  since: number,
  until: number,
): number[] => {
  const raised = new Map(
    entries
      .filter((e) => e.outcome === 'applied' && e.decision?.kind === 'purchase-order')
      .map((e) => [e.alertId, Date.parse(e.at)]),
  );
  return entries
    .filter((e) => e.strategy === OperatorAction.receiveOrder)
    .filter((e) => Date.parse(e.at) >= since && Date.parse(e.at) <= until)
    .flatMap((e) => {
      const at = raised.get(e.alertId);
      return at === undefined ? [] : [Date.parse(e.at) - at];
    });
};
