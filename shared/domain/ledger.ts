import type { Level } from './levels.js';
import type { Decision } from './strategies.js';

/**
 * What came of a decision. `stale`: the event arrived when its alert was no longer the current
 * one of its level (a late retry, an archive replay, or an alert that never existed), so
 * nothing was applied.
 */
export const OUTCOMES = ['applied', 'dry-run', 'skipped', 'rejected', 'stale'] as const;
export type Outcome = (typeof OUTCOMES)[number];

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
  /** When the level change happened (from the event) and when the decision was made. */
  readonly occurredAt: string;
  readonly at: string;
}
