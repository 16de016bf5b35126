import Table from 'cli-table3';
import { stringify } from 'csv-stringify/sync';
import { UsageError } from '../shared/errors.js';

/** Where a command writes; tests pass buffers, the binary passes the process streams. */
export interface Io {
  out(text: string): void;
  err(text: string): void;
  readonly isTty: boolean;
}

export const processIo: Io = {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
  isTty: Boolean(process.stdout.isTTY),
};

export type Format = 'table' | 'json' | 'csv';

const cell = (value: unknown): string =>
  value === undefined || value === null
    ? ''
    : typeof value === 'object'
      ? JSON.stringify(value)
      : String(value);

/**
 * CSV that a spreadsheet opens as data. A text cell starting with `=`, `+`, `-`, `@`, tab or
 * carriage return (or their full-width forms) gets a leading `'`, so a SKU such as
 * `=HYPERLINK(…)` is shown, never run (OWASP CSV injection). Numbers are written as numbers:
 * `-5` in a quantity column is data and stays as it is.
 */
const csv = (rows: readonly Record<string, unknown>[], columns: readonly string[]): string =>
  stringify([[...columns], ...rows.map((row) => columns.map((c) => row[c]))], {
    escape_formulas: true,
    eof: false,
    cast: {
      boolean: (value) => String(value),
      date: (value) => value.toISOString(),
      object: (value) => JSON.stringify(value),
    },
  });

/** Prints rows as a table (default), JSON or CSV, with the given columns in order. */
export const printRows = (
  io: Io,
  rows: readonly Record<string, unknown>[],
  columns: readonly string[],
  format: Format,
): void => {
  if (format === 'json') {
    io.out(JSON.stringify(rows, null, 2));
    return;
  }
  if (format === 'csv') {
    io.out(csv(rows, columns));
    return;
  }
  if (rows.length === 0) {
    io.out('(none)');
    return;
  }
  const table = new Table({ head: [...columns], style: { head: [], border: [] } });
  for (const row of rows) table.push(columns.map((c) => cell(row[c])));
  io.out(table.toString());
};

/** A numeric option's value; with `range`, only within it (inclusive). */
export const numberOption = (
  value: string | undefined,
  option: string,
  range?: { min: number; max: number },
): number => {
  const number = Number(value);
  const inRange = !range || (number >= range.min && number <= range.max);
  if (value === undefined || value === '' || !Number.isFinite(number) || !inRange) {
    const expected = range ? `a number from ${range.min} to ${range.max}` : 'a number';
    throw new UsageError(`${option} must be ${expected}, got "${value ?? ''}"`);
  }
  return number;
};

/** Parses `7d`, `12h`, `30m`, `45s` into milliseconds. */
export const parseDuration = (text: string, option: string): number => {
  const match = /^(\d+(?:\.\d+)?)\s*(s|m|h|d|w)$/.exec(text.trim());
  if (!match)
    throw new UsageError(`${option} must be a duration like 30m, 12h or 7d, got "${text}"`);
  const unit = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 }[match[2] as 's'] * 1000;
  return Number(match[1]) * unit;
};

/**
 * What a command did: a line for people (table), or the same facts as data on stdout (JSON,
 * or CSV with one row), so `--json` output always parses.
 */
export const printResult = (
  io: Io,
  format: Format,
  text: string,
  data: Record<string, unknown>,
): void => {
  if (format === 'json') io.out(JSON.stringify(data, null, 2));
  else if (format === 'csv') printRows(io, [data], Object.keys(data), 'csv');
  else io.out(text);
};
