/**
 * The redelivery and faults drills: one seeded scenario played on fresh sandboxes, each run's
 * output compared with a clean run's.
 */

import { paginateScan } from '@aws-sdk/lib-dynamodb';
import { listKind } from '../../cli/control-items.js';
import { Sandbox } from '../../sandbox/sandbox.js';
import { dayBefore, utcDayOf } from '../../shared/domain/days.js';
import {
  controlTarget,
  DRILL_RULES,
  type DrillRow,
  lastDay,
  patientConfig,
  sandboxPrefix,
  waves,
} from './common.js';

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

/** What came out of one run of the scenario. */
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
  /** Units sold as the demand-recorder journaled them and the roll-up counted them, over every item and day. */
  unitsSold: number;
  deadLetters: number;
}

/**
 * The sum of every demand day total in the control table (a drill may scan; the pipeline never
 * does), once the roll-up has folded the journal of the days the drill ran on, as it does each
 * night: the journal's redelivered and bisected batches are counted once there, or not at all.
 */
const unitsSold = async (sandbox: Sandbox): Promise<number> => {
  const today = utcDayOf(new Date());
  // Its clients see the drill's faults too: retried as the schedule's invocation is.
  for (const day of [dayBefore(today), today])
    await sandbox.rollUpDemand(day, { asScheduled: true });
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
  const target = controlTarget(sandbox);
  const today = lastDay();
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
export const play = async (
  endpoint: string,
  changes: number,
  options: { deliveries?: number; faultRate?: number },
) => {
  const sandbox = await Sandbox.create({
    endpoint,
    prefix: sandboxPrefix('drill'),
    config: patientConfig({ retryAttempts: 10 }),
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
  // An event whose three runs all met a fault is in the executor's DLQ, as on AWS: redriven
  // once, as an operator would, it must come out once. What fails again counts as lost.
  const redriven = await sandbox.redriveBusDeadLetters(600_000);
  const after = await tally(sandbox);
  const injected = sandbox.faultHandlers.reduce((sum, h) => sum + h.injected, 0);
  await sandbox.stop();
  const delta = Object.fromEntries(
    Object.entries(after).map(([k, v]) => [k, v - before[k as keyof Tally]]),
  ) as unknown as Tally;
  return { tally: delta, injected, redriven };
};

/**
 * A run's row against the clean reference: a surplus counts as duplicates, a shortfall and
 * dead letters as losses.
 */
export const compare = (
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
