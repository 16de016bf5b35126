import type { AlertState, TransitionKind } from './crossing.js';
import type { Level } from './levels.js';

/** A level change as the executor receives it, reduced to what its standing depends on. */
export interface LevelChangeRef {
  readonly transition: TransitionKind;
  readonly level: Level;
  readonly alertId: string;
  /** The stream sequence number the change came from, when the event carries it. */
  readonly sequenceNumber?: string | undefined;
}

/** An item's alert state as last committed, with the last stream record it recorded. */
export interface RecordedState {
  readonly state: AlertState;
  readonly lastSequence: string | undefined;
}

/**
 * Whether an event may still act:
 * - `current`: a trigger whose alert is the open one of its level, or a resolve with no later
 *   trigger of its level opened since;
 * - `stale`: anything else (a late retry, an archive replay, an alert that never existed);
 * - `pending`: the state has not yet recorded the change the event came from (the monitor
 *   publishes before it commits), so it cannot be judged yet.
 */
export type Standing =
  | { readonly kind: 'current' }
  | { readonly kind: 'stale'; readonly reason: string }
  | { readonly kind: 'pending'; readonly reason: string };

/** Orders DynamoDB stream sequence numbers (decimal strings of varying length). */
export const compareSequence = (a: string, b: string): number => {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
};

/** Judges an event against the item's recorded alert state (undefined: nothing recorded). */
export const standingOf = (
  event: LevelChangeRef,
  recorded: RecordedState | undefined,
): Standing => {
  const { level, alertId, sequenceNumber } = event;
  const seen =
    sequenceNumber === undefined ||
    (recorded?.lastSequence !== undefined &&
      compareSequence(recorded.lastSequence, sequenceNumber) >= 0);
  if (!seen)
    return {
      kind: 'pending',
      reason: `the alert state has not yet recorded stream record ${sequenceNumber}`,
    };
  const open = recorded?.state.open[level];
  const lastOpened = recorded?.state.lastOpened?.[level];
  if (event.transition === 'TRIGGERED') {
    if (open?.alertId === alertId) return { kind: 'current' };
    if (open) return stale(`a later ${level} alert ${open.alertId} is open`);
    if (lastOpened === alertId) return stale(`alert ${alertId} has resolved since`);
    return stale(`no ${level} alert ${alertId} is open for this item`);
  }
  if (open?.alertId === alertId) return stale(`alert ${alertId} is still open`);
  if (open) return stale(`a later ${level} alert ${open.alertId} has opened since`);
  if (!recorded) return stale(`no ${level} alert was ever recorded for this item`);
  // State written before `lastOpened` was recorded cannot tell; the resolve stands.
  if (recorded.state.lastOpened === undefined) return { kind: 'current' };
  if (lastOpened === undefined) return stale(`no ${level} alert ${alertId} was ever opened`);
  if (lastOpened !== alertId)
    return stale(`a later ${level} alert ${lastOpened} has opened and resolved since`);
  return { kind: 'current' };
};

const stale = (reason: string): Standing => ({ kind: 'stale', reason });
