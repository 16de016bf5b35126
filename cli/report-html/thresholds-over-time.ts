import { DAY_MS, dayStart, utcDayOf } from '../../shared/domain/days.js';
import {
  type DemandPolicy,
  demandSeries,
  deriveThresholds,
  rollingStatistics,
} from '../../shared/domain/demand.js';
import type { LedgerEntry } from '../../shared/domain/ledger.js';
import { isAutoLowStock, type Rule } from '../../shared/domain/rules.js';
import { type ItemThresholds, thresholdsInForce } from '../../shared/domain/thresholds.js';
import type { ThresholdStep } from './model.js';

/**
 * The low and overstock thresholds an item was judged by over the period, as steps, rebuilt
 * from what is stored: the rule in force now, the thresholds before and after each applied
 * suggestion (the ledger's `threshold-suggestion` entries), and for an `auto` LOW_STOCK the
 * value derived from the demand totals of the window before each day, with the same functions
 * as the monitor (the monitor caches a derived value for up to 15 minutes, so a step may come
 * that much later in its judgements).
 */
export const thresholdSteps = (input: {
  readonly rule: Rule | undefined;
  readonly item: ItemThresholds;
  readonly suggestions: readonly LedgerEntry[];
  readonly demandDays: readonly { day: string; unitsSold: number }[];
  readonly since: number;
  readonly until: number;
}): ThresholdStep[] => {
  const { rule, item, since, until } = input;
  if (!rule) return [{ at: since, ...fromItem(item) }];
  const suggestions = [...input.suggestions].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  const times = new Set([since, ...suggestions.map((s) => Date.parse(s.at))]);
  const autoAnywhere = [rule.thresholds, ...suggestions.map(thresholdsBefore)].some(
    (t) => t?.LOW_STOCK === 'auto',
  );
  if (autoAnywhere)
    for (let day = dayStart(utcDayOf(since)) + DAY_MS; day <= until; day += DAY_MS) times.add(day);
  const steps = [...times]
    .filter((t) => t >= since && t <= until)
    .sort((a, b) => a - b)
    .map((at) => {
      const ruleThen = { ...rule, thresholds: ruleThresholdsAt(rule, suggestions, at) };
      const derived = isAutoLowStock(ruleThen)
        ? derivedLowStock(ruleThen.demand, input.demandDays, at)
        : undefined;
      const { thresholds } = thresholdsInForce(ruleThen, item, derived);
      return { at, low: thresholds.LOW_STOCK, high: thresholds.OVERSTOCK };
    });
  // Only the steps where something changed.
  return steps.filter(
    (s, i) => i === 0 || s.low !== steps[i - 1]?.low || s.high !== steps[i - 1]?.high,
  );
};

const fromItem = (item: ItemThresholds) => ({ low: item.LOW_STOCK, high: item.OVERSTOCK });

const thresholdsBefore = (entry: LedgerEntry) =>
  (entry.before as { thresholds?: Rule['thresholds'] }).thresholds;
const thresholdsAfter = (entry: LedgerEntry) =>
  (entry.after as { thresholds?: Rule['thresholds'] }).thresholds;

/**
 * The rule's thresholds at a time: before the first applied suggestion, what it replaced;
 * between two, what the earlier one set; after the last, the rule as it is now.
 */
const ruleThresholdsAt = (
  rule: Rule,
  suggestions: readonly LedgerEntry[],
  at: number,
): Rule['thresholds'] => {
  const next = suggestions.findIndex((s) => Date.parse(s.at) > at);
  if (next === -1) return rule.thresholds;
  const entry = next === 0 ? undefined : suggestions[next - 1];
  return (
    (entry ? thresholdsAfter(entry) : thresholdsBefore(suggestions[0] as LedgerEntry)) ??
    rule.thresholds
  );
};

/** The LOW_STOCK derived from the `windowDays` complete days before the day of `at`. */
const derivedLowStock = (
  policy: DemandPolicy,
  days: readonly { day: string; unitsSold: number }[],
  at: number,
): number => {
  const firstDay = dayStart(utcDayOf(at)) - policy.windowDays * DAY_MS;
  const series = demandSeries(days, utcDayOf(firstDay), policy.windowDays);
  return deriveThresholds(rollingStatistics(series), policy).lowStock;
};
