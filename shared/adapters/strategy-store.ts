import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { type InventoryItem, InventoryItemSchema } from '../contracts/inventory.js';
import { ControlKeys } from '../contracts/tables.js';
import type { LedgerEntry } from '../domain/ledger.js';
import type { Decision } from '../domain/strategies.js';

export type { LedgerEntry, Outcome } from '../domain/ledger.js';

/** Thrown when state moved between decision and write; the invocation is retried and decides again. */
export class StaleDecisionError extends Error {
  override readonly name = 'StaleDecisionError';
}

const REPRICE_COUNTER_EXTRA_DAYS = 7;

/** The ledger key: one entry per alert, transition and strategy, which is what makes effects once-only. */
export const ledgerKey = (
  entry: Pick<LedgerEntry, 'sku' | 'location' | 'alertId' | 'transition' | 'strategy'>,
) => ({
  pk: ControlKeys.alertState(entry.sku, entry.location).pk,
  sk: `LEDGER#${entry.alertId}#${entry.transition}#${entry.strategy}`,
});

/** Deterministic purchase-order id: a replayed alert can only ever name the same order. */
export const orderIdOf = (alertId: string): string => `PO-${alertId}`;

/** Start of the reprice period containing `at`, as an ISO instant. */
export const periodStartOf = (at: Date, periodHours: number): string => {
  const periodMs = periodHours * 3_600_000;
  return new Date(Math.floor(at.getTime() / periodMs) * periodMs).toISOString();
};

/**
 * Applies strategy decisions to the inventory and control tables. Each effect is one
 * transaction together with its ledger entry, which is written only if absent: an effect and
 * its record land together or not at all, and a replay of the same decision changes nothing.
 */
export class StrategyStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly inventoryTable: string,
    private readonly controlTable: string,
  ) {}

  async getItem(sku: string, location: string): Promise<InventoryItem | undefined> {
    const output = await this.doc.send(
      new GetCommand({
        TableName: this.inventoryTable,
        Key: { sku, location },
        ConsistentRead: true,
      }),
    );
    if (!output.Item) return undefined;
    const parsed = InventoryItemSchema.safeParse(output.Item);
    return parsed.success ? parsed.data : undefined;
  }

  async repriceChanges(sku: string, location: string, periodStart: string): Promise<number> {
    const output = await this.doc.send(
      new GetCommand({
        TableName: this.controlTable,
        Key: ControlKeys.repriceCounter(sku, location, periodStart),
        ConsistentRead: true,
      }),
    );
    return Number(output.Item?.changes ?? 0);
  }

  async getLedgerEntry(key: Parameters<typeof ledgerKey>[0]): Promise<LedgerEntry | undefined> {
    const output = await this.doc.send(
      new GetCommand({ TableName: this.controlTable, Key: ledgerKey(key), ConsistentRead: true }),
    );
    return output.Item as LedgerEntry | undefined;
  }

  /**
   * Writes the entry and, when `applied`, the decision's effect, in one transaction. Returns
   * the entry that holds: the new one, or the one already written by an earlier delivery.
   */
  async commit(
    entry: LedgerEntry,
    options: { periodStart?: string; maxChangesPerPeriod?: number } = {},
  ): Promise<{ entry: LedgerEntry; replay: boolean }> {
    const effects =
      entry.outcome === 'applied' && entry.decision
        ? this.effects(entry, entry.decision, options)
        : [];
    const ledgerPut = {
      Put: {
        TableName: this.controlTable,
        Item: { ...ledgerKey(entry), kind: 'LEDGER', ...entry },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    };
    try {
      await this.doc.send(
        new TransactWriteCommand({ TransactItems: [...effects.map((e) => e.action), ledgerPut] }),
      );
      return { entry, replay: false };
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const reasons = error.CancellationReasons ?? [];
      if (reasons[effects.length]?.Code === 'ConditionalCheckFailed') {
        const existing = await this.getLedgerEntry(entry);
        if (existing) return { entry: existing, replay: true };
      }
      for (const [index, effect] of effects.entries()) {
        if (reasons[index]?.Code === 'ConditionalCheckFailed') {
          // Errors are not unmarshalled by the document client: the old item is in wire format.
          const raw = reasons[index]?.Item;
          const verdict = effect.onConditionFailed(raw ? unmarshall(raw) : undefined);
          if (verdict.outcome === 'stale') throw new StaleDecisionError(verdict.reason);
          return this.commit({
            ...entry,
            outcome: verdict.outcome,
            reason: verdict.reason,
            after: entry.before,
          });
        }
      }
      throw error;
    }
  }

  private effects(
    entry: LedgerEntry,
    decision: Decision,
    options: { periodStart?: string; maxChangesPerPeriod?: number },
  ): Effect[] {
    const key = { sku: entry.sku, location: entry.location };
    const adjustment = `${entry.alertId}#${entry.transition}#${entry.strategy}`;
    const itemGone = (item: Record<string, unknown> | undefined) =>
      item
        ? undefined
        : ({ outcome: 'rejected', reason: 'the inventory item no longer exists' } as const);
    const update = (
      expression: string,
      values: Record<string, unknown>,
      condition = 'attribute_exists(sku)',
      names: Record<string, string> = {},
    ) => ({
      Update: {
        TableName: this.inventoryTable,
        Key: key,
        UpdateExpression: `${expression}, lastAdjustmentId = :adjustment, lastAdjustedAt = :at`,
        ConditionExpression: condition,
        ExpressionAttributeValues: { ...values, ':adjustment': adjustment, ':at': entry.at },
        ...(Object.keys(names).length > 0 ? { ExpressionAttributeNames: names } : {}),
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
      },
    });
    switch (decision.kind) {
      case 'purchase-order': {
        const orderId = orderIdOf(entry.alertId);
        return [
          {
            action: {
              Put: {
                TableName: this.controlTable,
                Item: {
                  ...ControlKeys.openOrder(entry.sku, entry.location),
                  orderId,
                  at: entry.at,
                },
                ConditionExpression: 'attribute_not_exists(pk)',
                ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
              },
            },
            onConditionFailed: (item) => ({
              outcome: 'skipped',
              reason: `order ${String(item?.orderId)} is still open`,
            }),
          },
          {
            action: {
              Put: {
                TableName: this.controlTable,
                Item: {
                  ...ControlKeys.order(entry.sku, entry.location, orderId),
                  kind: 'ORDER',
                  at: entry.at,
                  orderId,
                  sku: entry.sku,
                  location: entry.location,
                  quantity: decision.quantity,
                  supplier: decision.supplier,
                  status: 'OPEN',
                  reason: entry.alertId,
                },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
            onConditionFailed: () => ({
              outcome: 'skipped',
              reason: `order ${orderId} exists already`,
            }),
          },
        ];
      }
      case 'restock':
        return [
          {
            action: update('SET quantity = quantity + :units', { ':units': decision.quantity }),
            onConditionFailed: (item) =>
              itemGone(item) ?? { outcome: 'stale', reason: 'item changed' },
          },
        ];
      case 'reduce': {
        const effects: Effect[] = [
          {
            action: update(
              'SET quantity = quantity - :units',
              { ':units': decision.quantity },
              'attribute_exists(sku) AND quantity >= :units',
            ),
            onConditionFailed: (item) =>
              itemGone(item) ?? {
                outcome: 'stale',
                reason: `stock fell below the surplus of ${decision.quantity}`,
              },
          },
        ];
        if (decision.destination.type === 'transfer') {
          effects.push({
            action: {
              Update: {
                TableName: this.inventoryTable,
                Key: { sku: entry.sku, location: decision.destination.location },
                UpdateExpression:
                  'ADD quantity :units SET lastAdjustmentId = :adjustment, lastAdjustedAt = :at',
                ConditionExpression:
                  'attribute_not_exists(lastAdjustmentId) OR lastAdjustmentId <> :adjustment',
                ExpressionAttributeValues: {
                  ':units': decision.quantity,
                  ':adjustment': adjustment,
                  ':at': entry.at,
                },
                ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
              },
            },
            onConditionFailed: () => ({
              outcome: 'stale',
              reason: 'destination already received this transfer',
            }),
          });
        }
        return effects;
      }
      case 'reprice': {
        const periodStart = options.periodStart ?? entry.at;
        const counterTtl =
          Math.floor(Date.parse(periodStart) / 1000) + REPRICE_COUNTER_EXTRA_DAYS * 86_400;
        return [
          {
            action: update(
              'SET price = :to',
              { ':to': decision.to, ':from': decision.from },
              'attribute_exists(sku) AND price = :from',
            ),
            onConditionFailed: (item) =>
              itemGone(item) ?? { outcome: 'stale', reason: 'the price changed meanwhile' },
          },
          {
            action: {
              Update: {
                TableName: this.controlTable,
                Key: ControlKeys.repriceCounter(entry.sku, entry.location, periodStart),
                UpdateExpression: 'ADD changes :one SET expiresAt = :ttl',
                ConditionExpression: 'attribute_not_exists(changes) OR changes < :max',
                ExpressionAttributeValues: {
                  ':one': 1,
                  ':ttl': counterTtl,
                  ':max': options.maxChangesPerPeriod ?? 1,
                },
              },
            },
            onConditionFailed: () => ({
              outcome: 'skipped',
              reason: 'reprice limit for the period reached',
            }),
          },
        ];
      }
      case 'listing':
        return [
          {
            action: update('SET listed = :listed', { ':listed': decision.listed }),
            onConditionFailed: (item) =>
              itemGone(item) ?? { outcome: 'stale', reason: 'item changed' },
          },
        ];
      case 'none':
        return [];
    }
  }
}

interface Effect {
  readonly action: NonNullable<
    ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']
  >[number];
  readonly onConditionFailed: (item: Record<string, unknown> | undefined) => {
    outcome: 'skipped' | 'rejected' | 'stale';
    reason: string;
  };
}
