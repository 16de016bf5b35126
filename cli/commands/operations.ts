import { isAlertEffect } from '../../shared/adapters/ledger.js';
import { DAY_MS } from '../../shared/domain/days.js';
import {
  effectiveness,
  humanDuration,
  type LedgerFact,
} from '../../shared/domain/effectiveness.js';
import { UsageError } from '../../shared/errors.js';
import type { CommandInput } from '../args.js';
import { listKind, windowSince } from '../control-items.js';
import { type Format, type Io, numberOption, parseDuration, printRows } from '../io.js';
import { DEFAULT_TOP_ITEMS, writeHtmlReport } from '../report-html/index.js';
import type { Target } from '../target.js';

/** `--since` as an ISO time: a date, or a duration back from now; else `fallback`. */
export const sinceOf = (value: unknown, fallback?: string): string | undefined => {
  const text = typeof value === 'string' ? value : fallback;
  if (!text) return undefined;
  if (/^\d{4}-\d{2}-\d{2}/.test(text)) {
    if (Number.isNaN(Date.parse(text))) throw new UsageError(`--since: "${text}" is not a date`);
    return new Date(text).toISOString();
  }
  return new Date(Date.now() - parseDuration(text, '--since')).toISOString();
};

/** The first line of `ledger --help`, and what a wrong call is told. */
export const LEDGER_USAGE = 'ledger list [--sku SKU] [--since 7d|2026-11-01]';

export const ledgerCommand = async (
  input: CommandInput,
  target: Target,
  io: Io,
  format: Format,
): Promise<void> => {
  const since = sinceOf(input.string('since'), '7d') as string;
  const sku = input.string('sku');
  const entries = (await listKind(target, 'LEDGER', windowSince(since))).filter(
    (e) => !sku || e.sku === sku,
  );
  printRows(
    io,
    entries,
    ['at', 'sku', 'location', 'level', 'transition', 'strategy', 'outcome', 'reason', 'alertId'],
    format,
  );
};

const REPORT_COLUMNS = ['sku', 'location', 'level', 'alerts', 'stillOpen'];
const DURATIONS = ['recoverP50', 'recoverP90', 'stockout'];

/** Milliseconds as seconds (to the millisecond), or undefined. */
const seconds = (ms: number | undefined) => (ms === undefined ? undefined : ms / 1000);

/**
 * A duration for the table: milliseconds under a second (`246 ms`), a tenth of a second under
 * ten (`4.2s`), beyond that as {@link humanDuration} (`22s`, `3d 4h`).
 */
const readableDuration = (ms: number | undefined): string => {
  if (ms === undefined) return '';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)}s`;
  return humanDuration(ms);
};

/** How far before its window the report reads the ledger for the triggers of resolves inside it. */
const REPORT_LOOKBACK_DAYS = 7;

export const reportCommand = async (
  input: CommandInput,
  target: Target,
  io: Io,
  format: Format,
): Promise<void> => {
  const since = sinceOf(input.string('since'), '7d') as string;
  const html = input.string('html');
  if (html !== undefined) {
    const top = numberOption(input.string('top') ?? String(DEFAULT_TOP_ITEMS), '--top', {
      min: 1,
      max: 100,
    });
    const selection = { sku: input.string('sku'), location: input.string('location'), top };
    const window = { since: Date.parse(since), until: Date.now(), ...selection };
    return io.out(await writeHtmlReport(target, html, window));
  }
  // Read from a look-back before the window, so crossings that began earlier but resolve
  // inside it pair up; one that began even earlier counts its stockout inside the window but
  // not its recovery time.
  const from = new Date(Date.parse(since) - REPORT_LOOKBACK_DAYS * DAY_MS).toISOString();
  const facts = (await listKind(target, 'LEDGER', windowSince(from))) as unknown as LedgerFact[];
  const report = effectiveness(facts.filter(isAlertEffect), new Date(since), new Date());
  if (format !== 'table') {
    // Durations as numbers of seconds, for a spreadsheet or a script to compute with.
    const rows = report.items.map(({ recoverP50Ms, recoverP90Ms, stockoutMs, ...r }) => ({
      ...r,
      recoverP50Seconds: seconds(recoverP50Ms),
      recoverP90Seconds: seconds(recoverP90Ms),
      stockoutSeconds: r.level === 'OUT_OF_STOCK' ? seconds(stockoutMs) : undefined,
    }));
    if (format === 'json') return io.out(JSON.stringify({ ...report, items: rows }, null, 2));
    return printRows(io, rows, [...REPORT_COLUMNS, ...DURATIONS.map((d) => `${d}Seconds`)], 'csv');
  }
  const rows = report.items.map((r) => ({
    ...r,
    recoverP50: readableDuration(r.recoverP50Ms),
    recoverP90: readableDuration(r.recoverP90Ms),
    stockout: r.level === 'OUT_OF_STOCK' ? readableDuration(r.stockoutMs) : '',
  }));
  const columns = [...REPORT_COLUMNS, ...DURATIONS];
  io.out(`Effectiveness since ${report.since}`);
  printRows(io, rows, columns, 'table');
  io.out('\nEffects by strategy and outcome');
  printRows(io, report.effects, ['strategy', 'outcome', 'count'], 'table');
  io.out('\nItems that alert most');
  printRows(io, report.mostAlerting, ['sku', 'location', 'alerts'], 'table');
};
