import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { type InventoryItem, InventoryItemSchema } from '../contracts/inventory.js';
import { type ControlIndexSettings, ControlKeys } from '../contracts/tables.js';
import type { LedgerEntry } from '../domain/ledger.js';
import type { RecordedState } from '../domain/standing.js';
import type { Decision } from '../domain/strategies.js';
import { StaleDecisionError } from '../errors.js';
import { decodeAlertState } from './alert-state-repository.js';
import { controlIndexSettingsFromEnv } from './control-index.js';
import { Ledger, type LedgerSubject } from './ledger.js';
import { type GuardedAction, type OpenOrderLock, OrderStore } from './order-store.js';

/** How long a reprice counter outlives its period, so a late retry still finds it. */
const REPRICE_COUNTER_EXTRA_DAYS = 7;

/** What a commit is conditioned on besides its effect's own guards. */
export interface CommitOptions {
  /** The reprice period the change counts in, and the limit. */
  readonly periodStart?: string | undefined;
  readonly periodHours?: number | undefined;
  readonly maxChangesPerPeriod?: number | undefined;
  /** An order computed up to a maximum from the quantity read: stock must not have risen. */
  readonly orderFromQuantity?: boolean | undefined;
}

/**
 * Applies strategy decisions to the inventory and control tables. Each effect is one
 * transaction together with its ledger entry, which is written only if absent: an effect and
 * its record land together or not at all, and a replay of the same decision changes nothing.
 */
export class StrategyStore {
  private readonly ledger: Ledger;
  private readonly orders: OrderStore;

  /**
   * `settings`: the environment's index shards and open-order age; by default those the stack
   * set on the function (see {@link controlIndexSettingsFromEnv}).
   */
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly inventoryTable: string,
    private readonly controlTable: string,
    settings: ControlIndexSettings = controlIndexSettingsFromEnv(),
  ) {
    this.ledger = new Ledger(doc, controlTable, settings.shards);
    this.orders = new OrderStore(doc, inventoryTable, controlTable, settings);
  }

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

  /** The item's alert state as last committed by the stock-monitor, read consistently. */
  async getAlertState(sku: string, location: string): Promise<RecordedState | undefined> {
    const output = await this.doc.send(
      new GetCommand({
        TableName: this.controlTable,
        Key: ControlKeys.alertState(sku, location),
        ConsistentRead: true,
      }),
    );
    return output.Item ? decodeAlertState(output.Item) : undefined;
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

  async getLedgerEntry(subject: LedgerSubject): Promise<LedgerEntry | undefined> {
    return this.ledger.get(subject);
  }

  /**
   * Writes the entry and, when `applied`, the decision's effect, in one transaction. Returns
   * the entry that holds: the new one, or the one already written by an earlier delivery.
   */
  async commit(
    entry: LedgerEntry,
    options: CommitOptions = {},
  ): Promise<{ entry: LedgerEntry; replay: boolean }> {
    const applies = entry.outcome === 'applied' && entry.decision !== undefined;
    // An order needs the item's lock as it stands: absent, still blocking, or expired.
    const lock =
      applies && entry.decision?.kind === 'purchase-order'
        ? await this.orders.lock(entry.sku, entry.location)
        : undefined;
    const effects =
      applies && entry.decision ? this.effects(entry, entry.decision, options, lock) : [];
    // Every effect lands only while its alert is still current (see `standingOf`).
    const guard = applies ? this.alertGuard(entry) : undefined;
    if (guard) effects.push(guard);
    const ledgerPut = { Put: this.ledger.put(entry) };
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
      // The alert's standing first: a stale alert is stale whatever else also failed.
      const order = [...effects.entries()].sort(
        ([, a], [, b]) => Number(b === guard) - Number(a === guard),
      );
      for (const [index, effect] of order) {
        if (reasons[index]?.Code === 'ConditionalCheckFailed') {
          // Errors are not unmarshalled by the document client: the old item is in wire format.
          const raw = reasons[index]?.Item;
          const verdict = effect.onConditionFailed(raw ? unmarshall(raw) : undefined);
          if (verdict.outcome === 'stale') throw new StaleDecisionError(verdict.reason);
          return this.commit(
            { ...entry, outcome: verdict.outcome, reason: verdict.reason, after: entry.before },
            options,
          );
        }
      }
      throw error;
    }
  }

  /** The alert must still be current when the effect lands (see {@link standingOf}). */
  private alertGuard(entry: LedgerEntry): Effect {
    const trigger = entry.transition === 'TRIGGERED';
    return {
      action: {
        ConditionCheck: {
          TableName: this.controlTable,
          Key: ControlKeys.alertState(entry.sku, entry.location),
          ConditionExpression: trigger
            ? '#open.#level.alertId = :alertId'
            : 'attribute_not_exists(#open.#level) AND (attribute_not_exists(#lastOpened) OR #lastOpened.#level = :alertId)',
          ExpressionAttributeNames: {
            '#open': 'open',
            '#level': entry.level,
            ...(trigger ? {} : { '#lastOpened': 'lastOpened' }),
          },
          ExpressionAttributeValues: { ':alertId': entry.alertId },
        },
      },
      onConditionFailed: () => ({
        outcome: 'stale',
        reason: `alert ${entry.alertId} is no longer the current ${entry.level} alert`,
      }),
    };
  }

  /** One more price change in the period, refused once the period's limit is reached. */
  private repriceCounter(
    entry: LedgerEntry,
    periodStart: string,
    counterTtl: number,
    options: CommitOptions,
  ): Effect {
    return {
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
    };
  }

  /** The writes that apply a decision, each conditioned on what the decision was computed from. */
  private effects(
    entry: LedgerEntry,
    decision: Decision,
    options: CommitOptions,
    lock: OpenOrderLock | undefined,
  ): Effect[] {
    const write: InventoryWrite = {
      table: this.inventoryTable,
      entry,
      // The quantity the decision was computed from.
      read: Number(entry.before.quantity),
    };
    switch (decision.kind) {
      case 'purchase-order':
        return [
          ...this.orders.place(entry, decision, lock),
          ...(options.orderFromQuantity ? [stockNotRisen(write)] : []),
        ];
      case 'direct-restock':
        return [restock(write, decision.quantity)];
      case 'reduce':
        return reduce(write, decision);
      case 'reprice': {
        const periodStart = options.periodStart ?? entry.at;
        const counterTtl =
          Math.floor(Date.parse(periodStart) / 1000) +
          Math.ceil((options.periodHours ?? 24) * 3600) +
          REPRICE_COUNTER_EXTRA_DAYS * 86_400;
        return [
          reprice(write, decision),
          // A restore undoes this alert's change: it does not count against the period's limit.
          ...(decision.restore
            ? []
            : [this.repriceCounter(entry, periodStart, counterTtl, options)]),
        ];
      }
      case 'pause-listing':
        return [setListing(write, decision.listed)];
      case 'no-change':
        return [];
    }
  }
}

/** One effect's write to the inventory item: which table, for which ledger entry, from what read. */
interface InventoryWrite {
  readonly table: string;
  readonly entry: LedgerEntry;
  readonly read: number;
}

const itemGone = (item: Record<string, unknown> | undefined) =>
  item
    ? undefined
    : ({ outcome: 'rejected', reason: 'the inventory item no longer exists' } as const);

/** An update of the item that marks it as the system's (so demand does not count it). */
const inventoryUpdate = (
  write: InventoryWrite,
  expression: string,
  values: Record<string, unknown>,
  condition: string,
) => ({
  Update: {
    TableName: write.table,
    Key: { sku: write.entry.sku, location: write.entry.location },
    UpdateExpression: `${expression}, lastAdjustmentId = :adjustment, lastAdjustedAt = :at`,
    ConditionExpression: condition,
    ExpressionAttributeValues: {
      ...values,
      ':adjustment': adjustmentIdOf(write.entry),
      ':at': write.entry.at,
    },
    ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
  },
});

const adjustmentIdOf = (entry: LedgerEntry) =>
  `${entry.alertId}#${entry.transition}#${entry.strategy}`;

/** An up-to-max order was computed from the stock read: it must not have risen since. */
const stockNotRisen = (write: InventoryWrite): Effect => ({
  action: {
    ConditionCheck: {
      TableName: write.table,
      Key: { sku: write.entry.sku, location: write.entry.location },
      ConditionExpression: 'attribute_exists(sku) AND quantity <= :read',
      ExpressionAttributeValues: { ':read': write.read },
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    },
  },
  onConditionFailed: (item) =>
    itemGone(item) ?? {
      outcome: 'stale',
      reason: `stock rose above ${write.read} since the order was computed`,
    },
});

/** Stock may have fallen since the read (sales), never risen: no overshoot of the target. */
const restock = (write: InventoryWrite, units: number): Effect => ({
  action: inventoryUpdate(
    write,
    'SET quantity = quantity + :units',
    { ':units': units, ':read': write.read },
    'attribute_exists(sku) AND quantity <= :read',
  ),
  onConditionFailed: (item) =>
    itemGone(item) ?? { outcome: 'stale', reason: `stock rose above ${write.read} meanwhile` },
});

/**
 * Stock may have risen since the read, never fallen: it never ends below downTo. A transfer
 * adds the surplus at the destination once (its adjustment id guards a replay).
 */
const reduce = (
  write: InventoryWrite,
  decision: Extract<Decision, { kind: 'reduce' }>,
): Effect[] => {
  const out: Effect = {
    action: inventoryUpdate(
      write,
      'SET quantity = quantity - :units',
      { ':units': decision.quantity, ':read': write.read },
      'attribute_exists(sku) AND quantity >= :read',
    ),
    onConditionFailed: (item) =>
      itemGone(item) ?? { outcome: 'stale', reason: `stock fell below ${write.read} meanwhile` },
  };
  if (decision.destination.type !== 'transfer') return [out];
  const into: Effect = {
    action: {
      Update: {
        TableName: write.table,
        Key: { sku: write.entry.sku, location: decision.destination.location },
        UpdateExpression:
          'ADD quantity :units SET lastAdjustmentId = :adjustment, lastAdjustedAt = :at',
        ConditionExpression:
          'attribute_not_exists(lastAdjustmentId) OR lastAdjustmentId <> :adjustment',
        ExpressionAttributeValues: {
          ':units': decision.quantity,
          ':adjustment': adjustmentIdOf(write.entry),
          ':at': write.entry.at,
        },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      },
    },
    onConditionFailed: () => ({
      outcome: 'stale',
      reason: 'destination already received this transfer',
    }),
  };
  return [out, into];
};

/** A price change, only from the price read. */
const reprice = (
  write: InventoryWrite,
  decision: Extract<Decision, { kind: 'reprice' }>,
): Effect => ({
  action: inventoryUpdate(
    write,
    'SET price = :to',
    { ':to': decision.to, ':from': decision.from },
    'attribute_exists(sku) AND price = :from',
  ),
  onConditionFailed: (item) =>
    itemGone(item) ?? { outcome: 'stale', reason: 'the price changed meanwhile' },
});

/** Only from the listing state read: an item without `listed` is live. */
const setListing = (write: InventoryWrite, listed: boolean): Effect => ({
  action: inventoryUpdate(
    write,
    'SET listed = :listed',
    { ':listed': listed, ':was': !listed },
    listed
      ? 'attribute_exists(sku) AND listed = :was'
      : 'attribute_exists(sku) AND (attribute_not_exists(listed) OR listed = :was)',
  ),
  onConditionFailed: (item) =>
    itemGone(item) ?? { outcome: 'stale', reason: 'the listing changed meanwhile' },
});

type Effect = GuardedAction;
