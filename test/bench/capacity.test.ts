import { marshall } from '@aws-sdk/util-dynamodb';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chunks64k, itemSize, readUnits, valueSize, writeUnits } from '../../bench/capacity.js';
import { applyUpdate, DynamoMeter, UnmeterableRequestError } from '../../bench/dynamo-meter.js';
import { CONTROL_TABLE } from '../../shared/contracts/tables.js';

/** An item of about `bytes` bytes: keys plus one string attribute making up the rest. */
const itemOf = (bytes: number, extra: Record<string, unknown> = {}) => {
  const base = { pk: 'P', sk: 'S', ...extra };
  const padding = bytes - itemSize(marshall(base) as never) - 'pad'.length;
  return marshall({ ...base, pad: 'x'.repeat(padding) }) as never;
};

describe('item sizes as DynamoDB counts them', () => {
  it('adds attribute names and values: strings in UTF-8 bytes, numbers by significant digits', () => {
    // Arrange / Act / Assert
    expect(itemSize(marshall({ ab: 'cde' }) as never)).toBe(5);
    expect(itemSize(marshall({ name: 'é' }) as never)).toBe(4 + 2);
    expect(valueSize({ N: '12345' })).toBe(4); // 3 bytes for 5 digits, plus 1
    expect(valueSize({ N: '-0.00120' })).toBe(2); // "12": 1 byte, plus 1
    expect(valueSize({ BOOL: true })).toBe(1);
  });

  it('counts maps and lists with 3 bytes of their own and 1 per element', () => {
    expect(valueSize({ L: [{ S: 'ab' }, { BOOL: false }] })).toBe(3 + (1 + 2) + (1 + 1));
    expect(valueSize({ M: { k: { S: 'v' } } })).toBe(3 + 1 + 1 + 1);
  });
});

describe('request units', () => {
  it('bills a write 1 unit per KB or part of one: a 1.5 KB item counts 2 WCU', () => {
    expect(writeUnits(itemSize(itemOf(1536)))).toBe(2);
    expect(writeUnits(1024)).toBe(1);
    expect(writeUnits(1025)).toBe(2);
    expect(writeUnits(0)).toBe(1);
  });

  it('bills a transactional write twice', () => {
    expect(writeUnits(100, { transactional: true })).toBe(2);
    expect(writeUnits(1536, { transactional: true })).toBe(4);
  });

  it('bills reads per 4 KB, half when eventually consistent, twice in a transaction', () => {
    expect(readUnits(4096, { consistent: true })).toBe(1);
    expect(readUnits(4097, { consistent: true })).toBe(2);
    expect(readUnits(4097)).toBe(1);
    expect(readUnits(0)).toBe(0.5); // an item not found still costs the minimum
    expect(readUnits(100, { transactional: true })).toBe(2);
  });

  it('bills SNS and EventBridge by 64 KB chunk', () => {
    expect(chunks64k(10)).toBe(1);
    expect(chunks64k(65_537)).toBe(2);
  });

  it('never bills a write below one unit per started KB (property)', () => {
    fc.assert(
      fc.property(fc.nat(400 * 1024), (bytes) => {
        const units = writeUnits(bytes);
        expect(units * 1024).toBeGreaterThanOrEqual(bytes);
        expect(units).toBeGreaterThanOrEqual(1);
        expect(writeUnits(bytes, { transactional: true })).toBe(2 * units);
      }),
    );
  });
});

describe('DynamoMeter', () => {
  const TABLE = 'control';
  const meter = () => new DynamoMeter({ [TABLE]: CONTROL_TABLE });

  it('bills a transaction of two small items 4 WCU and a 1.5 KB put 2 WCU', () => {
    // Arrange
    const m = meter();
    // Act
    m.handle('TransactWriteItems', {
      TransactItems: [
        { Put: { TableName: TABLE, Item: itemOf(100) } },
        { Put: { TableName: TABLE, Item: marshall({ pk: 'Q', sk: 'S' }) } },
      ],
    });
    m.handle('PutItem', {
      TableName: TABLE,
      Item: marshall({ pk: 'R', sk: 'S', pad: 'x'.repeat(1500) }),
    });
    // Assert
    expect(m.tally.writeUnits).toBe(4 + 2);
    expect(m.tally.calls.get('TransactWriteItems')).toBe(1);
  });

  it('bills an update by the larger of the item before and after', () => {
    const m = meter();
    m.seed(TABLE, itemOf(3000));
    m.handle('UpdateItem', {
      TableName: TABLE,
      Key: marshall({ pk: 'P', sk: 'S' }),
      UpdateExpression: 'REMOVE pad SET n = :one',
      ExpressionAttributeValues: { ':one': { N: '1' } },
    });
    expect(m.tally.writeUnits).toBe(3);
  });

  it('bills an index entry when the item carries the index keys, and its removal', () => {
    const m = meter();
    m.handle('PutItem', {
      TableName: TABLE,
      Item: marshall({ pk: 'P', sk: 'S', kind: 'K', at: 'T' }),
    });
    m.handle('PutItem', { TableName: TABLE, Item: marshall({ pk: 'P', sk: 'S' }) });
    expect(m.tally.indexWriteUnits).toBe(2);
  });

  it('bills a consistent read of an item not found 1 RCU, and answers with what was written', () => {
    const m = meter();
    const key = marshall({ pk: 'P', sk: 'S' });
    expect(m.handle('GetItem', { TableName: TABLE, Key: key, ConsistentRead: true })).toEqual({});
    m.seed(TABLE, itemOf(100));
    const { Item } = m.handle('GetItem', { TableName: TABLE, Key: key }) as { Item?: unknown };
    expect(Item).toBeDefined();
    expect(m.tally.readUnits).toBe(1 + 0.5);
  });

  it('refuses what it cannot size rather than guessing', () => {
    expect(() => applyUpdate({}, 'SET a.b = :v', undefined, { ':v': { S: 'x' } })).toThrow(
      UnmeterableRequestError,
    );
    expect(() => meter().handle('Scan', {})).toThrow(UnmeterableRequestError);
  });

  it('applies ADD, if_not_exists and arithmetic as DynamoDB does', () => {
    const after = applyUpdate(
      { n: { N: '2' } },
      'ADD n :one SET m = if_not_exists(m, :zero) + :one, #l = list_append(if_not_exists(#l, :empty), :item)',
      { '#l': 'history' },
      {
        ':one': { N: '1' },
        ':zero': { N: '0' },
        ':empty': { L: [] },
        ':item': { L: [{ N: '5' }] },
      },
    );
    expect(after).toEqual({ n: { N: '3' }, m: { N: '1' }, history: { L: [{ N: '5' }] } });
  });
});
