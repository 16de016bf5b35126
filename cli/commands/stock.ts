import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  GetCommand,
  QueryCommand,
  UpdateCommand,
  type UpdateCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { parse as parseCsv } from 'csv-parse/sync';
import { type InventoryItem, InventoryItemSchema } from '../../shared/contracts/inventory.js';
import { UsageError } from '../../shared/errors.js';
import { type Format, type Io, numberOption, printRows } from '../io.js';
import type { Target } from '../target.js';

/** DynamoDB allows at most 25 puts per BatchWriteItem. */
const BATCH_WRITE_LIMIT = 25;

export interface ImportSummary {
  readonly written: number;
  readonly skipped: { line: number; reason: string }[];
  /** Rows for an item that a later row of the file sets again: the later row is written. */
  readonly replaced: { line: number; byLine: number }[];
  readonly resumedAfterLine: number;
  readonly retries: number;
}

/**
 * Loads a CSV of stock (header: sku,location,quantity[,price,category,name,…]) with batched
 * writes, retrying unprocessed items. Bad rows are reported by line and skipped; good rows are
 * written. An item given twice is written once, from its last row, and the earlier rows are
 * reported (BatchWriteItem refuses a request that holds one key twice). A `<file>.progress`
 * checkpoint lets an interrupted import resume where it stopped.
 */
export const importStock = async (
  target: Target,
  file: string,
  options: {
    resume: boolean;
    onProgress?: (done: number, total: number) => void;
    sleep?: (ms: number) => Promise<void>;
  },
): Promise<ImportSummary> => {
  const rows = readCsv(file);
  const progressFile = `${file}.progress`;
  const resumedAfterLine =
    options.resume && existsSync(progressFile) ? Number(readFileSync(progressFile, 'utf8')) : 0;
  const { good, skipped, replaced } = sortRows(rows, resumedAfterLine);
  const sleep = options.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
  let written = 0;
  let retries = 0;
  for (let i = 0; i < good.length; i += BATCH_WRITE_LIMIT) {
    const chunk = good.slice(i, i + BATCH_WRITE_LIMIT);
    retries += await writeChunk(target, chunk, sleep);
    written += chunk.length;
    writeFileSync(progressFile, String(chunk.at(-1)?.line ?? resumedAfterLine));
    options.onProgress?.(written, good.length);
  }
  rmSync(progressFile, { force: true });
  return { written, skipped, replaced, resumedAfterLine, retries };
};

/** The CSV's rows by header, or a usage error saying why it cannot be read. */
const readCsv = (file: string): Record<string, string>[] => {
  try {
    return parseCsv(readFileSync(file, 'utf8'), {
      columns: true,
      skip_empty_lines: true,
      trim: true,
      relax_column_count: true,
    });
  } catch (error) {
    throw new UsageError(`${file} is not a readable CSV: ${(error as Error).message}`);
  }
};

/**
 * The rows after `resumedAfterLine` sorted into items to write (one per item, from its last
 * row, in file order), rows skipped with the reason, and rows replaced by a later one.
 */
const sortRows = (rows: readonly Record<string, string>[], resumedAfterLine: number) => {
  const skipped: { line: number; reason: string }[] = [];
  const replaced: { line: number; byLine: number }[] = [];
  // By item: JSON of [sku, location] keeps distinct pairs apart whatever characters they hold.
  const latest = new Map<string, { line: number; item: InventoryItem }>();
  rows.forEach((row, index) => {
    const line = index + 2; // line 1 is the header
    if (line <= resumedAfterLine) return;
    const candidate: Record<string, unknown> = { ...row };
    for (const field of ['quantity', 'price', 'lowStockThreshold', 'overstockThreshold']) {
      if (row[field] !== undefined && row[field] !== '') candidate[field] = Number(row[field]);
      else delete candidate[field];
    }
    const parsed = InventoryItemSchema.safeParse(candidate);
    if (!parsed.success) {
      const reason = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
      skipped.push({ line, reason });
      return;
    }
    const key = JSON.stringify([parsed.data.sku, parsed.data.location]);
    const earlier = latest.get(key);
    if (earlier) replaced.push({ line: earlier.line, byLine: line });
    latest.set(key, { line, item: parsed.data });
  });
  const good = [...latest.values()].sort((a, b) => a.line - b.line);
  return { good, skipped, replaced };
};

/** Writes one chunk, retrying unprocessed rows with backoff; returns how many were retried. */
const writeChunk = async (
  target: Target,
  chunk: readonly { line: number; item: InventoryItem }[],
  sleep: (ms: number) => Promise<void>,
): Promise<number> => {
  let retries = 0;
  let pending = chunk.map(({ item }) => ({ PutRequest: { Item: item } }));
  for (let attempt = 1; pending.length > 0; attempt++) {
    if (attempt > 8)
      throw new Error(
        `DynamoDB kept ${pending.length} rows unprocessed; rerun with --resume to continue from line ${chunk[0]?.line}`,
      );
    if (attempt > 1) {
      retries += pending.length;
      await sleep(50 * 2 ** attempt);
    }
    const output = await target.doc.send(
      new BatchWriteCommand({ RequestItems: { [target.inventoryTable]: pending } }),
    );
    pending = (output.UnprocessedItems?.[target.inventoryTable] ?? []) as typeof pending;
  }
  return retries;
};

/**
 * Sets or adjusts one item's stock, conditionally in the write itself, so no read can go stale:
 * without `create` the item must exist (a mistyped SKU would otherwise become a phantom item
 * whose sale raises an out-of-stock alert and an order); with `create` it must not (so a
 * typo cannot overwrite another item either).
 */
const updateStock = async (
  target: Target,
  sku: string,
  location: string,
  create: boolean,
  update: Pick<
    UpdateCommandInput,
    'UpdateExpression' | 'ExpressionAttributeValues' | 'ReturnValues'
  >,
) => {
  try {
    const output = await target.doc.send(
      new UpdateCommand({
        TableName: target.inventoryTable,
        Key: { sku, location },
        ConditionExpression: create ? 'attribute_not_exists(sku)' : 'attribute_exists(sku)',
        ...update,
      }),
    );
    return output.Attributes;
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    throw new UsageError(
      create
        ? `${sku} at ${location} already exists: leave out --create to change it`
        : `No stock item ${sku} at ${location}: check the SKU and location, or add --create to create it`,
    );
  }
};

const progressBar = (io: Io) => (done: number, total: number) => {
  if (!io.isTty) return;
  const width = 30;
  const filled = Math.round((done / Math.max(total, 1)) * width);
  process.stderr.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}`);
  if (done === total) process.stderr.write('\n');
};

/** The options of `stock`, with `--by -3` (a sale) read as a number, not as an option. */
const stockOptions = (raw: readonly string[]) => {
  const takesNumber = (arg: string | undefined) => arg === '--by' || arg === '--quantity';
  const negative = (arg: string | undefined) => /^-\d/.test(arg ?? '');
  const args = raw.flatMap((arg, i) =>
    negative(arg) && takesNumber(raw[i - 1])
      ? []
      : takesNumber(arg) && negative(raw[i + 1])
        ? [`${arg}=${raw[i + 1]}`]
        : [arg],
  );
  return parseArgs({
    args,
    allowPositionals: true,
    options: {
      location: { type: 'string' },
      quantity: { type: 'string' },
      by: { type: 'string' },
      resume: { type: 'boolean', default: false },
      create: { type: 'boolean', default: false },
    },
  });
};

type StockValues = ReturnType<typeof stockOptions>['values'];

/** `stock get|set|adjust|import`: each action its own function below. */
export const stockCommand = async (
  args: string[],
  target: Target,
  io: Io,
  format: Format,
): Promise<void> => {
  const [action, ...raw] = args;
  const { values, positionals } = stockOptions(raw);
  const sku = positionals[0];
  switch (action) {
    case 'get':
      return getStock(target, io, format, sku, values);
    case 'set':
      return setStock(target, io, sku, values);
    case 'adjust':
      return adjustStock(target, io, sku, values);
    case 'import':
      return importStockCommand(target, io, format, sku, values);
    default:
      throw new UsageError(
        'stock get <sku>|set <sku> --location L --quantity N [--create]|adjust <sku> --location L --by N [--create]|import <file.csv> [--resume]',
      );
  }
};

/** An item at one location, or the sku at every location. */
const getStock = async (
  target: Target,
  io: Io,
  format: Format,
  sku: string | undefined,
  values: StockValues,
) => {
  if (!sku) throw new UsageError('stock get <sku> [--location L]');
  const items = values.location
    ? [
        (
          await target.doc.send(
            new GetCommand({
              TableName: target.inventoryTable,
              Key: { sku, location: values.location },
            }),
          )
        ).Item,
      ].filter(Boolean)
    : ((
        await target.doc.send(
          new QueryCommand({
            TableName: target.inventoryTable,
            KeyConditionExpression: 'sku = :sku',
            ExpressionAttributeValues: { ':sku': sku },
          }),
        )
      ).Items ?? []);
  if (items.length === 0)
    throw new UsageError(`No stock for ${sku}${values.location ? ` at ${values.location}` : ''}`);
  printRows(
    io,
    items as Record<string, unknown>[],
    ['sku', 'location', 'quantity', 'price', 'category', 'listed'],
    format,
  );
};

const setStock = async (target: Target, io: Io, sku: string | undefined, values: StockValues) => {
  if (!sku || !values.location)
    throw new UsageError('stock set <sku> --location L --quantity N [--create]');
  const quantity = numberOption(values.quantity, '--quantity');
  await updateStock(target, sku, values.location, values.create, {
    UpdateExpression: 'SET quantity = :q',
    ExpressionAttributeValues: { ':q': quantity },
  });
  io.out(`${sku} at ${values.location}: quantity ${quantity}`);
};

const adjustStock = async (
  target: Target,
  io: Io,
  sku: string | undefined,
  values: StockValues,
) => {
  if (!sku || !values.location)
    throw new UsageError('stock adjust <sku> --location L --by N [--create] (negative for a sale)');
  const by = numberOption(values.by, '--by');
  const attributes = await updateStock(target, sku, values.location, values.create, {
    UpdateExpression: 'ADD quantity :by',
    ExpressionAttributeValues: { ':by': by },
    ReturnValues: 'UPDATED_NEW',
  });
  io.out(`${sku} at ${values.location}: quantity ${attributes?.quantity}`);
};

/** Imports a CSV and reports each skipped or replaced row by line, then the totals. */
const importStockCommand = async (
  target: Target,
  io: Io,
  format: Format,
  file: string | undefined,
  values: StockValues,
) => {
  if (!file) throw new UsageError('stock import <file.csv> [--resume]');
  const summary = await importStock(target, file, {
    resume: values.resume,
    onProgress: progressBar(io),
  });
  if (format === 'json') return io.out(JSON.stringify(summary, null, 2));
  const messages = [
    ...summary.skipped.map((bad) => ({ line: bad.line, text: `skipped: ${bad.reason}` })),
    ...summary.replaced.map((row) => ({
      line: row.line,
      text: `replaced by line ${row.byLine}, which has the same sku and location`,
    })),
  ].sort((a, b) => a.line - b.line);
  for (const message of messages) io.err(`line ${message.line}: ${message.text}`);
  io.out(
    `${summary.written} row(s) written, ${summary.skipped.length} skipped${summary.replaced.length ? `, ${summary.replaced.length} replaced` : ''}${summary.resumedAfterLine ? `, resumed after line ${summary.resumedAfterLine}` : ''}${summary.retries ? `, ${summary.retries} retried` : ''}`,
  );
};
