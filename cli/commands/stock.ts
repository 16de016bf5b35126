import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  GetCommand,
  QueryCommand,
  UpdateCommand,
  type UpdateCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { parse as parseCsv } from 'csv-parse/sync';
import { type InventoryItem, InventoryItemSchema } from '../../shared/contracts/inventory.js';
import { UsageError } from '../../shared/errors.js';
import { type CommandInput, type CommandResult, didYouMean } from '../args.js';
import { type Format, type Io, numberOption, printResult, printRows } from '../io.js';
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
    /** How quantities are checked (default: whole and not below zero). */
    quantities?: QuantityRules;
    onProgress?: (done: number, total: number) => void;
    sleep?: (ms: number) => Promise<void>;
  },
): Promise<ImportSummary> => {
  const rows = readCsv(file);
  const progressFile = `${file}.progress`;
  const resumedAfterLine =
    options.resume && existsSync(progressFile) ? Number(readFileSync(progressFile, 'utf8')) : 0;
  const { good, skipped, replaced } = sortRows(
    rows,
    resumedAfterLine,
    options.quantities ?? { decimal: false, allowNegative: false },
  );
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

/** The columns a stock CSV must have, then those it may have, in the order the help names them. */
export const REQUIRED_COLUMNS = ['sku', 'location', 'quantity'] as const;
export const OPTIONAL_COLUMNS = [
  'price',
  'category',
  'name',
  'lowStockThreshold',
  'overstockThreshold',
] as const;
const EXPECTED_HEADER = `${REQUIRED_COLUMNS.join(',')}[,${OPTIONAL_COLUMNS.join(',')}]`;

/**
 * The CSV's rows by header, or a usage error saying why it cannot be read: its first line must
 * be a header naming the required columns and no unknown one (a file without a header would
 * otherwise lose its first row as one).
 */
const readCsv = (file: string): Record<string, string>[] => {
  let records: string[][];
  try {
    records = parseCsv(readFileSync(file, 'utf8'), {
      skip_empty_lines: true,
      trim: true,
      relax_column_count: true,
    });
  } catch (error) {
    throw new UsageError(`${file} is not a readable CSV: ${(error as Error).message}`);
  }
  const [header = [], ...rows] = records;
  checkHeader(file, header);
  return rows.map((row) => Object.fromEntries(header.map((column, i) => [column, row[i] ?? ''])));
};

/** Refuses a header with a missing or unknown column, naming the expected ones. */
const checkHeader = (file: string, header: readonly string[]): void => {
  const known: readonly string[] = [...REQUIRED_COLUMNS, ...OPTIONAL_COLUMNS];
  const problems = [
    ...header
      .filter((column) => !known.includes(column))
      .map((column) => `unknown column '${column}'${didYouMean(column, known)}`),
    ...REQUIRED_COLUMNS.filter((column) => !header.includes(column)).map(
      (column) => `missing column '${column}'`,
    ),
  ];
  if (problems.length > 0)
    throw new UsageError(
      `${file}: the first line must be the header ${EXPECTED_HEADER}; ${problems.join(', ')}. Nothing was written.`,
    );
};

/**
 * The rows after `resumedAfterLine` sorted into items to write (one per item, from its last
 * row, in file order), rows skipped with the reason, and rows replaced by a later one.
 */
const sortRows = (
  rows: readonly Record<string, string>[],
  resumedAfterLine: number,
  quantities: QuantityRules,
) => {
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
    const problem = quantityProblem(parsed.data.quantity, quantities);
    if (problem) {
      skipped.push({
        line,
        reason: problem.replace('add --allow-negative', 'import with --allow-negative'),
      });
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

/** How stock quantities are checked: whole units unless the environment counts fractions. */
export interface QuantityRules {
  readonly decimal: boolean;
  readonly allowNegative: boolean;
}

const quantityRulesOf = (target: Target, input: CommandInput): QuantityRules => ({
  decimal: target.decimalQuantities === true,
  allowNegative: input.flag('allow-negative'),
});

/** Why `quantity` cannot be written under `rules`, or undefined when it can. */
export const quantityProblem = (quantity: number, rules: QuantityRules): string | undefined => {
  if (!rules.decimal && !Number.isInteger(quantity))
    return `quantity must be a whole number, got ${quantity} (set decimalQuantities in the environment config to count fractions)`;
  if (!rules.allowNegative && quantity < 0)
    return `quantity would be ${quantity}, below zero: add --allow-negative to record a backorder`;
  return undefined;
};

/** A numeric option holding a quantity (or a change of one), checked as {@link quantityProblem}. */
const quantityOption = (input: CommandInput, option: string, rules: QuantityRules): number => {
  const value = numberOption(input.required(option), `--${option}`);
  if (!rules.decimal && !Number.isInteger(value))
    throw new UsageError(
      `--${option} must be a whole number, got "${input.string(option)}" (set decimalQuantities in the environment config to count fractions)`,
    );
  return value;
};

/**
 * Sets or adjusts one item's stock, conditionally in the write itself, so no read can go stale:
 * without `create` the item must exist (a mistyped SKU would otherwise become a phantom item
 * whose sale raises an out-of-stock alert and an order); with `create` it must not (so a
 * typo cannot overwrite another item either). `floor`, when given, is the least quantity the
 * item may hold before the write: a sale that would take stock below zero is refused whole.
 */
const updateStock = async (
  target: Target,
  where: { sku: string; location: string; create: boolean; floor?: number | undefined },
  update: Pick<UpdateCommandInput, 'UpdateExpression' | 'ExpressionAttributeValues'>,
): Promise<Record<string, unknown> | undefined> => {
  const { sku, location, create, floor } = where;
  const exists = create ? 'attribute_not_exists(sku)' : 'attribute_exists(sku)';
  try {
    const output = await target.doc.send(
      new UpdateCommand({
        TableName: target.inventoryTable,
        Key: { sku, location },
        ConditionExpression: floor === undefined ? exists : `${exists} AND quantity >= :floor`,
        ...update,
        ExpressionAttributeValues: {
          ...update.ExpressionAttributeValues,
          ...(floor === undefined ? {} : { ':floor': floor }),
        },
        ReturnValues: 'ALL_NEW',
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );
    return output.Attributes;
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    const old = error.Item ? unmarshall(error.Item) : undefined;
    if (old && !create && floor !== undefined)
      throw new UsageError(
        `${sku} at ${location} holds ${old.quantity}: this would take it to ${Number(old.quantity) - floor}, below zero; nothing was written (add --allow-negative to record a backorder)`,
      );
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

/** The exit code of an import that wrote the good rows but skipped some (documented in help). */
export const EXIT_ROWS_SKIPPED = 3;

/** One action of `stock`: the sku (or file) is its first positional. */
type StockAction = (
  target: Target,
  io: Io,
  format: Format,
  sku: string | undefined,
  input: CommandInput,
) => Promise<CommandResult | unknown>;

/** `stock get|set|adjust|import`: each action its own function below. */
export const stockCommand = async (
  input: CommandInput,
  target: Target,
  io: Io,
  format: Format,
): Promise<CommandResult | unknown> => {
  const [sku] = input.positionals;
  switch (input.action) {
    case 'get':
      return getStock(target, io, format, sku, input);
    case 'set':
      return setStock(target, io, format, sku, input);
    case 'adjust':
      return adjustStock(target, io, format, sku, input);
    case 'import':
      return importStockCommand(target, io, format, sku, input);
  }
};

/** An item at one location, or the sku at every location. */
const getStock: StockAction = async (target, io, format, sku, input) => {
  if (!sku) throw new UsageError('stock get <sku> [--location L]: missing the sku');
  const location = input.string('location');
  const items = location
    ? [
        (
          await target.doc.send(
            new GetCommand({ TableName: target.inventoryTable, Key: { sku, location } }),
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
    throw new UsageError(`No stock for ${sku}${location ? ` at ${location}` : ''}`);
  printRows(
    io,
    items as Record<string, unknown>[],
    ['sku', 'location', 'name', 'quantity', 'price', 'category', 'listed'],
    format,
  );
};

const setStock: StockAction = async (target, io, format, sku, input) => {
  if (!sku) throw new UsageError('stock set <sku> --location L --quantity N: missing the sku');
  const location = input.required('location');
  const rules = quantityRulesOf(target, input);
  const quantity = quantityOption(input, 'quantity', rules);
  const problem = quantityProblem(quantity, rules);
  if (problem) throw new UsageError(`--quantity: ${problem}; nothing was written`);
  await updateStock(
    target,
    { sku, location, create: input.flag('create') },
    { UpdateExpression: 'SET quantity = :q', ExpressionAttributeValues: { ':q': quantity } },
  );
  printResult(io, format, `${sku} at ${location}: quantity ${quantity}`, {
    sku,
    location,
    quantity,
  });
};

const adjustStock: StockAction = async (target, io, format, sku, input) => {
  if (!sku)
    throw new UsageError(
      'stock adjust <sku> --location L --by N (negative for a sale): missing the sku',
    );
  const location = input.required('location');
  const rules = quantityRulesOf(target, input);
  const by = quantityOption(input, 'by', rules);
  const create = input.flag('create');
  if (create && by < 0 && !rules.allowNegative)
    throw new UsageError(
      `--by ${by} on a new item would start it below zero: add --allow-negative to record a backorder; nothing was written`,
    );
  // Without --allow-negative a sale must find at least what it takes.
  const floor = !create && by < 0 && !rules.allowNegative ? -by : undefined;
  const attributes = await updateStock(
    target,
    { sku, location, create, floor },
    { UpdateExpression: 'ADD quantity :by', ExpressionAttributeValues: { ':by': by } },
  );
  const quantity = attributes?.quantity;
  printResult(io, format, `${sku} at ${location}: quantity ${quantity}`, {
    sku,
    location,
    quantity,
  });
};

/**
 * Imports a CSV and reports each skipped or replaced row by line (stderr), then the totals.
 * Returns {@link EXIT_ROWS_SKIPPED} when rows were skipped, so a script notices.
 */
const importStockCommand: StockAction = async (target, io, format, file, input) => {
  if (!file) throw new UsageError('stock import <file.csv> [--resume]: missing the file');
  const summary = await importStock(target, file, {
    resume: input.flag('resume'),
    quantities: quantityRulesOf(target, input),
    onProgress: progressBar(io),
  });
  const messages = [
    ...summary.skipped.map((bad) => ({ line: bad.line, text: `skipped: ${bad.reason}` })),
    ...summary.replaced.map((row) => ({
      line: row.line,
      text: `replaced by line ${row.byLine}, which has the same sku and location`,
    })),
  ].sort((a, b) => a.line - b.line);
  for (const message of messages) io.err(`line ${message.line}: ${message.text}`);
  if (format === 'json') io.out(JSON.stringify(summary, null, 2));
  else if (format === 'csv')
    printRows(
      io,
      [{ ...summary, skipped: summary.skipped.length, replaced: summary.replaced.length }],
      ['written', 'skipped', 'replaced', 'resumedAfterLine', 'retries'],
      'csv',
    );
  else
    io.out(
      `${summary.written} row(s) written, ${summary.skipped.length} skipped${summary.replaced.length ? `, ${summary.replaced.length} replaced` : ''}${summary.resumedAfterLine ? `, resumed after line ${summary.resumedAfterLine}` : ''}${summary.retries ? `, ${summary.retries} retried` : ''}`,
    );
  if (summary.skipped.length === 0) return undefined;
  io.err(
    `${summary.skipped.length} row(s) skipped: fix them and import the file again (exit ${EXIT_ROWS_SKIPPED})`,
  );
  return { exitCode: EXIT_ROWS_SKIPPED };
};
