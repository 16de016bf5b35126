import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  OrderNotFoundError,
  OrderNotOpenError,
  OrderStore,
  type PurchaseOrder,
} from '../../shared/adapters/order-store.js';
import { UsageError } from '../../shared/errors.js';
import type { CommandInput } from '../args.js';
import { indexSettingsOf, windowSince } from '../control-items.js';
import { type Format, type Io, printResult, printRows } from '../io.js';
import type { Target } from '../target.js';
import { sinceOf } from './operations.js';

/** The first line of `orders --help`. */
export const ORDERS_USAGE =
  'orders list [--open] [--sku SKU] [--since 14d|2026-11-01] | receive <orderId> [--quantity N] | cancel <orderId>';

/**
 * Receives an open order as `orders receive` does (the sandbox's demo too): the ordered
 * quantity unless `quantity` says otherwise; stock raised, the order closed and ledgered in one
 * transaction. Refusals (no such order, not open, changed meanwhile) are {@link UsageError}s.
 */
export const receiveOrder = async (
  orders: OrderStore,
  orderId: string,
  quantityText: string | undefined,
  at: string,
): Promise<{ order: PurchaseOrder; quantity: number }> => {
  try {
    const open = await orders.get(orderId);
    if (!open) throw new OrderNotFoundError(orderId);
    const quantity = quantityText === undefined ? Number(open.quantity) : Number(quantityText);
    if (!Number.isFinite(quantity) || quantity <= 0)
      throw new UsageError(`--quantity must be a positive number, got "${quantityText}"`);
    return { order: await orders.receive(orderId, quantity, at), quantity };
  } catch (error) {
    throw refusalOf(error, orderId);
  }
};

/** An order store error as what the operator is told; other errors as they are. */
const refusalOf = (error: unknown, orderId: string): unknown => {
  if (error instanceof OrderNotFoundError || error instanceof OrderNotOpenError)
    return new UsageError(error.message);
  if (error instanceof TransactionCanceledException)
    return new UsageError(`Order ${orderId} changed meanwhile; nothing was written`);
  return error;
};

/** `orders list|receive|cancel`. */
export const ordersCommand = async (
  input: CommandInput,
  target: Target,
  io: Io,
  format: Format,
): Promise<void> => {
  const settings = indexSettingsOf(target);
  const orders = new OrderStore(target.doc, target.inventoryTable, target.controlTable, settings);
  if (input.action === 'list') {
    // By default as far back as an open order still blocks a new one.
    const since = sinceOf(input.string('since'), `${settings.openOrderMaxAgeDays}d`) as string;
    const sku = input.string('sku');
    const placed = (await orders.placedBetween(windowSince(since)))
      .filter((o) => !input.flag('open') || o.status === 'OPEN')
      .filter((o) => !sku || o.sku === sku);
    return printRows(
      io,
      placed as unknown as Record<string, unknown>[],
      ['orderId', 'sku', 'location', 'quantity', 'supplier', 'status', 'at', 'receivedQuantity'],
      format,
    );
  }
  const orderId = input.positionals[0];
  if (!orderId) throw new UsageError(`orders ${input.action} <orderId>: the id from orders list`);
  const at = new Date().toISOString();
  if (input.action === 'cancel') {
    let order: PurchaseOrder;
    try {
      order = await orders.cancel(orderId, at);
    } catch (error) {
      throw refusalOf(error, orderId);
    }
    const { sku, location } = order;
    return printResult(
      io,
      format,
      `Order ${orderId} cancelled: ${sku} at ${location} can be ordered again`,
      { orderId, sku, location, cancelled: true },
    );
  }
  const { order, quantity } = await receiveOrder(orders, orderId, input.string('quantity'), at);
  const { sku, location } = order;
  printResult(io, format, `Order ${orderId} received: ${sku} at ${location} +${quantity}`, {
    orderId,
    sku,
    location,
    received: quantity,
  });
};
