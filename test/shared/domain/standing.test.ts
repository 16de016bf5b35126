import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type AlertState,
  EMPTY_ALERT_STATE,
  evaluateChange,
  type Transition,
} from '../../../shared/domain/crossing.js';
import { parseRule } from '../../../shared/domain/rules.js';
import { compareSequence, standingOf } from '../../../shared/domain/standing.js';
import { thresholdsInForce } from '../../../shared/domain/thresholds.js';
import { aRule } from '../../support/factories.js';

const rule = parseRule(aRule());
const inForce = { rule, ruleKey: 'default', thresholds: thresholdsInForce(rule).thresholds };
const at = new Date('2026-11-25T12:00:00Z');

/** Plays quantities as stream records 1, 2, 3, … and returns every transition with its record. */
const play = (quantities: readonly number[]) => {
  let state: AlertState = EMPTY_ALERT_STATE;
  let previous: number | undefined;
  const emitted: { transition: Transition; sequenceNumber: string }[] = [];
  quantities.forEach((quantity, index) => {
    const sequenceNumber = String(index + 1);
    const change = {
      sku: 'S',
      location: 'L',
      previousQuantity: previous,
      quantity,
      changeId: `c-${sequenceNumber}`,
    };
    const result = evaluateChange(change, inForce, state, at);
    state = result.state;
    for (const transition of result.transitions) emitted.push({ transition, sequenceNumber });
    previous = quantity;
  });
  return { state, emitted, lastSequence: String(quantities.length) };
};

describe('standingOf', () => {
  it('holds exactly the latest transition of each level current, however late any event arrives', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -3, max: 120 }), { minLength: 1, maxLength: 40 }),
        (quantities) => {
          const { state, emitted, lastSequence } = play(quantities);
          fc.pre(emitted.length > 0);
          const recorded = { state, lastSequence };
          for (const [index, { transition, sequenceNumber }] of emitted.entries()) {
            const later = emitted
              .slice(index + 1)
              .some((e) => e.transition.level === transition.level);
            const standing = standingOf(
              { ...transition, transition: transition.kind, sequenceNumber },
              recorded,
            );
            // The last transition of its level is current; every earlier one is stale.
            expect(standing.kind).toBe(later ? 'stale' : 'current');
          }
        },
      ),
      { numRuns: 2_000 },
    );
  });

  it('holds a resolve of an alert that never opened stale, and lets state from before `lastOpened` judge none stale', () => {
    const { state } = play([20, 50]);
    const forged = { transition: 'RESOLVED', level: 'LOW_STOCK', alertId: 'forged' } as const;
    expect(standingOf(forged, { state, lastSequence: '2' })).toEqual({
      kind: 'stale',
      reason: 'no LOW_STOCK alert forged was ever opened',
    });
    expect(standingOf(forged, undefined).kind).toBe('stale');
    const legacy = { open: {}, lastAnnouncedAt: {} };
    expect(standingOf(forged, { state: legacy, lastSequence: '2' }).kind).toBe('current');
  });

  it('waits while the state has not recorded the event’s stream record', () => {
    const { state } = play([20, 5]);
    const alertId = state.open.LOW_STOCK?.alertId as string;
    const event = { transition: 'TRIGGERED', level: 'LOW_STOCK', alertId } as const;
    expect(standingOf({ ...event, sequenceNumber: '3' }, { state, lastSequence: '2' }).kind).toBe(
      'pending',
    );
    expect(standingOf({ ...event, sequenceNumber: '2' }, { state, lastSequence: '2' }).kind).toBe(
      'current',
    );
    expect(standingOf({ ...event, sequenceNumber: '1' }, undefined).kind).toBe('pending');
    // Without a sequence number (an earlier release's event) it is judged on the state as it is.
    expect(standingOf(event, { state, lastSequence: '2' }).kind).toBe('current');
  });

  it('orders stream sequence numbers of different lengths numerically', () => {
    expect(compareSequence('900', '1000')).toBe(-1);
    expect(compareSequence('49668', '49668')).toBe(0);
  });
});
