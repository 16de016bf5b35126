import type { Logger } from '@aws-lambda-powertools/logger';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { RollupResult } from '../../shared/adapters/demand-journal.js';
import { MetricName } from '../../shared/contracts/metrics.js';
import { utcDayOf } from '../../shared/domain/days.js';
import {
  type RollupStep,
  repairDayProblem,
  repairStep,
  scheduledSteps,
} from '../../shared/domain/rollup-plan.js';

/** What the demand-rollup talks to; the handler wires AWS clients, the sandbox local ones. */
export interface DemandRollupDeps {
  /** Folds one day's journal into its demand days, moving the marker if asked (adapters/demand-journal `rollUpDay`). */
  readonly rollUpDay: (day: string, moveMarkerFrom?: string | null) => Promise<RollupResult>;
  /** The roll-up marker: the last day demand is complete through, if any. */
  readonly rolledUpThrough: () => Promise<string | undefined>;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly clock?: () => Date;
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

/**
 * The steps of a run (domain/rollup-plan): a repair's day, checked as the CLI checks it, or at
 * a scheduled time every final pass the marker is behind by, then yesterday's first look.
 */
export const stepsOf = async (
  event: DemandRollupEvent,
  deps: Pick<DemandRollupDeps, 'rolledUpThrough' | 'clock'>,
): Promise<{ steps: RollupStep[]; skipped: string[] }> => {
  const today = utcDayOf(deps.clock?.() ?? new Date());
  if (event.day !== undefined) {
    const problem = repairDayProblem(event.day, today);
    if (problem) throw new RangeError(`day: ${problem}`);
    return { steps: [repairStep(event.day, today)], skipped: [] };
  }
  const at = new Date(event.time ?? Number.NaN);
  if (Number.isNaN(at.getTime()))
    throw new RangeError(`The schedule's event has no time: ${String(event.time)}`);
  return scheduledSteps(utcDayOf(at), await deps.rolledUpThrough());
};

/**
 * The demand-rollup use case: rolls up each step's day in turn, counting what it folded and
 * wrote, and reporting (log and metric) deltas whose spans overlap without nesting, which
 * Lambda's redelivery should never produce and the fold counts twice rather than lose, and days
 * a run found past the journal's retention (lost: nights failed for a week).
 */
export const createDemandRollup =
  (deps: DemandRollupDeps) =>
  async (event: DemandRollupEvent): Promise<RollupResult[]> => {
    const { logger, metrics } = deps;
    const { steps, skipped } = await stepsOf(event, deps);
    if (skipped.length > 0)
      logger.error(
        'Demand days past the journal retention were never rolled up: they read as no sales',
        { skipped },
      );
    metrics.addMetric(MetricName.DemandDaysLost, MetricUnit.Count, skipped.length);
    const results: RollupResult[] = [];
    for (const step of steps) {
      const result = await deps.rollUpDay(step.day, step.moveMarkerFrom);
      results.push(result);
      logger.info('Demand day rolled up', {
        day: step.day,
        deltas: result.deltas,
        itemDays: result.itemDays,
        written: result.written,
        markerMoved: result.markerMoved,
      });
      for (const overlap of result.overlaps)
        logger.error('Demand journal spans overlap without nesting: both counted', { overlap });
      metrics.addMetric(MetricName.DemandDaysRolledUp, MetricUnit.Count, result.itemDays);
      metrics.addMetric(MetricName.DemandDaysRollupWritten, MetricUnit.Count, result.written);
      metrics.addMetric(MetricName.DemandSpanOverlaps, MetricUnit.Count, result.overlaps.length);
    }
    return results;
  };
