import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type AlertState,
  type Change,
  EMPTY_ALERT_STATE,
  evaluateChange,
  type Transition,
} from '../../../shared/domain/crossing.js';
import { hasCleared, isInLevel, LEVELS } from '../../../shared/domain/levels.js';
import { parseRule, type Rule } from '../../../shared/domain/rules.js';
import {
  type InForce,
  type ItemThresholds,
  thresholdsInForce,
} from '../../../shared/domain/thresholds.js';
import { aRule } from '../../support/factories.js';

const rule = parseRule(aRule());

/** What a change is judged by under `r`, with the item's own thresholds. */
const judged = (r: Rule | undefined, item: ItemThresholds = {}): InForce => ({
  rule: r,
  ruleKey: 'default',
  thresholds: thresholdsInForce(r, item).thresholds,
});
const at = new Date('2026-11-25T12:00:00Z');

const change = (
  previousQuantity: number | undefined,
  quantity: number | undefined,
  n = 1,
): Change => ({
  sku: 'SKU-1',
  location: 'WH-1',
  previousQuantity,
  quantity,
  changeId: `change-${n}`,
});

/** Plays quantities through the evaluator, as the stream would, and returns every transition. */
const play = (quantities: readonly number[], r: Rule = rule, stepMs = 1000, start = at) => {
  let state: AlertState = EMPTY_ALERT_STATE;
  const transitions: Transition[] = [];
  const times: number[] = [];
  let previous: number | undefined;
  quantities.forEach((quantity, index) => {
    const time = start.getTime() + index * stepMs;
    const result = evaluateChange(
      change(previous, quantity, index),
      judged(r),
      state,
      new Date(time),
    );
    state = result.state;
    transitions.push(...result.transitions);
    for (const _ of result.transitions) times.push(time);
    previous = quantity;
  });
  return { transitions, times, state };
};

const summary = (transitions: Transition[]) => transitions.map((t) => `${t.kind} ${t.level}`);

describe('evaluateChange', () => {
  it.each([
    { name: 'sale into low stock', quantities: [20, 8], expected: ['TRIGGERED LOW_STOCK'] },
    {
      name: 'sale to zero triggers low and out',
      quantities: [20, 0],
      expected: ['TRIGGERED OUT_OF_STOCK', 'TRIGGERED LOW_STOCK'],
    },
    {
      name: 'further sales inside low stay silent',
      quantities: [20, 8, 6, 4],
      expected: ['TRIGGERED LOW_STOCK'],
    },
    {
      name: 'recovery inside the hysteresis band does not resolve',
      quantities: [20, 8, 12],
      expected: ['TRIGGERED LOW_STOCK'],
    },
    {
      name: 'recovery past threshold + hysteresis resolves',
      quantities: [20, 8, 13],
      expected: ['TRIGGERED LOW_STOCK', 'RESOLVED LOW_STOCK'],
    },
    { name: 'receipt into overstock', quantities: [50, 120], expected: ['TRIGGERED OVERSTOCK'] },
    {
      name: 'overstock resolves below threshold − hysteresis',
      quantities: [50, 120, 99, 97],
      expected: ['TRIGGERED OVERSTOCK', 'RESOLVED OVERSTOCK'],
    },
    { name: 'normal band changes produce nothing', quantities: [50, 40, 60, 30], expected: [] },
    {
      name: 'a new item inserted at zero',
      quantities: [0],
      expected: ['TRIGGERED OUT_OF_STOCK', 'TRIGGERED LOW_STOCK'],
    },
  ])('$name', ({ quantities, expected }) => {
    expect(summary(play(quantities).transitions)).toEqual(expected);
  });

  it('resolves every open level when the item is removed', () => {
    const { state } = play([20, 0]);
    const removed = evaluateChange(change(0, undefined, 9), judged(rule), state, at);
    expect(summary(removed.transitions)).toEqual(['RESOLVED OUT_OF_STOCK', 'RESOLVED LOW_STOCK']);
    expect(removed.state.open).toEqual({});
  });

  it('gives a resolve the alert id of the trigger it closes, and the same change the same id', () => {
    const first = play([20, 8, 13]).transitions;
    const again = play([20, 8, 13]).transitions;
    expect(first[1]?.alertId).toBe(first[0]?.alertId);
    expect(again.map((t) => t.alertId)).toEqual(first.map((t) => t.alertId));
  });

  it('silences a trigger while snoozed and keeps its resolve silent', () => {
    const snoozed = parseRule(aRule({ snoozeUntil: '2026-11-26T00:00:00Z' }));
    const { transitions } = play([20, 8, 13], snoozed);
    expect(transitions.map((t) => [t.kind, t.announced, t.silencedBy])).toEqual([
      ['TRIGGERED', false, 'snooze'],
      ['RESOLVED', false, undefined],
    ]);
  });

  it('silences a re-trigger inside the cooldown, announces it after', () => {
    const cooled = parseRule(aRule({ cooldownSeconds: 60 }));
    const fast = play([20, 8, 13, 8], cooled, 1000).transitions.filter(
      (t) => t.kind === 'TRIGGERED',
    );
    expect(fast.map((t) => t.announced)).toEqual([true, false]);
    const slow = play([20, 8, 13, 8], cooled, 61_000).transitions.filter(
      (t) => t.kind === 'TRIGGERED',
    );
    expect(slow.map((t) => t.announced)).toEqual([true, true]);
  });

  it('uses per-item threshold overrides over the rule', () => {
    const result = evaluateChange(
      change(30, 25),
      judged(rule, { LOW_STOCK: 25 }),
      EMPTY_ALERT_STATE,
      at,
    );
    expect(summary(result.transitions)).toEqual(['TRIGGERED LOW_STOCK']);
  });

  it('judges an alert opened under an older threshold by the one in force now', () => {
    // LOW opened at threshold 40 with quantity 35; the threshold drops to 20.
    const opened = evaluateChange(
      change(50, 35, 1),
      judged(rule, { LOW_STOCK: 40 }),
      EMPTY_ALERT_STATE,
      at,
    );
    const lowered = judged(rule, { LOW_STOCK: 20 });
    const cleared = evaluateChange(change(35, 38, 2), lowered, opened.state, at);
    expect(summary(cleared.transitions)).toEqual(['RESOLVED LOW_STOCK']);
    const again = evaluateChange(change(38, 15, 3), lowered, cleared.state, at);
    expect(summary(again.transitions)).toEqual(['TRIGGERED LOW_STOCK']);
  });

  it('resolves open alerts of a level no longer monitored, or when no rule applies', () => {
    const opened = evaluateChange(change(50, 0, 1), judged(rule), EMPTY_ALERT_STATE, at);
    const withoutLow = parseRule(aRule({ thresholds: { OVERSTOCK: 100 }, strategies: {} }));
    const unmonitored = evaluateChange(change(0, 5, 2), judged(withoutLow), opened.state, at);
    expect(summary(unmonitored.transitions)).toEqual([
      'RESOLVED OUT_OF_STOCK',
      'RESOLVED LOW_STOCK',
    ]);
    const noRule = evaluateChange(change(50, 0, 1), judged(undefined), opened.state, at);
    expect(summary(noRule.transitions)).toEqual(['RESOLVED OUT_OF_STOCK', 'RESOLVED LOW_STOCK']);
  });

  it('remembers the latest alert opened per level, open or resolved', () => {
    const { state } = play([20, 8, 13, 8]);
    expect(state.lastOpened?.LOW_STOCK).toBe(state.open.LOW_STOCK?.alertId);
    const resolved = evaluateChange(change(8, 50, 9), judged(rule), state, at);
    expect(resolved.state.open.LOW_STOCK).toBeUndefined();
    expect(resolved.state.lastOpened?.LOW_STOCK).toBe(state.open.LOW_STOCK?.alertId);
  });
});

describe('properties over arbitrary quantity sequences', () => {
  const quantities = fc.array(fc.integer({ min: -5, max: 130 }), { minLength: 1, maxLength: 60 });
  const rules = fc
    .record({
      low: fc.integer({ min: 0, max: 40 }),
      gap: fc.integer({ min: 1, max: 60 }),
      hysteresis: fc.integer({ min: 0, max: 10 }),
      cooldownSeconds: fc.integer({ min: 0, max: 30 }),
    })
    .map(({ low, gap, hysteresis, cooldownSeconds }) =>
      parseRule(
        aRule({
          thresholds: { LOW_STOCK: low, OVERSTOCK: low + hysteresis + gap },
          hysteresis,
          cooldownSeconds,
        }),
      ),
    );

  it('never has two open alerts for one level, and every trigger is followed by at most one resolve', () => {
    fc.assert(
      fc.property(quantities, rules, (qs, r) => {
        const { transitions } = play(qs, r);
        for (const level of LEVELS) {
          const kinds = transitions.filter((t) => t.level === level).map((t) => t.kind);
          // Strict alternation starting with a trigger: T R T R ...
          expect(kinds).toEqual(
            kinds.map((_, index) => (index % 2 === 0 ? 'TRIGGERED' : 'RESOLVED')),
          );
          const resolves = transitions.filter((t) => t.level === level && t.kind === 'RESOLVED');
          const triggers = transitions.filter((t) => t.level === level && t.kind === 'TRIGGERED');
          for (const resolve of resolves)
            expect(triggers.some((t) => t.alertId === resolve.alertId)).toBe(true);
          expect(new Set(resolves.map((t) => t.alertId)).size).toBe(resolves.length);
        }
      }),
    );
  });

  it('announces nothing while snoozed', () => {
    fc.assert(
      fc.property(quantities, rules, (qs, r) => {
        const snoozed = { ...r, snoozeUntil: '2099-01-01T00:00:00Z' };
        expect(play(qs, snoozed).transitions.filter((t) => t.announced)).toEqual([]);
      }),
    );
  });

  it('announces no two triggers of a level within the cooldown', () => {
    fc.assert(
      fc.property(quantities, rules, fc.integer({ min: 100, max: 20_000 }), (qs, r, stepMs) => {
        const { transitions, times } = play(qs, r, stepMs);
        for (const level of LEVELS) {
          const announcedAt = transitions.flatMap((t, index) =>
            t.level === level && t.kind === 'TRIGGERED' && t.announced
              ? [times[index] as number]
              : [],
          );
          for (let i = 1; i < announcedAt.length; i++) {
            expect(
              (announcedAt[i] as number) - (announcedAt[i - 1] as number),
            ).toBeGreaterThanOrEqual(r.cooldownSeconds * 1000);
          }
        }
      }),
    );
  });

  it('keeps the open alerts in step with the thresholds in force, however they move', () => {
    const steps = fc.array(
      fc.record({ q: fc.integer({ min: -5, max: 130 }), low: fc.integer({ min: 0, max: 40 }) }),
      { minLength: 1, maxLength: 60 },
    );
    fc.assert(
      fc.property(steps, rules, (moves, r) => {
        let state: AlertState = EMPTY_ALERT_STATE;
        let previous: number | undefined;
        moves.forEach(({ q, low }, index) => {
          const inForce = judged(r, { LOW_STOCK: low });
          state = evaluateChange(change(previous, q, index), inForce, state, at).state;
          for (const level of LEVELS) {
            const threshold = inForce.thresholds[level];
            if (threshold === undefined) continue;
            // Inside a level means its alert is open; cleared means it is not.
            if (isInLevel(level, q, threshold)) expect(state.open[level]).toBeDefined();
            if (hasCleared(level, q, threshold, r.hysteresis))
              expect(state.open[level]).toBeUndefined();
          }
          previous = q;
        });
      }),
      { numRuns: 500 },
    );
  });

  it('is idempotent: replaying the same change against the resulting state adds nothing', () => {
    fc.assert(
      fc.property(quantities, rules, (qs, r) => {
        const { state } = play(qs, r);
        const last = qs[qs.length - 1] as number;
        expect(evaluateChange(change(last, last, 999), judged(r), state, at).transitions).toEqual(
          [],
        );
      }),
    );
  });
});
