import { parseArgs } from 'node:util';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { ledgerKey } from '../../shared/adapters/strategy-store.js';
import { ControlKeys } from '../../shared/contracts/tables.js';
import {
  effectiveness,
  humanDuration,
  type LedgerFact,
} from '../../shared/domain/effectiveness.js';
import { UsageError } from '../../shared/errors.js';
import { listKind } from '../control-items.js';
import { type Format, type Io, parseDuration, printRows } from '../io.js';
import type { Target } from '../target.js';

/** The options these commands share; each reads the ones it documents. */
const options = (args: string[]) =>
  parseArgs({
    args,
    allowPositionals: true,
    options: {
      sku: { type: 'string' },
      location: { type: 'string' },
      open: { type: 'boolean', default: false },
      since: { type: 'string' },
      quantity: { type: 'string' },
    },
  });

const sinceOf = (value: unknown, fallback?: string): string | undefined => {
  const text = typeof value === 'string' ? value : fallback;
  if (!text) return undefined;
  if (/^\d{4}-\d{2}-\d{2}/.test(text)) {
    if (Number.isNaN(Date.parse(text))) throw new UsageError(`--since: "${text}" is not a date`);
    return new Date(text).toISOString();
  }
  return new Date(Date.now() - parseDuration(text, '--since')).toISOString();
};

export const alertsCommand = async (
  args: string[],
  target: Target,
  io: Io,
  format: Format,
): Promise<void> => {
  const [action, ...rest] = args;
  if (action !== 'list') throw new UsageError('alerts list [--open] [--sku SKU]');
  const { values } = options(rest);
  const states = (await listKind(target, 'ALERTS')).filter(
    (s) => !values.sku || s.sku === values.sku,
  );
  const rows = states.flatMap((state): Record<string, unknown>[] => {
    const open = (state.open ?? {}) as Record<
      string,
      { alertId: string; triggeredAt: string; threshold: number; announced: boolean }
    >;
    const entries = Object.entries(open);
    if (entries.length === 0)
      return values.open
        ? []
        : [
            {
              sku: state.sku,
              location: state.location,
              level: '(none open)',
              since: '',
              threshold: '',
              alertId: '',
              notified: '',
            },
          ];
    return entries.map(([level, alert]) => ({
      sku: state.sku,
      location: state.location,
      level,
      since: alert.triggeredAt,
      threshold: alert.threshold,
      alertId: alert.alertId,
      notified: alert.announced,
    }));
  });
  printRows(
    io,
    rows,
    ['sku', 'location', 'level', 'since', 'threshold', 'notified', 'alertId'],
    format,
  );
};

export const ordersCommand = async (
  args: string[],
  target: Target,
  io: Io,
  format: Format,
): Promise<void> => {
  const [action, ...rest] = args;
  const { values, positionals } = options(rest);
  if (action === 'list') {
    const orders = (await listKind(target, 'ORDER'))
      .filter((o) => !values.open || o.status === 'OPEN')
      .filter((o) => !values.sku || o.sku === values.sku);
    return printRows(
      io,
      orders,
      ['orderId', 'sku', 'location', 'quantity', 'supplier', 'status', 'at', 'receivedQuantity'],
      format,
    );
  }
  if (action !== 'receive')
    throw new UsageError('orders list [--open] | orders receive <orderId> [--quantity N]');
  const orderId = positionals[0];
  if (!orderId)
    throw new UsageError('orders receive <orderId> [--quantity N]: the id from orders list');
  const order = (await listKind(target, 'ORDER')).find((o) => o.orderId === orderId);
  if (!order) throw new UsageError(`No order ${orderId}. See: orders list --open`);
  if (order.status !== 'OPEN')
    throw new UsageError(`Order ${orderId} is ${String(order.status)}, not OPEN`);
  const quantity = values.quantity === undefined ? Number(order.quantity) : Number(values.quantity);
  if (!Number.isFinite(quantity) || quantity <= 0)
    throw new UsageError(`--quantity must be a positive number, got "${String(values.quantity)}"`);
  const sku = String(order.sku);
  const location = String(order.location);
  const at = new Date().toISOString();
  const entry = {
    alertId: String(order.reason),
    transition: 'RESOLVED' as const,
    level: 'LOW_STOCK' as const,
    sku,
    location,
    strategy: 'receive-order',
  };
  try {
    await target.doc.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Update: {
              TableName: target.controlTable,
              Key: ControlKeys.order(sku, location, orderId),
              UpdateExpression: 'SET #status = :received, receivedAt = :at, receivedQuantity = :q',
              ConditionExpression: '#status = :open',
              ExpressionAttributeNames: { '#status': 'status' },
              ExpressionAttributeValues: {
                ':received': 'RECEIVED',
                ':open': 'OPEN',
                ':at': at,
                ':q': quantity,
              },
            },
          },
          {
            Delete: {
              TableName: target.controlTable,
              Key: ControlKeys.openOrder(sku, location),
              ConditionExpression: 'attribute_not_exists(pk) OR orderId = :id',
              ExpressionAttributeValues: { ':id': orderId },
            },
          },
          {
            Update: {
              TableName: target.inventoryTable,
              Key: { sku, location },
              UpdateExpression:
                'ADD quantity :q SET lastAdjustmentId = :adjustment, lastAdjustedAt = :at',
              ExpressionAttributeValues: {
                ':q': quantity,
                ':adjustment': `receive#${orderId}`,
                ':at': at,
              },
            },
          },
          {
            Put: {
              TableName: target.controlTable,
              Item: {
                ...ledgerKey(entry),
                kind: 'LEDGER',
                ...entry,
                outcome: 'applied',
                orderId,
                decision: { kind: 'receive', quantity },
                occurredAt: at,
                at,
              },
            },
          },
        ],
      }),
    );
  } catch (error) {
    if (error instanceof TransactionCanceledException)
      throw new UsageError(
        `Order ${orderId} changed meanwhile (received already?); nothing was written`,
      );
    throw error;
  }
  if (format === 'json')
    return io.out(JSON.stringify({ orderId, sku, location, received: quantity }));
  io.out(`Order ${orderId} received: ${sku} at ${location} +${quantity}`);
};

export const ledgerCommand = async (
  args: string[],
  target: Target,
  io: Io,
  format: Format,
): Promise<void> => {
  const [action, ...rest] = args;
  if (action !== 'list') throw new UsageError('ledger list [--sku SKU] [--since 7d|2026-11-01]');
  const { values } = options(rest);
  const entries = (await listKind(target, 'LEDGER', sinceOf(values.since))).filter(
    (e) => !values.sku || e.sku === values.sku,
  );
  printRows(
    io,
    entries,
    ['at', 'sku', 'location', 'level', 'transition', 'strategy', 'outcome', 'reason', 'alertId'],
    format,
  );
};

export const reportCommand = async (
  args: string[],
  target: Target,
  io: Io,
  format: Format,
): Promise<void> => {
  const { values } = options(args);
  const since = sinceOf(values.since, '7d') as string;
  // Read from before the window, so crossings that began earlier but resolve inside it pair up.
  const facts = (await listKind(target, 'LEDGER')) as unknown as LedgerFact[];
  const report = effectiveness(
    facts.filter((f) => f.strategy !== 'receive-order'),
    new Date(since),
    new Date(),
  );
  if (format === 'json') return io.out(JSON.stringify(report, null, 2));
  const rows = report.items.map((r) => ({
    ...r,
    recoverP50: humanDuration(r.recoverP50Ms),
    recoverP90: humanDuration(r.recoverP90Ms),
    stockout: r.level === 'OUT_OF_STOCK' ? humanDuration(r.stockoutMs) : '',
  }));
  const columns = [
    'sku',
    'location',
    'level',
    'alerts',
    'stillOpen',
    'recoverP50',
    'recoverP90',
    'stockout',
  ];
  if (format === 'csv') return printRows(io, rows, columns, 'csv');
  io.out(`Effectiveness since ${report.since}`);
  printRows(io, rows, columns, 'table');
  io.out('\nEffects by strategy and outcome');
  printRows(io, report.effects, ['strategy', 'outcome', 'count'], 'table');
  io.out('\nItems that alert most');
  printRows(io, report.mostAlerting, ['sku', 'location', 'alerts'], 'table');
};
