/** Checks an ordering run against the reference model, one promise at a time. */

import {
  expectedAlerts,
  expectedListed,
  MODEL_LEVELS,
  type ModelChange,
  type ModelLevel,
  priceMoveViolation,
  reduceViolation,
  restockViolation,
} from '../ordering-model.js';
import { image, type Judged, type OrderingRun } from './ordering-play.js';
import {
  INITIAL_THRESHOLDS,
  ORDERING_HYSTERESIS,
  ORDERING_STRATEGIES,
  type OrderingCategory,
  REDUCE_DOWN_TO,
  RESTOCK_MAX,
} from './ordering-scenario.js';

/** Violations of one kind, with the first as an example a person can follow. */
export interface ViolationTally {
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
export type ViolationKind = (typeof VIOLATION_KINDS)[number];

/** A tally of every kind of violation, none found yet. */
export const noViolations = () =>
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
export const checkOrdering = (run: OrderingRun) => {
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
