import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dayBefore } from '../../../shared/domain/days.js';
import {
  JOURNAL_RETENTION_DAYS,
  oldestRollableDay,
  type RollupStep,
  repairDayProblem,
  repairStep,
  scheduledSteps,
} from '../../../shared/domain/rollup-plan.js';

/** The adapter's marker move: only from where it is (null: none yet). */
const apply = (marker: string | undefined, step: RollupStep): string | undefined =>
  step.moveMarkerFrom !== undefined && (step.moveMarkerFrom ?? undefined) === marker
    ? step.day
    : marker;

describe('roll-up plan', () => {
  it('rolls up the day before yesterday for good and yesterday as a first look, one night after another', () => {
    expect(scheduledSteps('2025-11-26', '2025-11-23')).toEqual({
      steps: [{ day: '2025-11-24', moveMarkerFrom: '2025-11-23' }, { day: '2025-11-25' }],
      skipped: [],
    });
    // No marker yet (a first run, or an upgraded table): it starts as far back as the journal
    // is whole, so days whose nights failed since the deploy are not read as no sales.
    const first = scheduledSteps('2025-11-30', undefined).steps;
    expect(first.map((s) => s.day)).toEqual([
      '2025-11-24',
      '2025-11-25',
      '2025-11-26',
      '2025-11-27',
      '2025-11-28',
      '2025-11-29',
    ]);
    expect(first[0]).toEqual({ day: '2025-11-24', moveMarkerFrom: null });
  });

  it("still rolls the day before yesterday up for good when the marker is there or ahead (the earlier release's)", () => {
    expect(scheduledSteps('2025-11-27', '2025-11-26').steps).toEqual([
      { day: '2025-11-25' },
      { day: '2025-11-26' },
    ]);
    expect(scheduledSteps('2025-11-27', '2025-11-25').steps).toEqual([
      { day: '2025-11-25' },
      { day: '2025-11-26' },
    ]);
  });

  it('catches up every missed night still in the journal, and names the days lost past it', () => {
    const { steps, skipped } = scheduledSteps('2025-11-26', '2025-11-10');
    expect(skipped[0]).toBe('2025-11-11');
    expect(skipped.at(-1)).toBe(dayBefore(oldestRollableDay('2025-11-26')));
    expect(steps.map((s) => s.day)).toEqual([
      '2025-11-20',
      '2025-11-21',
      '2025-11-22',
      '2025-11-23',
      '2025-11-24',
      '2025-11-25',
    ]);
    // The first final pass jumps the lost days; the rest move one day at a time.
    expect(steps.map((s) => s.moveMarkerFrom)).toEqual([
      '2025-11-10',
      '2025-11-20',
      '2025-11-21',
      '2025-11-22',
      '2025-11-23',
      undefined,
    ]);
  });

  it('refuses a repair of a day that is not one, not over, or past the journal retention', () => {
    expect(repairDayProblem('2025-02-30', '2025-11-26')).toMatch(/yyyy-mm-dd/);
    expect(repairDayProblem('20-11-2025', '2025-11-26')).toMatch(/yyyy-mm-dd/);
    expect(repairDayProblem('2025-11-26', '2025-11-26')).toMatch(/not over yet/);
    expect(repairDayProblem('2099-01-01', '2025-11-26')).toMatch(/not over yet/);
    expect(repairDayProblem('2025-11-19', '2025-11-26')).toMatch(
      new RegExp(`${JOURNAL_RETENTION_DAYS}-day retention.*from 2025-11-20`),
    );
    expect(repairDayProblem('2025-11-20', '2025-11-26')).toBeUndefined();
    expect(repairDayProblem('2025-11-25', '2025-11-26')).toBeUndefined();
  });

  it('moves the marker on a repair only where the day is final and next after it', () => {
    expect(repairStep('2025-11-24', '2025-11-26')).toEqual({
      day: '2025-11-24',
      moveMarkerFrom: '2025-11-23',
    });
    expect(repairStep('2025-11-25', '2025-11-26')).toEqual({ day: '2025-11-25' });
    expect(apply(undefined, repairStep('2025-11-24', '2025-11-26'))).toBeUndefined();
  });

  it('never moves the marker past a day no final pass rolled up, whatever nights fail and repairs run (model)', () => {
    const start = Date.parse('2025-11-01T00:00:00Z');
    const night = fc.record({
      ok: fc.boolean(),
      repair: fc.option(fc.integer({ min: 1, max: 9 }), { nil: undefined }),
    });
    fc.assert(
      fc.property(fc.array(night, { minLength: 1, maxLength: 40 }), (nights) => {
        let marker: string | undefined;
        let first: string | undefined;
        const finals = new Set<string>();
        const lost = new Set<string>();
        nights.forEach(({ ok, repair }, i) => {
          const today = new Date(start + i * 86_400_000).toISOString().slice(0, 10);
          const before = marker;
          if (ok) {
            const { steps, skipped } = scheduledSteps(today, marker);
            for (const day of skipped) lost.add(day);
            for (const step of steps) {
              if (step.moveMarkerFrom !== undefined) finals.add(step.day);
              marker = apply(marker, step);
            }
            expect(marker).toBe(dayBefore(dayBefore(today)));
          }
          if (repair !== undefined) {
            let day = today;
            for (let k = 0; k < repair; k++) day = dayBefore(day);
            if (repairDayProblem(day, today) === undefined) {
              const step = repairStep(day, today);
              if (step.moveMarkerFrom !== undefined) finals.add(step.day);
              marker = apply(marker, step);
            }
          }
          // The marker never moves back, and every day from where it began up to it was
          // rolled up for good (or lost past the journal's retention, and reported).
          if (before !== undefined) expect(marker !== undefined && marker >= before).toBe(true);
          if (marker !== undefined && first === undefined) first = marker;
          if (marker !== undefined && first !== undefined)
            for (let day = marker; day >= first; day = dayBefore(day))
              expect(finals.has(day) || lost.has(day), day).toBe(true);
        });
      }),
    );
  });
});
