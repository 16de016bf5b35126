/**
 * UTC calendar days as the tables key them (`yyyy-mm-dd`): the one home for day arithmetic,
 * which the demand days, the roll-up, the control index and the reports all do.
 */

/** A day in milliseconds (UTC days have no daylight-saving hours). */
export const DAY_MS = 86_400_000;

/** The UTC day (yyyy-mm-dd) of a time. */
export const utcDayOf = (at: Date | number): string => new Date(at).toISOString().slice(0, 10);

/** The time at which a UTC day (yyyy-mm-dd) begins. */
export const dayStart = (day: string): number => Date.parse(`${day}T00:00:00Z`);

/** The UTC day before `day` (yyyy-mm-dd). */
export const dayBefore = (day: string): string => utcDayOf(dayStart(day) - DAY_MS);

/** The UTC day after `day` (yyyy-mm-dd). */
export const dayAfter = (day: string): string => utcDayOf(dayStart(day) + DAY_MS);

/** The UTC days (`yyyy-mm-dd`) from the day of `since` to the day of `until`, both included. */
export const utcDaysBetween = (since: string, until: string): string[] => {
  const days: string[] = [];
  const last = dayStart(until.slice(0, 10));
  for (let day = dayStart(since.slice(0, 10)); day <= last; day += DAY_MS) days.push(utcDayOf(day));
  return days;
};
