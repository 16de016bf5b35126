import { createHash } from 'node:crypto';
import { encodeKeyParts } from '../contracts/keys.js';
import { hasCleared, isInLevel, LEVELS, type Level } from './levels.js';
import { effectiveThreshold, type Rule } from './rules.js';

/** An alert that has triggered and not yet resolved. */
export interface OpenAlert {
  readonly alertId: string;
  readonly threshold: number;
  readonly triggeredAt: string;
  /** False when the trigger was silenced (snoozed or inside the cooldown): its resolve is silent too. */
  readonly announced: boolean;
}

/** What is remembered per item between changes. */
export interface AlertState {
  readonly open: Partial<Record<Level, OpenAlert>>;
  /** Last announced trigger per level, for the cooldown. */
  readonly lastAnnouncedAt: Partial<Record<Level, string>>;
}

export const EMPTY_ALERT_STATE: AlertState = { open: {}, lastAnnouncedAt: {} };

export type TransitionKind = 'TRIGGERED' | 'RESOLVED';

/** A level change of one item, the unit that alerts, events and strategies are about. */
export interface Transition {
  readonly kind: TransitionKind;
  readonly level: Level;
  /** Stable for a crossing: the resolve carries the id of the trigger it closes. */
  readonly alertId: string;
  readonly threshold: number;
  /** Whether people and machines are told. Silenced triggers still open the level. */
  readonly announced: boolean;
  readonly silencedBy?: 'snooze' | 'cooldown' | undefined;
}

export interface Change {
  readonly sku: string;
  readonly location: string;
  /** Undefined for an item that did not exist before (INSERT). */
  readonly previousQuantity: number | undefined;
  /** Undefined for an item that was removed (REMOVE). */
  readonly quantity: number | undefined;
  /** Identifies the change across redeliveries (the stream record's eventID). */
  readonly changeId: string;
}

/** Thresholds in force for an item: the rule's, overridden by per-item thresholds when present. */
export type ThresholdOverrides = Partial<Record<Level, number>>;

const thresholdFor = (
  rule: Rule,
  level: Level,
  overrides: ThresholdOverrides,
): number | undefined => overrides[level] ?? effectiveThreshold(rule, level);

/**
 * Deterministic alert id: the same change crossing the same level always gets the same id, and
 * distinct items never do. The hashed parts are encoded by {@link encodeKeyParts}; NUL as the
 * separator keeps the ids of items without NUL or `\` what they were before that encoding.
 */
export const alertIdOf = (
  change: Pick<Change, 'sku' | 'location' | 'changeId'>,
  level: Level,
): string =>
  createHash('sha256')
    .update(encodeKeyParts([change.sku, change.location, level, change.changeId], '\u0000'))
    .digest('base64url')
    .slice(0, 22);

/**
 * True when a change may open or close a level and so needs the item's alert state.
 * Changes that stay in the normal band and cross no resolve line need no state read.
 */
export const mayTransition = (
  change: Pick<Change, 'previousQuantity' | 'quantity'>,
  rule: Rule,
  overrides: ThresholdOverrides = {},
): boolean => {
  const { previousQuantity: before, quantity: after } = change;
  if (after === undefined) return before !== undefined;
  for (const level of LEVELS) {
    const threshold = thresholdFor(rule, level, overrides);
    if (threshold === undefined) continue;
    if (isInLevel(level, after, threshold)) return true;
    const clearedNow = hasCleared(level, after, threshold, rule.hysteresis);
    const clearedBefore =
      before !== undefined && hasCleared(level, before, threshold, rule.hysteresis);
    if (clearedNow && !clearedBefore) return true;
  }
  return false;
};

const isSnoozed = (rule: Rule, now: Date): boolean =>
  rule.snoozeUntil !== undefined && Date.parse(rule.snoozeUntil) > now.getTime();

const inCooldown = (rule: Rule, lastAnnouncedAt: string | undefined, now: Date): boolean =>
  lastAnnouncedAt !== undefined &&
  rule.cooldownSeconds > 0 &&
  now.getTime() - Date.parse(lastAnnouncedAt) < rule.cooldownSeconds * 1000;

/**
 * Edge-triggered evaluation of one change. A level triggers when the change finds the item
 * inside it with no alert open; it resolves when the quantity clears the threshold by the
 * hysteresis margin (or the item is removed, or the level stops being monitored). Further
 * changes inside an open level produce nothing. Snooze and cooldown silence a trigger but
 * still open the level, so the crossing is not announced later from inside the level.
 */
export const evaluateChange = (
  change: Change,
  rule: Rule,
  state: AlertState,
  now: Date,
  overrides: ThresholdOverrides = {},
): { state: AlertState; transitions: Transition[] } => {
  const open: Partial<Record<Level, OpenAlert>> = { ...state.open };
  const lastAnnouncedAt: Partial<Record<Level, string>> = { ...state.lastAnnouncedAt };
  const transitions: Transition[] = [];
  const q = change.quantity;

  for (const level of LEVELS) {
    const threshold = thresholdFor(rule, level, overrides);
    const current = open[level];
    if (current) {
      const resolves =
        q === undefined ||
        threshold === undefined ||
        hasCleared(level, q, threshold, rule.hysteresis);
      if (resolves) {
        delete open[level];
        transitions.push({
          kind: 'RESOLVED',
          level,
          alertId: current.alertId,
          threshold: threshold ?? current.threshold,
          announced: current.announced,
        });
      }
      continue;
    }
    if (q === undefined || threshold === undefined || !isInLevel(level, q, threshold)) continue;
    const silencedBy = isSnoozed(rule, now)
      ? 'snooze'
      : inCooldown(rule, lastAnnouncedAt[level], now)
        ? 'cooldown'
        : undefined;
    const alertId = alertIdOf(change, level);
    const announced = silencedBy === undefined;
    open[level] = { alertId, threshold, triggeredAt: now.toISOString(), announced };
    if (announced) lastAnnouncedAt[level] = now.toISOString();
    transitions.push({ kind: 'TRIGGERED', level, alertId, threshold, announced, silencedBy });
  }
  return { state: { open, lastAnnouncedAt }, transitions };
};
