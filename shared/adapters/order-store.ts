import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import {
  ControlIndex,
  type ControlIndexSettings,
  ControlKeys,
  DEFAULT_CONTROL_INDEX,
} from '../contracts/tables.js';
import { DAY_MS } from '../domain/days.js';
import type { LedgerEntry } from '../domain/ledger.js';
import type { Level } from '../domain/levels.js';
import type { Decision } from '../domain/strategies.js';
import { orderIdOf } from '../domain/strategies.js';
import { readIndex, type TimeWindow } from './control-index.js';
import { Ledger, OperatorAction } from './ledger.js';

/** One action of a transaction, and what its failed condition means for the decision. */
export interface GuardedAction {
  readonly action: NonNullable<
    ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']
  >[number];
  readonly onConditionFailed: (item: Record<string, unknown> | undefined) => {
    outcome: 'skipped' | 'rejected' | 'stale';
    reason: string;
  };
}

/** The actions of one DynamoDB transaction. */
type TransactItems = NonNullable<
  ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']
>;

/** What receiving or cancelling adds to closing an order: its own writes, fields and ledger wording. */
interface ClosingEffect {
  readonly actions: TransactItems;
  /** More of the order's update expression (`a = :v`), or nothing. */
  readonly set: string | undefined;
  readonly values: Record<string, unknown>;
  readonly strategy: string;
  readonly decision: Record<string, unknown>;
}

/** The alert an order was raised for (its id is {@link orderIdOf} that alert). */
export const alertIdOfOrder = (orderId: string): string =>
  orderId.startsWith('PO-') ? orderId.slice('PO-'.length) : orderId;

export type OrderStatus = 'OPEN' | 'RECEIVED' | 'CANCELLED' | 'EXPIRED';

/** A purchase order as stored (`ControlKeys.order`). */
export interface PurchaseOrder {
  readonly orderId: string;
  readonly sku: string;
  readonly location: string;
  readonly level?: Level | undefined;
  readonly quantity: number;
  readonly supplier?: string | undefined;
  readonly status: OrderStatus;
  /** The alert that raised it. */
  readonly reason: string;
  readonly at: string;
  readonly receivedQuantity?: number | undefined;
}

/** The item's open-order lock: while it stands, no second order is raised for the item. */
export interface OpenOrderLock {
  readonly orderId: string;
  readonly at: string;
}

/** No order has this id. */
export class OrderNotFoundError extends Error {
  override readonly name = 'OrderNotFoundError';
  constructor(readonly orderId: string) {
    super(`No order ${orderId}. See: orders list --open`);
  }
}

/** The order is received, cancelled or expired already: nothing was written. */
export class OrderNotOpenError extends Error {
  override readonly name = 'OrderNotOpenError';
  constructor(
    readonly orderId: string,
    readonly status: string,
  ) {
    super(`Order ${orderId} is ${status}, not OPEN`);
  }
}

/**
 * Purchase orders and both sides of the open-order lock: the lock item of the item
 * (`OPEN_ORDER`) and the order itself (`ORDER#<orderId>`). Placing writes both; receiving or
 * cancelling closes the order and releases the lock; an order older than the environment's
 * `openOrderMaxAgeDays` stops blocking, and the next order replaces its lock and expires it.
 * Every change is conditional on the order still being open and is ledgered in the same
 * transaction, so a receive, a cancel and an expiry of one order cannot both win.
 */
export class OrderStore {
  private readonly ledger: Ledger;

  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly inventoryTable: string,
    private readonly controlTable: string,
    private readonly settings: ControlIndexSettings = DEFAULT_CONTROL_INDEX,
  ) {
    this.ledger = new Ledger(doc, controlTable, settings.shards);
  }

  async lock(sku: string, location: string): Promise<OpenOrderLock | undefined> {
    const output = await this.doc.send(
      new GetCommand({
        TableName: this.controlTable,
        Key: ControlKeys.openOrder(sku, location),
        ConsistentRead: true,
      }),
    );
    return output.Item as OpenOrderLock | undefined;
  }

  async get(orderId: string): Promise<PurchaseOrder | undefined> {
    const output = await this.doc.send(
      new GetCommand({
        TableName: this.controlTable,
        Key: ControlKeys.order(orderId),
        ConsistentRead: true,
      }),
    );
    return output.Item as PurchaseOrder | undefined;
  }

  /** The orders placed in the window, in time order. */
  async placedBetween(window: TimeWindow): Promise<PurchaseOrder[]> {
    return (await readIndex(
      this.doc,
      this.controlTable,
      'ORDER',
      this.settings.shards,
      window,
    )) as unknown as PurchaseOrder[];
  }

  /** Instants before this (ISO-8601) are too old for an open order to block another. */
  expiryCutoff(now: string): string {
    return new Date(Date.parse(now) - this.settings.openOrderMaxAgeDays * DAY_MS).toISOString();
  }

  /**
   * The actions that place the order of `entry`: the lock (only if the item has none, or
   * replacing `lock` if that one has expired: then the old order is expired and ledgered in
   * the same transaction) and the order. `lock` is the item's lock as read just before.
   */
  place(
    entry: LedgerEntry,
    decision: Extract<Decision, { kind: 'purchase-order' }>,
    lock: OpenOrderLock | undefined,
  ): GuardedAction[] {
    const orderId = orderIdOf(entry.alertId);
    const cutoff = this.expiryCutoff(entry.at);
    const expired = lock !== undefined && lock.at < cutoff ? lock : undefined;
    const orderKey = ControlKeys.order(orderId);
    const placeLock: GuardedAction = {
      action: {
        Put: {
          TableName: this.controlTable,
          Item: { ...ControlKeys.openOrder(entry.sku, entry.location), orderId, at: entry.at },
          ...(expired
            ? {
                ConditionExpression: 'orderId = :expiredOrder AND #at < :cutoff',
                ExpressionAttributeNames: { '#at': 'at' },
                ExpressionAttributeValues: { ':expiredOrder': expired.orderId, ':cutoff': cutoff },
              }
            : { ConditionExpression: 'attribute_not_exists(pk)' }),
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        },
      },
      onConditionFailed: (item) =>
        item && !(String(item.at) < cutoff)
          ? { outcome: 'skipped', reason: `order ${String(item.orderId)} is still open` }
          : // The lock was released or expired meanwhile: decide again on what stands now.
            { outcome: 'stale', reason: 'the open-order lock changed meanwhile' },
    };
    const placeOrder: GuardedAction = {
      action: {
        Put: {
          TableName: this.controlTable,
          Item: {
            ...orderKey,
            ...ControlIndex.attributes('ORDER', orderKey, entry.at, this.settings.shards),
            orderId,
            sku: entry.sku,
            location: entry.location,
            level: entry.level,
            quantity: decision.quantity,
            supplier: decision.supplier,
            status: 'OPEN',
            reason: entry.alertId,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      onConditionFailed: () => ({ outcome: 'skipped', reason: `order ${orderId} exists already` }),
    };
    return [placeLock, ...(expired ? this.expire(expired, entry, orderId) : []), placeOrder];
  }

  /** Closes an expired order and ledgers it, as part of placing `replacement`. */
  private expire(lock: OpenOrderLock, by: LedgerEntry, replacement: string): GuardedAction[] {
    const changed = () => ({
      outcome: 'stale' as const,
      reason: `order ${lock.orderId} was closed meanwhile`,
    });
    return [
      {
        action: {
          Update: {
            TableName: this.controlTable,
            Key: ControlKeys.order(lock.orderId),
            UpdateExpression: 'SET #status = :expired, closedAt = :at',
            ConditionExpression: '#status = :open',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ':expired': 'EXPIRED', ':open': 'OPEN', ':at': by.at },
          },
        },
        onConditionFailed: changed,
      },
      {
        action: {
          Put: this.ledger.put({
            alertId: alertIdOfOrder(lock.orderId),
            transition: 'RESOLVED',
            level: by.level,
            sku: by.sku,
            location: by.location,
            strategy: OperatorAction.expireOrder,
            outcome: 'applied',
            reason: `open since ${lock.at}, more than ${this.settings.openOrderMaxAgeDays} days; replaced by ${replacement}`,
            orderId: lock.orderId,
            before: { status: 'OPEN', at: lock.at },
            after: { status: 'EXPIRED' },
            occurredAt: by.at,
            at: by.at,
          }),
        },
        onConditionFailed: changed,
      },
    ];
  }

  /** Receives an open order: stock up by `quantity`, order closed, lock released, ledgered. */
  async receive(orderId: string, quantity: number, at: string): Promise<PurchaseOrder> {
    return this.close(orderId, 'RECEIVED', at, (order) => ({
      actions: [
        {
          Update: {
            TableName: this.inventoryTable,
            Key: { sku: order.sku, location: order.location },
            UpdateExpression:
              'ADD quantity :q SET lastAdjustmentId = :adjustment, lastAdjustedAt = :at',
            ExpressionAttributeValues: {
              ':q': quantity,
              ':adjustment': `receive#${orderId}`,
              ':at': at,
            },
          },
        },
      ],
      set: 'receivedQuantity = :q',
      values: { ':q': quantity },
      strategy: OperatorAction.receiveOrder,
      decision: { kind: 'receive', quantity },
    }));
  }

  /** Cancels an open order: closed unreceived, lock released (the item can be ordered again), ledgered. */
  async cancel(orderId: string, at: string): Promise<PurchaseOrder> {
    return this.close(orderId, 'CANCELLED', at, () => ({
      actions: [],
      set: undefined,
      values: {},
      strategy: OperatorAction.cancelOrder,
      decision: { kind: 'cancel' },
    }));
  }

  /**
   * Closes an open order as `status` in one transaction: the order, its lock, the `effect`'s own
   * writes and the ledger entry. If the order is closed meanwhile, says how it ended.
   */
  private async close(
    orderId: string,
    status: 'RECEIVED' | 'CANCELLED',
    at: string,
    effect: (order: PurchaseOrder) => ClosingEffect,
  ): Promise<PurchaseOrder> {
    const order = await this.openOrder(orderId);
    const actions = this.closingActions(orderId, order, status, at, effect(order));
    try {
      await this.doc.send(new TransactWriteCommand({ TransactItems: actions }));
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      // Someone closed it first (a receive racing a cancel, or an expiry): say how it ended.
      const now = await this.get(orderId);
      if (now && now.status !== 'OPEN') throw new OrderNotOpenError(orderId, now.status);
      throw error;
    }
    return order;
  }

  /** The order as read now, if it is open; otherwise the error that says why not. */
  private async openOrder(orderId: string): Promise<PurchaseOrder> {
    const order = await this.get(orderId);
    if (!order) throw new OrderNotFoundError(orderId);
    if (order.status !== 'OPEN') throw new OrderNotOpenError(orderId, order.status);
    return order;
  }

  /** Order closed only while open, lock released only if it is this order's, effect, ledger. */
  private closingActions(
    orderId: string,
    order: PurchaseOrder,
    status: 'RECEIVED' | 'CANCELLED',
    at: string,
    closing: ClosingEffect,
  ): TransactItems {
    const { actions, set, values } = closing;
    return [
      {
        Update: {
          TableName: this.controlTable,
          Key: ControlKeys.order(orderId),
          UpdateExpression: `SET #status = :closed, closedAt = :at${set ? `, ${set}` : ''}`,
          ConditionExpression: '#status = :open',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':closed': status,
            ':open': 'OPEN',
            ':at': at,
            ...values,
          },
        },
      },
      {
        Delete: {
          TableName: this.controlTable,
          Key: ControlKeys.openOrder(order.sku, order.location),
          ConditionExpression: 'attribute_not_exists(pk) OR orderId = :id',
          ExpressionAttributeValues: { ':id': orderId },
        },
      },
      ...actions,
      { Put: this.ledger.put(closingEntry(orderId, order, status, at, closing)) },
    ];
  }
}

/** The ledger entry that resolves the order's alert by receiving or cancelling it. */
const closingEntry = (
  orderId: string,
  order: PurchaseOrder,
  status: 'RECEIVED' | 'CANCELLED',
  at: string,
  { strategy, decision }: ClosingEffect,
): LedgerEntry =>
  ({
    alertId: order.reason,
    transition: 'RESOLVED',
    level: order.level ?? 'LOW_STOCK',
    sku: order.sku,
    location: order.location,
    strategy,
    outcome: 'applied',
    orderId,
    decision,
    before: { status: 'OPEN' },
    after: { status },
    occurredAt: at,
    at,
  }) as unknown as LedgerEntry;
