/** The ordering drill: the scenario under each batching of the stream, checked and compared. */

import type { StreamBatching } from '../../sandbox/stream-poller.js';
import type { DrillRow } from './common.js';
import {
  checkOrdering,
  noViolations,
  type ViolationKind,
  type ViolationTally,
} from './ordering-check.js';
import { playOrdering } from './ordering-play.js';
import { orderingScenario } from './ordering-scenario.js';

/**
 * The batchings each run of the drill reads the stream with, and how often its reader polls:
 * "all in one" polls seldom, so that each batch holds all that was written meanwhile, several
 * changes of one item among them.
 */
const ORDERING_BATCHINGS: [string, StreamBatching, number][] = [
  ['one per batch', 'one', 50],
  ['all in one', 'all', 500],
  ['random splits', { random: { seed: 17 } }, 100],
];

/** Adds one run's violations to the total; an example keeps the batching it was found under. */
const addViolations = (
  total: Map<ViolationKind, ViolationTally>,
  violations: Map<ViolationKind, ViolationTally>,
  name: string,
) => {
  for (const [kind, tally] of violations) {
    const sum = total.get(kind) as ViolationTally;
    sum.count += tally.count;
    if (tally.example) sum.example ??= `[${name}] ${tally.example}`;
  }
};

/** Batching violations: `watch` level changes given under one batching and not the other. */
const compareWatchChanges = (
  total: Map<ViolationKind, ViolationTally>,
  reference: { name: string; changes: string[] },
  name: string,
  watchChanges: string[],
) => {
  const mine = [...watchChanges];
  const missing: string[] = [];
  for (const c of reference.changes) {
    const at = mine.indexOf(c);
    if (at === -1) missing.push(c);
    else mine.splice(at, 1);
  }
  const sum = total.get('batching') as ViolationTally;
  sum.count += missing.length + mine.length;
  const first = missing[0] ?? mine[0];
  if (first)
    sum.example ??= `${first.replaceAll('|', ' ')}: ${missing[0] ? `given under ${reference.name}, not under ${name}` : `given under ${name}, not under ${reference.name}`}`;
};

/** What the ordering drill's runs add up to, for its row. */
interface OrderingCounts {
  reordered: number;
  redelivered: number;
  ruleEdits: number;
  shopChanges: number;
  records: number;
}

/** The ordering drill's row: its load, the violations by kind, and what the runs went through. */
const orderingRow = (
  total: Map<ViolationKind, ViolationTally>,
  counts: OrderingCounts,
): DrillRow => {
  const violations = [...total.values()].reduce((sum, t) => sum + t.count, 0);
  const byKind = [...total]
    .filter(([, t]) => t.count > 0)
    .map(([kind, t]) => `${kind} ${t.count}`)
    .join(', ');
  return {
    drill: 'ordering',
    load: `${counts.shopChanges} changes × ${ORDERING_BATCHINGS.length} batchings`,
    faultsInjected: 0,
    reordered: counts.reordered,
    ruleEdits: counts.ruleEdits,
    duplicates: 0,
    losses: 0,
    violations,
    detail: `${counts.records} records judged, ${counts.redelivered} late redeliveries${byKind ? `; ${byKind}` : ''}`,
  };
};

/**
 * Deliveries to the executors shuffled, delayed and some delivered again late; rules edited
 * mid-stream; item thresholds moving; sales during restocks and reduces. Each run (one per
 * batching of the stream) is checked against the reference model, and the `watch` items, whose
 * stream is the shop's alone, must give the same level changes under every batching.
 */
export const orderingDrill = async (
  endpoint: string,
  changes: number,
): Promise<{ row: DrillRow; examples: Map<ViolationKind, ViolationTally> }> => {
  const scenario = orderingScenario(changes);
  const total = noViolations();
  const watched = new Set(scenario.items.filter((i) => i.category === 'watch').map((i) => i.sku));
  let reference: { name: string; changes: string[] } | undefined;
  const counts: OrderingCounts = {
    reordered: 0,
    redelivered: 0,
    ruleEdits: 0,
    shopChanges: 0,
    records: 0,
  };
  for (const [name, batching, pollIntervalMs] of ORDERING_BATCHINGS) {
    const run = await playOrdering(endpoint, scenario, batching, name, pollIntervalMs);
    const { violations, levelChanges } = checkOrdering(run);
    addViolations(total, violations, name);
    const watchChanges = levelChanges.filter((c) => watched.has(c.split('|')[0] ?? '')).sort();
    if (!reference) reference = { name, changes: watchChanges };
    else compareWatchChanges(total, reference, name, watchChanges);
    counts.reordered += run.reordered;
    counts.redelivered += run.redelivered;
    counts.ruleEdits = run.ruleEdits;
    counts.shopChanges = run.shopChanges;
    counts.records += run.judged.length;
  }
  return { row: orderingRow(total, counts), examples: total };
};
