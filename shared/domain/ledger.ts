import type { Level } from './levels.js';
import type { Decision } from './strategies.js';

/**
 * What came of a decision. `stale`: the event arrived when its alert was no longer the current
 * one of its level (a late retry, an archive replay, or an alert that never existed), so
 * nothing was applied.
 */
export const OUTCOMES = ['applied', 'dry-run', 'skipped', 'rejected', 'stale'] as const;
export type Outcome = (typeof OUTCOMES)[number];

/** What a level change was: quantities, threshold, and whether people were told (why not). */
export interface AlertFacts {
  readonly previousQuantity: number | null;
  readonly quantity: number | null;
  readonly threshold: number;
  readonly notified: boolean;
  readonly silencedBy?: string | undefined;
}

/** One line of the audit ledger: a decision of the strategy-executor and what came of it. */
export interface LedgerEntry {
  readonly alertId: string;
  readonly transition: 'TRIGGERED' | 'RESOLVED';
  readonly level: Level;
  readonly sku: string;
  readonly location: string;
  readonly strategy: string;
  readonly outcome: Outcome;
  readonly reason?: string | undefined;
  readonly decision?: Decision | undefined;
  readonly before: Record<string, unknown>;
  readonly after: Record<string, unknown>;
  readonly orderId?: string | undefined;
  /**
   * The level change the entry is about, as its event told it: the alert history (`alerts
   * list`) reads it from here. Absent from operator actions and entries of earlier releases.
   */
  readonly alert?: AlertFacts | undefined;
  /** When the level change happened (from the event) and when the decision was made. */
  readonly occurredAt: string;
  readonly at: string;
}
