import { createHash } from 'node:crypto';
import { encodeKeyParts } from '../contracts/keys.js';
import { hasCleared, isInLevel, LEVELS, type Level } from './levels.js';
import type { Rule } from './rules.js';
import type { InForce } from './thresholds.js';

/** An alert that has triggered and not yet resolved. */
export interface OpenAlert {
  readonly alertId: string;
  readonly threshold: number;
  readonly triggeredAt: string;
  /** False when the trigger was silenced (snoozed or inside the cooldown): its resolve is silent too. */
  readonly announced: boolean;
  /** The rule the alert was opened under (absent in state written before it was recorded). */
  readonly ruleKey?: string | undefined;
  /** Which edit of that rule (see `ResolvedRule.version`). */
  readonly ruleVersion?: string | undefined;
}

/** What is remembered per item between changes. */
export interface AlertState {
  readonly open: Partial<Record<Level, OpenAlert>>;
  /** Last announced trigger per level, for the cooldown. */
  readonly lastAnnouncedAt: Partial<Record<Level, string>>;
  /**
   * The latest alert opened per level, open or resolved: a resolve is current only while no
   * later alert of its level has opened (absent in state written before it was recorded).
   */
  readonly lastOpened?: Partial<Record<Level, string>> | undefined;
}

export const EMPTY_ALERT_STATE: AlertState = { open: {}, lastAnnouncedAt: {}, lastOpened: {} };

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

/** Per-item thresholds that override the rule's (the item's own attributes, or derived ones). */
export type ThresholdOverrides = Partial<Record<Level, number>>;

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

const isSnoozed = (rule: Rule | undefined, now: Date): boolean =>
  rule?.snoozeUntil !== undefined && Date.parse(rule.snoozeUntil) > now.getTime();

const inCooldown = (
  rule: Rule | undefined,
  lastAnnouncedAt: string | undefined,
  now: Date,
): boolean =>
  rule !== undefined &&
  lastAnnouncedAt !== undefined &&
  rule.cooldownSeconds > 0 &&
  now.getTime() - Date.parse(lastAnnouncedAt) < rule.cooldownSeconds * 1000;

/**
 * True unless the quantity leaves every level as it is: no open alert it would resolve, and no
 * level it is inside without an alert. Exactly the cases {@link evaluateChange} acts on.
 */
const transitionsPossible = (
  q: number | undefined,
  thresholds: Partial<Record<Level, number>>,
  hysteresis: number,
  state: AlertState,
): boolean => {
  for (const level of LEVELS) {
    const threshold = thresholds[level];
    if (state.open[level]) {
      if (q === undefined || threshold === undefined || hasCleared(level, q, threshold, hysteresis))
        return true;
    } else if (q !== undefined && threshold !== undefined && isInLevel(level, q, threshold)) {
      return true;
    }
  }
  return false;
};

/**
 * Edge-triggered evaluation of one change against what is in force now. A level triggers when
 * the change finds the item inside it with no alert open; it resolves when the quantity clears
 * the threshold in force by the hysteresis margin (or the item is removed, or the level is no
 * longer monitored), whatever threshold the alert was opened under. Further changes inside an
 * open level produce nothing. Snooze and cooldown silence a trigger but still open the level,
 * so the crossing is not announced later from inside the level.
 */
export const evaluateChange = (
  change: Change,
  inForce: InForce,
  state: AlertState,
  now: Date,
): { state: AlertState; transitions: Transition[] } => {
  const { rule, thresholds } = inForce;
  const hysteresis = rule?.hysteresis ?? 0;
  // Most changes open and close nothing: answer them without copying the state (the hot path).
  if (!transitionsPossible(change.quantity, thresholds, hysteresis, state))
    return { state, transitions: [] };
  const open: Partial<Record<Level, OpenAlert>> = { ...state.open };
  const lastAnnouncedAt: Partial<Record<Level, string>> = { ...state.lastAnnouncedAt };
  const lastOpened: Partial<Record<Level, string>> = { ...state.lastOpened };
  const transitions: Transition[] = [];
  const q = change.quantity;

  for (const level of LEVELS) {
    const threshold = thresholds[level];
    const current = open[level];
    if (current) {
      const resolves =
        q === undefined || threshold === undefined || hasCleared(level, q, threshold, hysteresis);
      if (resolves) {
        delete open[level];
        // An alert opened before `lastOpened` was recorded: its resolve must still be current.
        lastOpened[level] ??= current.alertId;
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
    open[level] = {
      alertId,
      threshold,
      triggeredAt: now.toISOString(),
      announced,
      ...(inForce.ruleKey ? { ruleKey: inForce.ruleKey } : {}),
      ...(inForce.ruleVersion ? { ruleVersion: inForce.ruleVersion } : {}),
    };
    lastOpened[level] = alertId;
    if (announced) lastAnnouncedAt[level] = now.toISOString();
    transitions.push({ kind: 'TRIGGERED', level, alertId, threshold, announced, silencedBy });
  }
  return { state: { open, lastAnnouncedAt, lastOpened }, transitions };
};
