import { DAY_MS } from '../../shared/domain/days.js';
import {
  type EffectivenessReport,
  effectiveness,
  humanDuration,
  type LedgerFact,
} from '../../shared/domain/effectiveness.js';
import type { LedgerEntry } from '../../shared/domain/ledger.js';
import { LEVELS, type Level } from '../../shared/domain/levels.js';
import { quantityAt, type StockSample } from '../../shared/domain/stock-history.js';

/**
 * What the HTML report shows, as plain data: the summary with the period before, and per item
 * the series and markers of its chart and the findings beneath it. Pure: the reads happen in
 * `data.ts`, the drawing in the page.
 */

/** A figure of the summary: this period's value and the period before's. */
export interface Compared {
  readonly label: string;
  readonly now: string;
  readonly before: string;
}

export interface ReportSummary {
  readonly since: string;
  readonly until: string;
  readonly previousSince: string;
  readonly levels: { level: Level; figures: Compared[] }[];
  readonly effects: { strategy: string; outcome: string; now: number; before: number }[];
}

/** What a marker stands for; the page gives each its shape and colour. */
export type MarkerKind =
  | 'triggered'
  | 'resolved'
  | 'order-raised'
  | 'order-received'
  | 'restock'
  | 'reduction'
  | 'reprice'
  | 'listing';

export interface Marker {
  /** Epoch ms. */
  readonly at: number;
  readonly kind: MarkerKind;
  readonly level?: Level | undefined;
  /** What hovering names. */
  readonly label: string;
  /** Where on the quantity axis it sits: the quantity then (null: at the axis). */
  readonly quantity: number | null;
  /** Effects made in the same minute are stacked, so each can be seen and hovered. */
  readonly stack: number;
}

/** Thresholds in force from `at` until the next step. */
export interface ThresholdStep {
  readonly at: number;
  readonly low: number | undefined;
  readonly high: number | undefined;
}

export interface ItemChart {
  readonly sku: string;
  readonly location: string;
  readonly name: string | undefined;
  /** Aligned columns for the chart, times in epoch seconds (the chart library's unit). */
  readonly times: number[];
  readonly quantity: (number | null)[];
  readonly low: (number | null)[];
  readonly high: (number | null)[];
  /** Present only when the price changed within the period. */
  readonly price: (number | null)[] | undefined;
  readonly markers: Marker[];
  readonly findings: string[];
}

/**
 * The facts a period's figures come from: those before its end (the domain counts each
 * recovery and effect in the period it happened in).
 */
const factsOfPeriod = (facts: readonly LedgerFact[], until: number) =>
  facts.filter((f) => Date.parse(f.occurredAt) < until);

/** Every item as one, so the report's percentiles are over all items of a level. */
const asOneItem = (facts: readonly LedgerFact[]): LedgerFact[] =>
  facts.map((f) => ({ ...f, sku: '*', location: '*' }));

/**
 * The summary: per level the alerts, time to recover (p50/p90 over all items) and stockout
 * hours, and the effects by strategy and outcome, each beside the same figure for the period
 * of the same length before. `alertFacts` must reach back a look-back before `previousSince`.
 */
export const summaryOf = (
  alertFacts: readonly LedgerFact[],
  since: number,
  until: number,
): ReportSummary => {
  const previousSince = since - (until - since);
  const periods = [
    [since, until],
    [previousSince, since],
  ] as const;
  const [now, before] = periods.map(([from, to]) =>
    effectiveness(asOneItem(factsOfPeriod(alertFacts, to)), new Date(from), new Date(to)),
  ) as [EffectivenessReport, EffectivenessReport];
  const levels = LEVELS.map((level) => {
    const [n, b] = [now, before].map((r) => r.items.find((i) => i.level === level));
    const figure = (label: string, value: (r: typeof n) => string): Compared => ({
      label,
      now: value(n),
      before: value(b),
    });
    return {
      level,
      figures: [
        figure('alerts', (r) => String(r?.alerts ?? 0)),
        figure('time to recover p50', (r) => humanDuration(r?.recoverP50Ms) || '–'),
        figure('time to recover p90', (r) => humanDuration(r?.recoverP90Ms) || '–'),
        ...(level === 'OUT_OF_STOCK'
          ? [figure('stockout time', (r) => humanDuration(r?.stockoutMs ?? 0))]
          : []),
      ],
    };
  });
  return {
    since: new Date(since).toISOString(),
    until: new Date(until).toISOString(),
    previousSince: new Date(previousSince).toISOString(),
    levels,
    effects: effectsCompared(alertFacts, previousSince, since, until),
  };
};

/** Entries per strategy and outcome made in each period, most frequent now first. */
const effectsCompared = (
  facts: readonly LedgerFact[],
  previousSince: number,
  since: number,
  until: number,
): ReportSummary['effects'] => {
  const inPeriod = (from: number, to: number) =>
    effectiveness(
      facts.filter((f) => Date.parse(f.occurredAt) >= from && Date.parse(f.occurredAt) < to),
      new Date(from),
      new Date(to),
    ).effects;
  const now = inPeriod(since, until);
  const before = inPeriod(previousSince, since);
  const key = (e: { strategy: string; outcome: string }) => `${e.strategy} ${e.outcome}`;
  const rows = new Map<string, ReportSummary['effects'][number]>();
  for (const e of now) rows.set(key(e), { ...e, now: e.count, before: 0 });
  for (const e of before) {
    const row = rows.get(key(e));
    rows.set(key(e), {
      strategy: e.strategy,
      outcome: e.outcome,
      now: row?.now ?? 0,
      before: e.count,
    });
  }
  return [...rows.values()].sort((a, b) => b.now - a.now || b.before - a.before);
};

/** The markers of an item's ledger entries inside the period, at the quantity then. */
export const markersOf = (
  entries: readonly LedgerEntry[],
  samples: readonly StockSample[],
  since: number,
  until: number,
): Marker[] => {
  const markers: Marker[] = [];
  const seen = new Set<string>();
  for (const entry of entries) {
    for (const marker of entryMarkers(entry)) {
      const id = `${marker.kind} ${entry.alertId} ${entry.transition} ${marker.at}`;
      if (marker.at < since || marker.at > until || seen.has(id)) continue;
      seen.add(id);
      markers.push({ ...marker, quantity: quantityAt(samples, marker.at), stack: 0 });
    }
  }
  return stacked(markers.sort((a, b) => a.at - b.at));
};

/** Numbers the effects (not alert transitions) that share a minute: 0, 1, 2, … */
const stacked = (markers: readonly Marker[]): Marker[] => {
  const perMinute = new Map<number, number>();
  return markers.map((m) => {
    if (m.kind === 'triggered' || m.kind === 'resolved') return m;
    const minute = Math.floor(m.at / 60_000);
    const stack = perMinute.get(minute) ?? 0;
    perMinute.set(minute, stack + 1);
    return { ...m, stack };
  });
};

const LEVEL_NAMES: Record<Level, string> = {
  OUT_OF_STOCK: 'out of stock',
  LOW_STOCK: 'low stock',
  OVERSTOCK: 'overstock',
};

/**
 * What one ledger entry shows: the alert's transition (once per alert, whatever the number of
 * strategies), and the effect when it was applied, at the time it was made.
 */
const entryMarkers = (entry: LedgerEntry): Omit<Marker, 'quantity' | 'stack'>[] => {
  const level = entry.level;
  const transition: Omit<Marker, 'quantity' | 'stack'> = {
    at: Date.parse(entry.occurredAt),
    kind: entry.transition === 'TRIGGERED' ? 'triggered' : 'resolved',
    level,
    label: `${LEVEL_NAMES[level]} ${entry.transition === 'TRIGGERED' ? 'triggered' : 'resolved'}`,
  };
  const at = Date.parse(entry.at);
  const effect = (kind: MarkerKind, label: string) => [{ at, kind, level, label }];
  const decision = entry.decision as { kind: string; quantity?: number } | undefined;
  const isOperator =
    entry.strategy === 'receive-order' || entry.strategy === 'threshold-suggestion';
  const transitions = isOperator ? [] : [transition];
  if (entry.strategy === 'receive-order')
    return effect('order-received', `order received: ${decision?.quantity ?? '?'} units`);
  if (entry.outcome !== 'applied' || !entry.decision) return transitions;
  const d = entry.decision;
  switch (d.kind) {
    case 'purchase-order':
      return [...transitions, ...effect('order-raised', `order raised: ${d.quantity} units`)];
    case 'direct-restock':
      return [...transitions, ...effect('restock', `restock +${d.quantity} from ${d.source}`)];
    case 'reduce':
      return [...transitions, ...effect('reduction', `reduction −${d.quantity}`)];
    case 'reprice':
      return [...transitions, ...effect('reprice', `price ${d.from} → ${d.to}`)];
    case 'pause-listing':
      return [
        ...transitions,
        ...effect('listing', d.listed ? 'listing resumed' : 'listing paused'),
      ];
    default:
      return transitions;
  }
};

/**
 * The aligned columns of an item's chart: one row per quantity sample, threshold step and
 * marker, from `since` to `until`, the quantity held between samples (a gap where deleted),
 * the price only when it changed inside the period.
 */
export const chartColumns = (
  samples: readonly StockSample[],
  steps: readonly ThresholdStep[],
  markers: readonly Marker[],
  since: number,
  until: number,
): Pick<ItemChart, 'times' | 'quantity' | 'low' | 'high' | 'price'> => {
  const times = [
    ...new Set([
      since,
      until,
      ...samples.map((s) => s.at),
      ...steps.map((s) => s.at),
      ...markers.map((m) => m.at),
    ]),
  ]
    .filter((t) => t >= since && t <= until)
    .sort((a, b) => a - b);
  // A step chart draws a value up to the next one only where that one is not a gap: the last
  // quantity before a delete gets a row of its own just before it.
  for (const [i, sample] of samples.entries()) {
    const before = samples[i - 1];
    if (sample.quantity === null && before && before.quantity !== null && sample.at - 1 > since)
      times.push(sample.at - 1);
  }
  times.sort((a, b) => a - b);
  const stepAt = (t: number) => steps.findLast((s) => s.at <= t) ?? steps[0];
  const sampleAt = (t: number) => samples.findLast((s) => s.at <= t);
  const prices = times.map((t) => sampleAt(t)?.price ?? null);
  const priceChanged = new Set(prices.filter((p) => p !== null)).size > 1;
  return {
    times: times.map((t) => t / 1000),
    quantity: times.map((t) => sampleAt(t)?.quantity ?? null),
    low: times.map((t) => stepAt(t)?.low ?? null),
    high: times.map((t) => stepAt(t)?.high ?? null),
    price: priceChanged ? prices : undefined,
  };
};

/** What the suggestion (the `thresholds suggest` row) says, as the report reads it. */
export interface SuggestionFigures {
  readonly current: unknown;
  readonly suggested: unknown;
  readonly basis: unknown;
  readonly daysOfCover: unknown;
  readonly stockoutRisk: unknown;
}

/**
 * The findings under an item's chart, each a sentence computed from the period's figures and
 * the `thresholds suggest` row: stockouts, order lead times against the rule's, and where the
 * demand-derived threshold stands against the one in force.
 */
export const findingsOf = (input: {
  readonly stockouts: { count: number; ms: number };
  readonly orderDurationsMs: readonly number[];
  readonly leadTimeDays: number;
  readonly suggestion: SuggestionFigures | undefined;
  readonly samples: number;
}): string[] => {
  const { stockouts, orderDurationsMs, leadTimeDays, suggestion } = input;
  const findings: string[] = [];
  findings.push(
    stockouts.count > 0
      ? `Out of stock ${stockouts.count} time(s), ${humanDuration(stockouts.ms)} in total in this period.`
      : 'Not out of stock in this period.',
  );
  if (orderDurationsMs.length > 0) {
    const mean = orderDurationsMs.reduce((a, b) => a + b, 0) / orderDurationsMs.length;
    findings.push(
      `${orderDurationsMs.length} order(s) received, after ${(mean / DAY_MS).toFixed(1)} days on average against a ${leadTimeDays}-day lead time.`,
    );
  }
  if (suggestion) findings.push(suggestionFinding(suggestion));
  if (input.samples === 0) findings.push('No quantity history was recorded in this period.');
  return findings;
};

const suggestionFinding = (s: SuggestionFigures): string => {
  const current = typeof s.current === 'number' ? s.current : undefined;
  const suggested = Number(s.suggested);
  const basis = String(s.basis);
  if (!basis.startsWith('demand'))
    return `No demand-derived threshold yet (${basis}); the low-stock threshold in force is ${current ?? 'none'}.`;
  const compare =
    current === undefined
      ? 'and no low-stock threshold is in force'
      : suggested === current
        ? `the same as the one in force`
        : `${suggested > current ? 'above' : 'below'} the one in force (${current})`;
  const cover = s.daysOfCover === '' ? '' : `; ${s.daysOfCover} days of cover`;
  const risk =
    s.stockoutRisk === '' ? '' : `, ${s.stockoutRisk} risk of a stockout within the lead time`;
  return `The demand-derived threshold (${suggested}, ${basis}) is ${compare}${cover}${risk}.`;
};
