import type { TableDefinition } from '../shared/contracts/tables.js';
import {
  type Billing,
  itemSize,
  readUnits,
  type WireItem,
  type WireValue,
  writeUnits,
} from './capacity.js';

/** What a function's DynamoDB calls cost, as billed. */
export interface DynamoTally {
  /** Write request units, base tables. */
  writeUnits: number;
  /** Write request units of global secondary indexes (each index entry written or removed). */
  indexWriteUnits: number;
  readUnits: number;
  /** Calls by operation. */
  readonly calls: Map<string, number>;
  /** Read units by operation (`readUnits` split). */
  readonly readUnitsBy: Map<string, number>;
}

export const emptyTally = (): DynamoTally => ({
  writeUnits: 0,
  indexWriteUnits: 0,
  readUnits: 0,
  calls: new Map(),
  readUnitsBy: new Map(),
});

type Input = Record<string, unknown>;
type Names = Record<string, string> | undefined;
type Values = Record<string, WireValue> | undefined;

/** An UpdateExpression the meter cannot apply: the meter must learn it, not guess. */
export class UnmeterableRequestError extends Error {}

/** A string key attribute's value (`{ S }`); a range over any other type the meter refuses. */
const wireString = (value: WireValue | undefined): string => {
  const text = (value as { S?: string } | undefined)?.S;
  if (text === undefined)
    throw new UnmeterableRequestError(
      `the meter compares string sort keys only, got ${JSON.stringify(value)}`,
    );
  return text;
};

/** Orders strings as DynamoDB orders string keys: by their UTF-8 bytes. */
const byBytes = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));

/**
 * A Query's key condition, `<partition> = :v` or `<partition> = :v AND <sort> BETWEEN :a AND :b`,
 * with its names and values resolved; anything else the meter refuses rather than guesses.
 */
const keyCondition = (
  input: Input,
): {
  partition: string;
  value: WireValue | undefined;
  range?: { name: string; from: string; to: string };
} => {
  const names = (input.ExpressionAttributeNames ?? {}) as Record<string, string>;
  const values = (input.ExpressionAttributeValues ?? {}) as Record<string, WireValue>;
  const name = (token: string) => names[token] ?? token;
  const expression = String(input.KeyConditionExpression);
  const match =
    /^\s*(\S+)\s*=\s*(:\w+)\s*(?:AND\s+(\S+)\s+BETWEEN\s+(:\w+)\s+AND\s+(:\w+))?\s*$/i.exec(
      expression,
    );
  if (!match) throw new UnmeterableRequestError(`the meter cannot query by ${expression}`);
  const [, partition, value, sort, from, to] = match as unknown as string[];
  return {
    partition: name(partition as string),
    value: values[value as string],
    ...(sort
      ? {
          range: {
            name: name(sort),
            from: wireString(values[from as string]),
            to: wireString(values[to as string]),
          },
        }
      : {}),
  };
};

/**
 * An in-memory DynamoDB that applies writes and answers key reads, only to bill them: every
 * item written is kept, so a replace or an update is billed by the larger of the item before
 * and after, and an index entry by the index keys the item has. Conditions are not evaluated
 * (every write succeeds: the steady state a month of traffic is made of).
 */
export class DynamoMeter {
  readonly tally = emptyTally();
  private readonly items = new Map<string, Map<string, WireItem>>();

  constructor(private readonly tables: Readonly<Record<string, TableDefinition>>) {}

  /** Stores an item as if written earlier, without billing it. */
  seed(table: string, item: WireItem): void {
    this.table(table).set(this.keyOf(table, item), item);
  }

  reset(): void {
    Object.assign(this.tally, emptyTally());
  }

  /** Bills one request and answers it. */
  handle(operation: string, input: Input): Input {
    const { tally } = this;
    tally.calls.set(operation, (tally.calls.get(operation) ?? 0) + 1);
    const readBefore = tally.readUnits;
    try {
      return this.answer(operation, input);
    } finally {
      const read = tally.readUnits - readBefore;
      if (read > 0)
        tally.readUnitsBy.set(operation, (tally.readUnitsBy.get(operation) ?? 0) + read);
    }
  }

  private answer(operation: string, input: Input): Input {
    switch (operation) {
      case 'GetItem':
        return this.get(input, {});
      case 'BatchGetItem':
        return this.batchGet(input);
      case 'TransactGetItems':
        return {
          Responses: (input.TransactItems as { Get: Input }[]).map(
            ({ Get }) => this.get(Get, { transactional: true }) ?? {},
          ),
        };
      case 'Query':
        return this.query(input);
      case 'PutItem':
      case 'UpdateItem':
      case 'DeleteItem':
        this.write(operation, input, {});
        return {};
      case 'TransactWriteItems':
        for (const action of input.TransactItems as Record<string, Input>[]) {
          const [kind, request] = Object.entries(action)[0] as [string, Input];
          if (kind === 'ConditionCheck') this.conditionCheck(request);
          else this.write(`${kind}Item`, request, { transactional: true });
        }
        return {};
      case 'BatchWriteItem':
        for (const [table, requests] of Object.entries(
          input.RequestItems as Record<
            string,
            Record<string, { Item?: WireItem; Key?: WireItem }>[]
          >,
        )) {
          for (const request of requests) {
            if (request.PutRequest)
              this.write('PutItem', { TableName: table, ...request.PutRequest }, {});
            if (request.DeleteRequest)
              this.write('DeleteItem', { TableName: table, ...request.DeleteRequest }, {});
          }
        }
        return { UnprocessedItems: {} };
      default:
        throw new UnmeterableRequestError(`the meter does not know DynamoDB ${operation}`);
    }
  }

  private table(name: string) {
    const table = this.items.get(name) ?? new Map<string, WireItem>();
    this.items.set(name, table);
    return table;
  }

  private definition(table: string): TableDefinition {
    const definition = this.tables[table];
    if (!definition) throw new UnmeterableRequestError(`the meter knows no table ${table}`);
    return definition;
  }

  private keyOf(table: string, item: WireItem): string {
    const { partitionKey, sortKey } = this.definition(table);
    return JSON.stringify([item[partitionKey.name], sortKey ? item[sortKey.name] : null]);
  }

  private get(input: Input, billing: Billing): Input {
    const table = input.TableName as string;
    const item = this.table(table).get(this.keyOf(table, input.Key as WireItem));
    this.tally.readUnits += readUnits(itemSize(item), {
      ...billing,
      consistent: input.ConsistentRead === true,
    });
    return item ? { Item: item } : {};
  }

  private batchGet(input: Input): Input {
    const responses: Record<string, WireItem[]> = {};
    for (const [table, request] of Object.entries(
      input.RequestItems as Record<string, { Keys: WireItem[]; ConsistentRead?: boolean }>,
    )) {
      responses[table] = request.Keys.flatMap((Key) => {
        const { Item } = this.get(
          { TableName: table, Key, ConsistentRead: request.ConsistentRead },
          {},
        );
        return Item ? [Item as WireItem] : [];
      });
    }
    return { Responses: responses, UnprocessedKeys: {} };
  }

  /**
   * A Query of the table or of one of its indexes, by partition key and optionally a sort-key
   * range (the two forms the functions send), billed by the size of what it returns in one
   * page. Items of an index are those that have both its keys, as DynamoDB projects them.
   */
  private query(input: Input): Input {
    const table = input.TableName as string;
    const keys = this.queriedKeys(table, input.IndexName as string | undefined);
    const condition = keyCondition(input);
    if (
      condition.partition !== keys.partitionKey.name ||
      (condition.range && condition.range.name !== keys.sortKey?.name)
    )
      throw new UnmeterableRequestError(
        `the meter cannot query ${table}${input.IndexName ? `/${input.IndexName}` : ''} by ${String(input.KeyConditionExpression)}`,
      );
    const { range } = condition;
    if (range && byBytes(range.from, range.to) > 0)
      throw new UnmeterableRequestError(
        `DynamoDB refuses a BETWEEN whose lower bound is above its upper: ${range.from} > ${range.to}`,
      );
    const sortText = (item: WireItem) =>
      keys.sortKey ? ((item[keys.sortKey.name] as { S?: string } | undefined)?.S ?? '') : '';
    const wanted = JSON.stringify(condition.value);
    const items = [...this.table(table).values()]
      .filter((item) => JSON.stringify(item[keys.partitionKey.name]) === wanted)
      .filter((item) => !keys.sortKey || item[keys.sortKey.name] !== undefined)
      .filter((item) => {
        if (!range) return true;
        const sortValue = wireString(item[range.name]);
        return byBytes(sortValue, range.from) >= 0 && byBytes(sortValue, range.to) <= 0;
      })
      .sort((a, b) => byBytes(sortText(a), sortText(b)));
    const bytes = items.reduce((sum, item) => sum + itemSize(item), 0);
    this.tally.readUnits += readUnits(bytes, { consistent: input.ConsistentRead === true });
    return { Items: items, Count: items.length, ScannedCount: items.length };
  }

  /** The key attributes a Query reads by: the table's, or its index's. */
  private queriedKeys(table: string, indexName: string | undefined) {
    const definition = this.definition(table);
    if (indexName === undefined) return definition;
    const index = definition.globalSecondaryIndexes?.find((i) => i.indexName === indexName);
    if (!index) throw new UnmeterableRequestError(`the meter knows no index ${table}/${indexName}`);
    return index;
  }

  /** A transaction's condition check: billed as a write of the item it checks. */
  private conditionCheck(input: Input) {
    const table = input.TableName as string;
    const item = this.table(table).get(this.keyOf(table, input.Key as WireItem));
    this.tally.writeUnits += writeUnits(itemSize(item), { transactional: true });
  }

  private write(operation: string, input: Input, billing: Billing) {
    const tableName = input.TableName as string;
    const table = this.table(tableName);
    const keyItem = (input.Item ?? input.Key) as WireItem;
    const key = this.keyOf(tableName, keyItem);
    const before = table.get(key);
    const after =
      operation === 'PutItem'
        ? (input.Item as WireItem)
        : operation === 'DeleteItem'
          ? undefined
          : applyUpdate(
              { ...keyItem, ...before },
              input.UpdateExpression as string,
              input.ExpressionAttributeNames as Names,
              input.ExpressionAttributeValues as Values,
            );
    this.tally.writeUnits += writeUnits(Math.max(itemSize(before), itemSize(after)), billing);
    this.tally.indexWriteUnits += this.indexWrites(tableName, before, after);
    if (after) table.set(key, after);
    else table.delete(key);
  }

  /**
   * Index entries written: one per index whose keys the item has after (a put of the whole
   * item, the index projecting all attributes), one more per index whose keys it had before
   * and lost or changed (a delete). Index writes are not doubled in a transaction.
   */
  private indexWrites(table: string, before: WireItem | undefined, after: WireItem | undefined) {
    let units = 0;
    for (const index of this.definition(table).globalSecondaryIndexes ?? []) {
      const keys = (item: WireItem | undefined) =>
        item?.[index.partitionKey.name] && item[index.sortKey.name]
          ? JSON.stringify([item[index.partitionKey.name], item[index.sortKey.name]])
          : undefined;
      const [was, is] = [keys(before), keys(after)];
      if (is) units += writeUnits(itemSize(after));
      if (was && was !== is) units += writeUnits(itemSize(before));
    }
    return units;
  }
}

/** A top-level attribute path of an expression: `#name` or `name` (nested paths are refused). */
const pathName = (path: string, names: Names): string => {
  const trimmed = path.trim();
  if (!/^#?[\w]+$/.test(trimmed))
    throw new UnmeterableRequestError(`the meter handles top-level attributes only: ${trimmed}`);
  return trimmed.startsWith('#') ? (names?.[trimmed] ?? trimmed) : trimmed;
};

const numberOf = (value: WireValue | undefined) => Number((value as { N?: string })?.N ?? 0);

/** Splits at top-level commas (not those inside function calls). */
const splitTopLevel = (text: string): string[] => {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '(') depth++;
    else if (text[i] === ')') depth--;
    else if (text[i] === ',' && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts.map((p) => p.trim()).filter((p) => p !== '');
};

/** The value of a SET operand: a value, a path, `if_not_exists`, `list_append`, `a + b`, `a - b`. */
/** Where a top-level `+` or `-` splits `text` (outside function calls), if anywhere. */
const topLevelOperator = (text: string): number => {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '(') depth++;
    else if (text[i] === ')') depth--;
    else if ((text[i] === '+' || text[i] === '-') && depth === 0) return i;
  }
  return -1;
};

const operand = (
  text: string,
  item: WireItem,
  names: Names,
  values: Values,
): WireValue | undefined => {
  const t = text.trim();
  const at = topLevelOperator(t);
  if (at > 0) {
    const x = numberOf(operand(t.slice(0, at), item, names, values));
    const y = numberOf(operand(t.slice(at + 1), item, names, values));
    return { N: String(t[at] === '+' ? x + y : x - y) };
  }
  const call = /^(if_not_exists|list_append)\s*\((.*)\)$/s.exec(t);
  if (call) {
    const [a = '', b = ''] = splitTopLevel(call[2] as string);
    if (call[1] === 'if_not_exists')
      return item[pathName(a, names)] ?? operand(b, item, names, values);
    const [x, y] = [operand(a, item, names, values), operand(b, item, names, values)];
    return { L: [...((x?.L as WireValue[]) ?? []), ...((y?.L as WireValue[]) ?? [])] };
  }
  if (t.startsWith(':')) {
    const value = values?.[t];
    if (!value) throw new UnmeterableRequestError(`no value for ${t}`);
    return value;
  }
  return item[pathName(t, names)];
};

/** The clauses of an UpdateExpression, by keyword. */
const clausesOf = (expression: string) =>
  [
    ...expression.matchAll(
      /\b(SET|ADD|REMOVE|DELETE)\b([\s\S]*?)(?=\b(?:SET|ADD|REMOVE|DELETE)\b|$)/g,
    ),
  ].map((m) => ({ keyword: m[1] as string, body: (m[2] as string).trim() }));

/** `item` after the update: enough of DynamoDB's semantics to size the result. */
export const applyUpdate = (
  item: WireItem,
  expression: string | undefined,
  names: Names,
  values: Values,
): WireItem => {
  const result: WireItem = { ...item };
  for (const { keyword, body } of clausesOf(expression ?? '')) {
    for (const action of splitTopLevel(body)) {
      if (keyword === 'REMOVE') {
        delete result[pathName(action, names)];
        continue;
      }
      if (keyword === 'SET') {
        const at = action.indexOf('=');
        const value = operand(action.slice(at + 1), item, names, values);
        if (value) result[pathName(action.slice(0, at), names)] = value;
        continue;
      }
      const [path = '', valueRef = ''] = action.split(/\s+/);
      const name = pathName(path, names);
      const value = operand(valueRef, item, names, values);
      if (keyword === 'ADD' && value && 'N' in value)
        result[name] = { N: String(numberOf(result[name]) + numberOf(value)) };
      else if (keyword === 'ADD' && value) {
        const [type, members] = Object.entries(value)[0] as [string, string[]];
        const existing = (result[name]?.[type] as string[]) ?? [];
        result[name] = { [type]: [...new Set([...existing, ...members])] };
      } else if (keyword === 'DELETE' && value) {
        const [type, members] = Object.entries(value)[0] as [string, string[]];
        const left = ((result[name]?.[type] as string[]) ?? []).filter((m) => !members.includes(m));
        if (left.length > 0) result[name] = { [type]: left };
        else delete result[name];
      }
    }
  }
  return result;
};
