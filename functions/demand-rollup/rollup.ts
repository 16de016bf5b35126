import type { Logger } from '@aws-lambda-powertools/logger';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { dayBefore, type RollupResult } from '../../shared/adapters/demand-journal.js';
import { MetricName } from '../../shared/contracts/metrics.js';
import { utcDayOf } from '../../shared/domain/stock-history.js';

/** What the demand-rollup talks to; the handler wires AWS clients, the sandbox local ones. */
export interface DemandRollupDeps {
  /** Folds one day's journal into its demand days (adapters/demand-journal `rollUpDay`). */
  readonly rollUpDay: (day: string) => Promise<RollupResult>;
  readonly logger: Logger;
  readonly metrics: Metrics;
}

/** What the schedule sends (its time), or a repair's own day (yyyy-mm-dd). */
export interface DemandRollupEvent {
  readonly time?: string;
  readonly day?: string;
}

/**
 * When the schedule runs, in minutes after midnight UTC: late enough for the recorder's
 * batching window (at most 5 minutes) to have journaled the last minutes of the day before.
 */
export const DEMAND_ROLLUP_MINUTES_AFTER_MIDNIGHT = 30;

/**
 * Lambda's retries of a failed night's run (an asynchronous invocation): the run is a plain
 * re-fold and re-put, so a retry after a throttled call finishes what the first began.
 */
export const DEMAND_ROLLUP_RETRY_ATTEMPTS = 2;

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * The days a run rolls up: the day asked for, or, at a scheduled time, the day before it (its
 * first pass) and the day before that (its second: the stream keeps a record 24 hours, so a
 * batch of that day can be journaled up to a day late), the older first, so the marker ends on
 * the newer.
 */
export const daysToRollUp = (event: DemandRollupEvent): string[] => {
  if (event.day !== undefined) {
    if (!DAY.test(event.day) || Number.isNaN(Date.parse(`${event.day}T00:00:00Z`)))
      throw new RangeError(`day must be a UTC day as yyyy-mm-dd, got ${JSON.stringify(event.day)}`);
    return [event.day];
  }
  const at = new Date(event.time ?? Number.NaN);
  if (Number.isNaN(at.getTime()))
    throw new RangeError(`The schedule's event has no time: ${String(event.time)}`);
  const yesterday = dayBefore(utcDayOf(at));
  return [dayBefore(yesterday), yesterday];
};

/**
 * The demand-rollup use case: rolls up each of its days in turn, counting what it folded and
 * wrote, and reporting (log and metric) deltas whose spans overlap without nesting, which
 * Lambda's redelivery should never produce and the fold counts twice rather than lose.
 */
export const createDemandRollup =
  (deps: DemandRollupDeps) =>
  async (event: DemandRollupEvent): Promise<RollupResult[]> => {
    const { logger, metrics } = deps;
    const results: RollupResult[] = [];
    for (const day of daysToRollUp(event)) {
      const result = await deps.rollUpDay(day);
      results.push(result);
      logger.info('Demand day rolled up', {
        day,
        deltas: result.deltas,
        itemDays: result.itemDays,
        written: result.written,
      });
      for (const overlap of result.overlaps)
        logger.error('Demand journal spans overlap without nesting: both counted', { overlap });
      metrics.addMetric(MetricName.DemandDaysRolledUp, MetricUnit.Count, result.itemDays);
      metrics.addMetric(MetricName.DemandDaysRollupWritten, MetricUnit.Count, result.written);
      metrics.addMetric(MetricName.DemandSpanOverlaps, MetricUnit.Count, result.overlaps.length);
    }
    return results;
  };
