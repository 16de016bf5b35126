import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { ControlIndex, ControlKeys, DEFAULT_INDEX_SHARDS } from '../contracts/tables.js';
import type { LedgerEntry } from '../domain/ledger.js';
import { readIndex, type TimeWindow } from './control-index.js';

export type { LedgerEntry, Outcome } from '../domain/ledger.js';

/** What an entry is about: an alert's transition under one strategy (or operator action). */
export type LedgerSubject = Pick<
  LedgerEntry,
  'sku' | 'location' | 'alertId' | 'transition' | 'strategy'
>;

/**
 * The `strategy` of entries that record an operator's action rather than an alert's effect:
 * an order received, cancelled or expired (under the alert that raised it), a threshold
 * suggestion applied (under its own id). Reports of alert effectiveness leave them out.
 */
export const OperatorAction = {
  receiveOrder: 'receive-order',
  cancelOrder: 'cancel-order',
  expireOrder: 'expire-order',
  applyThreshold: 'threshold-suggestion',
} as const;

const OPERATOR_ACTIONS = new Set<string>(Object.values(OperatorAction));

/** Whether an entry records what came of an alert (not an operator's action). */
export const isAlertEffect = (entry: Pick<LedgerEntry, 'strategy'>): boolean =>
  !OPERATOR_ACTIONS.has(entry.strategy);

/** The ledger key of an entry: {@link ControlKeys.ledger}. */
export const ledgerKey = (subject: LedgerSubject) =>
  ControlKeys.ledger(
    subject.sku,
    subject.location,
    subject.alertId,
    subject.transition,
    subject.strategy,
  );

/**
 * The audit ledger: the one writer of ledger entries, and their reader. Every entry is written
 * once, under {@link ledgerKey}, with write-sharded index attributes; a second write of the
 * same subject finds the first.
 */
export class Ledger {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly controlTable: string,
    private readonly shards: number = DEFAULT_INDEX_SHARDS,
  ) {}

  /** The conditional Put of an entry, for a transaction that writes it with its effect. */
  put(entry: LedgerEntry) {
    const key = ledgerKey(entry);
    return {
      TableName: this.controlTable,
      Item: { ...key, ...entry, ...ControlIndex.attributes('LEDGER', key, entry.at, this.shards) },
      ConditionExpression: 'attribute_not_exists(pk)',
    };
  }

  async get(subject: LedgerSubject): Promise<LedgerEntry | undefined> {
    const output = await this.doc.send(
      new GetCommand({
        TableName: this.controlTable,
        Key: ledgerKey(subject),
        ConsistentRead: true,
      }),
    );
    return output.Item as LedgerEntry | undefined;
  }

  /** Writes an entry on its own; returns the one that holds (the earlier one on a replay). */
  async record(entry: LedgerEntry): Promise<{ entry: LedgerEntry; replay: boolean }> {
    try {
      await this.doc.send(new PutCommand(this.put(entry)));
      return { entry, replay: false };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const existing = await this.get(entry);
      if (!existing) throw error;
      return { entry: existing, replay: true };
    }
  }

  /** The entries made in the window, in time order. */
  async between(window: TimeWindow): Promise<LedgerEntry[]> {
    return (await readIndex(
      this.doc,
      this.controlTable,
      'LEDGER',
      this.shards,
      window,
    )) as unknown as LedgerEntry[];
  }
}
