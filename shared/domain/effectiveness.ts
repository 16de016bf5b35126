import { itemKeyOf } from '../contracts/inventory.js';
import { decodeKeyParts, encodeKeyParts } from '../contracts/keys.js';
import type { LedgerEntry } from './ledger.js';
import type { Level } from './levels.js';

/** The part of a ledger entry the effectiveness report reads. */
export type LedgerFact = Pick<
  LedgerEntry,
  'alertId' | 'transition' | 'level' | 'sku' | 'location' | 'strategy' | 'outcome' | 'occurredAt'
>;

export interface ItemLevelReport {
  readonly sku: string;
  readonly location: string;
  readonly level: Level;
  readonly alerts: number;
  readonly stillOpen: number;
  /** Time from trigger to resolve, over the alerts that resolved (ms). */
  readonly recoverP50Ms: number | undefined;
  readonly recoverP90Ms: number | undefined;
  /** Time spent out of stock inside the window (OUT_OF_STOCK only; open alerts count up to now). */
  readonly stockoutMs: number;
}

export interface EffectivenessReport {
  readonly since: string;
  readonly until: string;
  readonly items: ItemLevelReport[];
  readonly effects: { strategy: string; outcome: string; count: number }[];
  readonly mostAlerting: { sku: string; location: string; alerts: number }[];
}

/** Nearest-rank percentile of sorted values. */
export const percentile = (sorted: readonly number[], p: number): number | undefined => {
  if (sorted.length === 0) return undefined;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
};

/** One alert's crossing of one level: when it triggered and when it resolved, if seen. */
interface Crossing {
  sku: string;
  location: string;
  level: Level;
  triggered?: number;
  resolved?: number;
}

/** Per item and level, the tallies the report is built from. */
interface ItemLevelTally {
  sku: string;
  location: string;
  level: Level;
  alerts: number;
  open: number;
  recover: number[];
  stockout: number;
}

/**
 * How well stock recovers, from the audit ledger: per item and level the alerts raised, how
 * long recovery took (p50/p90), stockout time within the window, plus effects by strategy and
 * outcome and the items that alert most. Triggers before `since` that resolve inside it count
 * for their time inside the window only.
 */
export const effectiveness = (
  facts: readonly LedgerFact[],
  since: Date,
  until: Date,
): EffectivenessReport => {
  const tallies = tallyItemLevels(crossingsOf(facts), since.getTime(), until.getTime());
  const items = itemLevelReports(tallies);
  return {
    since: since.toISOString(),
    until: until.toISOString(),
    items,
    effects: effectCounts(
      facts.filter((f) => {
        const at = Date.parse(f.occurredAt);
        return at >= since.getTime() && at <= until.getTime();
      }),
    ),
    mostAlerting: mostAlerting(items),
  };
};

/** Pairs each alert's TRIGGERED and RESOLVED facts per level, in ledger order. */
const crossingsOf = (facts: readonly LedgerFact[]): Map<string, Crossing> => {
  const crossings = new Map<string, Crossing>();
  for (const fact of facts) {
    const key = encodeKeyParts([fact.alertId, fact.level]);
    const crossing = crossings.get(key) ?? {
      sku: fact.sku,
      location: fact.location,
      level: fact.level,
    };
    const at = Date.parse(fact.occurredAt);
    if (fact.transition === 'TRIGGERED') crossing.triggered = at;
    else crossing.resolved = at;
    crossings.set(key, crossing);
  }
  return crossings;
};

/** Counts alerts, open alerts, recovery times and in-window stockout time per item and level. */
const tallyItemLevels = (
  crossings: Map<string, Crossing>,
  windowStart: number,
  windowEnd: number,
): Map<string, ItemLevelTally> => {
  const byItem = new Map<string, ItemLevelTally>();
  for (const c of crossings.values()) {
    // Escaped parts, so items whose sku or location hold the separator stay apart.
    const key = encodeKeyParts([c.sku, c.location, c.level]);
    const row = byItem.get(key) ?? {
      sku: c.sku,
      location: c.location,
      level: c.level,
      alerts: 0,
      open: 0,
      recover: [],
      stockout: 0,
    };
    if (c.triggered !== undefined && c.triggered >= windowStart) row.alerts++;
    if (c.triggered !== undefined && c.resolved === undefined) row.open++;
    // A recovery belongs to the period it ended in: the look-back reads crossings that began
    // earlier, and one that also ended earlier was counted by the period before.
    if (
      c.triggered !== undefined &&
      c.resolved !== undefined &&
      c.resolved >= windowStart &&
      c.resolved <= windowEnd
    )
      row.recover.push(c.resolved - c.triggered);
    if (c.level === 'OUT_OF_STOCK') {
      const start = Math.max(windowStart, c.triggered ?? windowStart);
      const end = Math.min(windowEnd, c.resolved ?? windowEnd);
      if (end > start) row.stockout += end - start;
    }
    byItem.set(key, row);
  }
  return byItem;
};

/** One report row per item and level, most alerting first. */
const itemLevelReports = (tallies: Map<string, ItemLevelTally>): ItemLevelReport[] =>
  [...tallies.values()]
    .map((row) => {
      const sorted = [...row.recover].sort((a, b) => a - b);
      return {
        sku: row.sku,
        location: row.location,
        level: row.level,
        alerts: row.alerts,
        stillOpen: row.open,
        recoverP50Ms: percentile(sorted, 50),
        recoverP90Ms: percentile(sorted, 90),
        stockoutMs: row.stockout,
      };
    })
    .sort(
      (a, b) => b.alerts - a.alerts || a.sku.localeCompare(b.sku) || a.level.localeCompare(b.level),
    );

/** How many ledger entries each strategy and outcome produced, most frequent first. */
const effectCounts = (facts: readonly LedgerFact[]): EffectivenessReport['effects'] => {
  const effects = new Map<string, number>();
  for (const fact of facts) {
    const effect = encodeKeyParts([fact.strategy, fact.outcome]);
    effects.set(effect, (effects.get(effect) ?? 0) + 1);
  }
  return [...effects]
    .map(([key, count]) => {
      const [strategy = '', outcome = ''] = decodeKeyParts(key);
      return { strategy, outcome, count };
    })
    .sort((a, b) => b.count - a.count);
};

/** The ten items with the most alerts over all levels. */
const mostAlerting = (items: readonly ItemLevelReport[]): EffectivenessReport['mostAlerting'] => {
  const perItem = new Map<string, { sku: string; location: string; alerts: number }>();
  for (const row of items) {
    const key = itemKeyOf(row);
    const current = perItem.get(key) ?? { sku: row.sku, location: row.location, alerts: 0 };
    current.alerts += row.alerts;
    perItem.set(key, current);
  }
  return [...perItem.values()]
    .filter((i) => i.alerts > 0)
    .sort((a, b) => b.alerts - a.alerts)
    .slice(0, 10);
};

/** `1h 5m`, `42s`, `3d 4h`: a duration for people. */
export const humanDuration = (ms: number | undefined): string => {
  if (ms === undefined) return '';
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds}s`;
  const parts: [number, string][] = [
    [Math.floor(seconds / 86_400), 'd'],
    [Math.floor((seconds % 86_400) / 3600), 'h'],
    [Math.floor((seconds % 3600) / 60), 'm'],
  ];
  return parts
    .filter(([n]) => n > 0)
    .slice(0, 2)
    .map(([n, u]) => `${n}${u}`)
    .join(' ');
};
