/**
 * Which days the demand roll-up folds, and when the roll-up marker ("demand is complete through
 * this day") may move: pure, so the schedule, the Lambda's repair event and the CLI's repair
 * share one set of rules.
 *
 * A day's journal is final two nights on: the stream keeps a record 24 hours, so a batch of day
 * D can be journaled until the end of D+1. So the night of D+2 rolls up D for good (its final
 * pass) and only then may the marker reach D; D+1 is rolled up the night before as a first look
 * (the HTML report and repairs), without moving the marker. The marker moves one day at a time,
 * so it never passes a day that was not rolled up; a run after missed nights catches up every
 * day still in the journal.
 */

import { dayAfter, dayBefore, utcDayOf } from './days.js';

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * How long a journal entry is kept after its day begins: the roll-up reads it within two days,
 * and a week leaves time to repair a day by hand. A day older than the retention may have lost
 * entries to TTL, so it is never rolled up again.
 */
export const JOURNAL_RETENTION_DAYS = 7;

/** The last day whose journal is final on `today` (no batch of it can still be journaled): the day before yesterday. */
export const lastFinalDay = (today: string): string => dayBefore(dayBefore(today));

/** The oldest day whose journal is still whole on `today`: its entries expire after `today`. */
export const oldestRollableDay = (today: string): string => {
  let day = today;
  for (let i = 1; i < JOURNAL_RETENTION_DAYS; i++) day = dayBefore(day);
  return day;
};

/**
 * What is wrong with rolling up `day` by hand on `today`, or undefined: not a real UTC day, a
 * day not over yet (its demand would read as complete), or a day whose journal may have been
 * partly deleted by TTL (a repair would overwrite right totals with part of them).
 */
export const repairDayProblem = (day: string, today: string): string | undefined => {
  if (!DAY.test(day) || utcDayOf(new Date(`${day}T00:00:00Z`)) !== day)
    return `a day is a UTC day as yyyy-mm-dd, got ${JSON.stringify(day)}`;
  if (day >= today)
    return `${day} is not over yet (today is ${today} UTC): roll up a day before today`;
  const oldest = oldestRollableDay(today);
  if (day < oldest)
    return `${day}'s journal is past its ${JOURNAL_RETENTION_DAYS}-day retention and may be incomplete: only days from ${oldest} can be rolled up again`;
  return undefined;
};

/** One day of a run: fold it, and, if `moveMarkerFrom` is set, move the marker from there to it. */
export interface RollupStep {
  readonly day: string;
  /**
   * The marker the step moves on to `day` (`null`: none exists yet); absent: the step leaves the
   * marker alone (a first look, or a repair that would leave a gap).
   */
  readonly moveMarkerFrom?: string | null;
}

/**
 * The steps of a scheduled run on `today`, given the marker `through` (undefined: none yet):
 * the final pass of every day after the marker through the day before yesterday, oldest first
 * and at most as far back as the journal is whole (days before that are lost and skipped, in
 * `skipped`), each moving the marker on; then yesterday's first look. Without a marker (a new
 * or upgraded table) it starts as far back as the journal is whole: days before the journal
 * fold to nothing and keep what the previous recorder wrote. A marker at or past the day before
 * yesterday (the earlier release set it to yesterday after a first look) still gets that day's
 * final pass, leaving the marker where it is.
 */
export const scheduledSteps = (
  today: string,
  through: string | undefined,
): { steps: RollupStep[]; skipped: string[] } => {
  const yesterday = dayBefore(today);
  const lastFinal = lastFinalDay(today);
  if (through !== undefined && through >= lastFinal)
    return { steps: [{ day: lastFinal }, { day: yesterday }], skipped: [] };
  const oldest = oldestRollableDay(today);
  const skipped: string[] = [];
  let first = through === undefined ? oldest : dayAfter(through);
  for (; first < oldest; first = dayAfter(first)) skipped.push(first);
  const steps: RollupStep[] = [];
  let marker: string | null = through ?? null;
  for (let day = first; day <= lastFinal; day = dayAfter(day)) {
    steps.push({ day, moveMarkerFrom: marker });
    marker = day;
  }
  steps.push({ day: yesterday });
  return { steps, skipped };
};

/**
 * The step of a repair of `day` on `today` (check {@link repairDayProblem} first): the marker
 * moves on only where the day is final and next after it, so a repair never leaves a gap behind
 * the marker and never creates one (a table without a marker reads up to yesterday).
 */
export const repairStep = (day: string, today: string): RollupStep =>
  day <= lastFinalDay(today) ? { day, moveMarkerFrom: dayBefore(day) } : { day };
