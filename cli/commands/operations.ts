import { parseArgs } from 'node:util';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { isAlertEffect } from '../../shared/adapters/ledger.js';
import {
  OrderNotFoundError,
  OrderNotOpenError,
  OrderStore,
  type PurchaseOrder,
} from '../../shared/adapters/order-store.js';
import { ControlKeys } from '../../shared/contracts/tables.js';
import {
  effectiveness,
  humanDuration,
  type LedgerFact,
} from '../../shared/domain/effectiveness.js';
import { UsageError } from '../../shared/errors.js';
import { indexSettingsOf, listKind, windowSince } from '../control-items.js';
import { type Format, type Io, numberOption, parseDuration, printRows } from '../io.js';
import { DEFAULT_TOP_ITEMS, writeHtmlReport } from '../report-html/index.js';
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
      html: { type: 'string' },
      top: { type: 'string' },
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

/** The first line of `alerts --help`, and what a wrong call is told. */
export const ALERTS_USAGE = 'alerts list [--open] [--sku SKU [--location L]]';

export const alertsCommand = async (
  args: string[],
  target: Target,
  io: Io,
  format: Format,
): Promise<void> => {
  const [action, ...rest] = args;
  if (action !== 'list') throw new UsageError(ALERTS_USAGE);
  const { values } = options(rest);
  // One item by key (its state, even with nothing open); else every state with an alert open,
  // which is what the index holds.
  const states =
    typeof values.sku === 'string' && typeof values.location === 'string'
      ? [
          (
            await target.doc.send(
              new GetCommand({
                TableName: target.controlTable,
                Key: ControlKeys.alertState(values.sku, values.location),
              }),
            )
          ).Item ?? { sku: values.sku, location: values.location, open: {} },
        ]
      : (await listKind(target, 'ALERTS')).filter((s) => !values.sku || s.sku === values.sku);
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

/** The first line of `orders --help`, and what a wrong call is told. */
export const ORDERS_USAGE =
  'orders list [--open] [--sku SKU] [--since 14d|2026-11-01] | receive <orderId> [--quantity N] | cancel <orderId>';

export const ordersCommand = async (
  args: string[],
  target: Target,
  io: Io,
  format: Format,
): Promise<void> => {
  const [action, ...rest] = args;
  const { values, positionals } = options(rest);
  const settings = indexSettingsOf(target);
  const orders = new OrderStore(target.doc, target.inventoryTable, target.controlTable, settings);
  if (action === 'list') {
    // By default as far back as an open order still blocks a new one.
    const since = sinceOf(values.since, `${settings.openOrderMaxAgeDays}d`) as string;
    const placed = (await orders.placedBetween(windowSince(since)))
      .filter((o) => !values.open || o.status === 'OPEN')
      .filter((o) => !values.sku || o.sku === values.sku);
    return printRows(
      io,
      placed as unknown as Record<string, unknown>[],
      ['orderId', 'sku', 'location', 'quantity', 'supplier', 'status', 'at', 'receivedQuantity'],
      format,
    );
  }
  if (action !== 'receive' && action !== 'cancel') throw new UsageError(ORDERS_USAGE);
  const orderId = positionals[0];
  if (!orderId) throw new UsageError(`orders ${action} <orderId>: the id from orders list`);
  const at = new Date().toISOString();
  let order: PurchaseOrder;
  let quantity: number | undefined;
  try {
    if (action === 'cancel') order = await orders.cancel(orderId, at);
    else {
      const open = await orders.get(orderId);
      if (!open) throw new OrderNotFoundError(orderId);
      quantity = values.quantity === undefined ? Number(open.quantity) : Number(values.quantity);
      if (!Number.isFinite(quantity) || quantity <= 0)
        throw new UsageError(
          `--quantity must be a positive number, got "${String(values.quantity)}"`,
        );
      order = await orders.receive(orderId, quantity, at);
    }
  } catch (error) {
    if (error instanceof OrderNotFoundError || error instanceof OrderNotOpenError)
      throw new UsageError(error.message);
    if (error instanceof TransactionCanceledException)
      throw new UsageError(`Order ${orderId} changed meanwhile; nothing was written`);
    throw error;
  }
  const { sku, location } = order;
  if (action === 'cancel') {
    if (format === 'json')
      return io.out(JSON.stringify({ orderId, sku, location, cancelled: true }));
    return io.out(`Order ${orderId} cancelled: ${sku} at ${location} can be ordered again`);
  }
  if (format === 'json')
    return io.out(JSON.stringify({ orderId, sku, location, received: quantity }));
  io.out(`Order ${orderId} received: ${sku} at ${location} +${quantity}`);
};

/** The first line of `ledger --help`, and what a wrong call is told. */
export const LEDGER_USAGE = 'ledger list [--sku SKU] [--since 7d|2026-11-01]';

export const ledgerCommand = async (
  args: string[],
  target: Target,
  io: Io,
  format: Format,
): Promise<void> => {
  const [action, ...rest] = args;
  if (action !== 'list') throw new UsageError(LEDGER_USAGE);
  const { values } = options(rest);
  const since = sinceOf(values.since, '7d') as string;
  const entries = (await listKind(target, 'LEDGER', windowSince(since))).filter(
    (e) => !values.sku || e.sku === values.sku,
  );
  printRows(
    io,
    entries,
    ['at', 'sku', 'location', 'level', 'transition', 'strategy', 'outcome', 'reason', 'alertId'],
    format,
  );
};

/** How far before its window the report reads the ledger for the triggers of resolves inside it. */
const REPORT_LOOKBACK_DAYS = 7;

export const reportCommand = async (
  args: string[],
  target: Target,
  io: Io,
  format: Format,
): Promise<void> => {
  const { values } = options(args);
  const since = sinceOf(values.since, '7d') as string;
  if (values.html !== undefined) {
    const top = numberOption(values.top ?? String(DEFAULT_TOP_ITEMS), '--top', {
      min: 1,
      max: 100,
    });
    const selection = { sku: values.sku, location: values.location, top };
    const window = { since: Date.parse(since), until: Date.now(), ...selection };
    return io.out(await writeHtmlReport(target, values.html, window));
  }
  // Read from a look-back before the window, so crossings that began earlier but resolve
  // inside it pair up; one that began even earlier counts its stockout inside the window but
  // not its recovery time.
  const from = new Date(Date.parse(since) - REPORT_LOOKBACK_DAYS * 86_400_000).toISOString();
  const facts = (await listKind(target, 'LEDGER', windowSince(from))) as unknown as LedgerFact[];
  const report = effectiveness(facts.filter(isAlertEffect), new Date(since), new Date());
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
