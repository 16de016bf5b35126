import { marshall } from '@aws-sdk/util-dynamodb';
import { describe, expect, it } from 'vitest';
import { DynamoMeter, UnmeterableRequestError } from '../../bench/dynamo-meter.js';
import { CONTROL_TABLE } from '../../shared/contracts/tables.js';

/** A control table holding three index entries of one partition, and an item outside the index. */
const meter = () => {
  const m = new DynamoMeter({ control: CONTROL_TABLE });
  for (const [sk, at] of [
    ['a', '2026-11-25T12:00:00.000Z'],
    ['b', '2026-11-25T12:15:00.000Z'],
    ['c', '2026-11-25T12:30:00.000Z'],
  ])
    m.seed('control', marshall({ pk: 'P', sk, kind: 'DIGEST#2026-11-25#0', at }) as never);
  m.seed('control', marshall({ pk: 'P', sk: 'no-index' }) as never);
  return m;
};

const query = (m: DynamoMeter, input: Record<string, unknown>) =>
  m.handle('Query', { TableName: 'control', ...input }) as { Items: Record<string, unknown>[] };

describe('the DynamoDB meter answering a Query', () => {
  it('reads an index by partition and a sort-key range, both ends included, in key order', () => {
    const m = meter();
    const { Items } = query(m, {
      IndexName: 'byKind',
      KeyConditionExpression: 'kind = :kind AND #at BETWEEN :since AND :until',
      ExpressionAttributeNames: { '#at': 'at' },
      ExpressionAttributeValues: marshall({
        ':kind': 'DIGEST#2026-11-25#0',
        ':since': '2026-11-25T12:15:00.000Z',
        ':until': '2026-11-25T12:30:00.000Z',
      }),
    });
    expect(Items.map((i) => (i.sk as { S: string }).S)).toEqual(['b', 'c']);
    expect(m.tally.readUnits).toBe(0.5);
  });

  it('reads a whole table partition, items without index keys included', () => {
    const { Items } = query(meter(), {
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: marshall({ ':pk': 'P' }),
    });
    expect(Items).toHaveLength(4);
  });

  it('refuses what it cannot answer as DynamoDB would, rather than answering nothing', () => {
    const m = meter();
    expect(() =>
      query(m, {
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :p)',
        ExpressionAttributeValues: marshall({ ':pk': 'P', ':p': 'a' }),
      }),
    ).toThrow(UnmeterableRequestError);
    expect(() =>
      query(m, {
        IndexName: 'byKind',
        KeyConditionExpression: 'kind = :kind AND #at BETWEEN :since AND :until',
        ExpressionAttributeNames: { '#at': 'at' },
        ExpressionAttributeValues: marshall({ ':kind': 'K', ':since': 'z', ':until': 'a' }),
      }),
    ).toThrow(/lower bound is above its upper/);
    expect(() =>
      query(m, {
        IndexName: 'nope',
        KeyConditionExpression: 'kind = :kind',
        ExpressionAttributeValues: marshall({ ':kind': 'K' }),
      }),
    ).toThrow(/knows no index/);
  });
});
