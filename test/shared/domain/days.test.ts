import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DAY_MS,
  dayAfter,
  dayBefore,
  dayStart,
  utcDayOf,
  utcDaysBetween,
} from '../../../shared/domain/days.js';

/** Days from 1970 to 2100, as the tables key them. */
const days = fc.integer({ min: 0, max: 47_000 }).map((n) => utcDayOf(n * DAY_MS));

describe('UTC days', () => {
  it('step a day back and forth, across month, year and leap-day ends (property)', () => {
    fc.assert(
      fc.property(days, (day) => {
        expect(dayAfter(dayBefore(day))).toBe(day);
        expect(dayStart(dayAfter(day)) - dayStart(day)).toBe(DAY_MS);
        expect(utcDayOf(dayStart(day))).toBe(day);
      }),
    );
    expect(dayAfter('2028-02-28')).toBe('2028-02-29');
    expect(dayBefore('2027-01-01')).toBe('2026-12-31');
  });

  it('list every day from the day of since to the day of until, both included (property)', () => {
    fc.assert(
      fc.property(days, fc.integer({ min: 0, max: 40 }), (first, span) => {
        const last = utcDayOf(dayStart(first) + span * DAY_MS);
        const listed = utcDaysBetween(`${first}T23:59:59.999Z`, `${last}T00:00:00.000Z`);
        expect(listed).toHaveLength(span + 1);
        expect(listed[0]).toBe(first);
        expect(listed.at(-1)).toBe(last);
        expect(listed.every((d, i) => i === 0 || d === dayAfter(listed[i - 1] as string))).toBe(
          true,
        );
      }),
    );
  });
});
