import type { Level } from './levels.js';
import type { Decision } from './strategies.js';

export type Outcome = 'applied' | 'dry-run' | 'skipped' | 'rejected';

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
