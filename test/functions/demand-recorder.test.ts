import { ConditionalCheckFailedException, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context, DynamoDBRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHandler } from '../../functions/demand-recorder/handler.js';
import { quantityChange, streamEvent, streamRecord } from '../support/factories.js';
import { POISON_CATALOGUE } from '../support/poison.js';

const context = {
  functionName: 'demand-recorder',
  awsRequestId: 'req-1',
  getRemainingTimeInMillis: () => 60_000,
} as unknown as Context;
const control = mockClient(DynamoDBDocumentClient);

/** Each item-day update sent, as [pk, sk, units, sales, history points]. */
const writtenItemDays = () =>
  control
    .commandCalls(UpdateItemCommand)
    .map(({ args: [{ input }] }) => [
      input.Key?.pk?.S,
      input.Key?.sk?.S,
      input.ExpressionAttributeValues?.[':units']?.N,
      input.ExpressionAttributeValues?.[':sales']?.N,
      input.ExpressionAttributeValues?.[':points']?.L?.map((p) => p.S),
    ]);

/** A record written `seconds` after the factories' time (2025-11-25 12:00:00 UTC, minute 720). */
const at = (record: DynamoDBRecord, seconds: number): DynamoDBRecord => {
  const stream = record.dynamodb ?? {};
  return {
    ...record,
    dynamodb: { ...stream, ApproximateCreationDateTime: 1_764_072_000 + seconds },
  };
};

beforeEach(() => {
  control.on(UpdateItemCommand).resolves({});
});
afterEach(() => {
  control.reset();
});

describe('demand-recorder handler', () => {
  it('writes one conditional UpdateItem per item-day, summing the sales of one item in the batch', async () => {
    // Prepare
    const handler = createHandler();
    // Act
    const result = await handler(
      streamEvent(
        quantityChange('A', 50, 47),
        quantityChange('A', 47, 45),
        quantityChange('B', 60, 59),
        quantityChange('C', 10, 30), // a receipt: no sale, but the quantity moved
      ),
      context,
    );
    // Assess
    expect(result).toEqual({ batchItemFailures: [] });
    expect(writtenItemDays()).toEqual([
      ['ITEM#A#WH-1', 'DEMAND#2025-11-25', '5', '2', ['720:45']],
      ['ITEM#B#WH-1', 'DEMAND#2025-11-25', '1', '1', ['720:59']],
      ['ITEM#C#WH-1', 'DEMAND#2025-11-25', '0', '0', ['720:30']],
    ]);
    expect(control.commandCalls(UpdateItemCommand)[0]?.args[0].input).toMatchObject({
      TableName: process.env.CONTROL_TABLE_NAME,
      UpdateExpression: expect.stringContaining('ADD unitsSold :units, sales :sales'),
      ConditionExpression: expect.stringContaining(
        'attribute_not_exists(lastSequence) OR lastSequence < :first',
      ),
    });
  });

  it('keeps the last quantity of each minute, the price where it changed, and a delete as a gap', async () => {
    const handler = createHandler();
    await handler(
      streamEvent(
        at(quantityChange('A', 50, 47, { price: 9.5 }), 5),
        at(quantityChange('A', 47, 44, { price: 9.5 }), 30), // same minute: only the last stays
        at(
          streamRecord({
            old: { sku: 'A', location: 'WH-1', quantity: 44, price: 9.5 },
            new: { sku: 'A', location: 'WH-1', quantity: 44, price: 8.75 },
          }),
          65,
        ),
        at(quantityChange('A', 44, undefined, { price: 8.75 }), 130), // deleted
        at(quantityChange('A', undefined, 12, { price: 8.75 }), 200), // created again
      ),
      context,
    );
    expect(writtenItemDays()).toEqual([
      [
        'ITEM#A#WH-1',
        'DEMAND#2025-11-25',
        '6',
        '2',
        ['720:44:9.5', '721:44:8.75', '722:', '723:12'],
      ],
    ]);
  });

  it('counts what a strategy wrote (lastAdjustmentId changed) in the history, not as a sale', async () => {
    const handler = createHandler();
    await handler(
      streamEvent(
        streamRecord({
          old: { sku: 'A', location: 'WH-1', quantity: 80 },
          new: { sku: 'A', location: 'WH-1', quantity: 50, lastAdjustmentId: 'reduce-1' },
        }),
      ),
      context,
    );
    expect(writtenItemDays()).toEqual([['ITEM#A#WH-1', 'DEMAND#2025-11-25', '0', '0', ['720:50']]]);
  });

  it('skips records it cannot read and still counts their neighbours', async () => {
    const handler = createHandler();
    const poison = POISON_CATALOGUE.map(([, make]) => make());
    const result = await handler(streamEvent(...poison, quantityChange('OK', 10, 9)), context);
    expect(result).toEqual({ batchItemFailures: [] });
    expect(writtenItemDays()).toEqual([['ITEM#OK#WH-1', 'DEMAND#2025-11-25', '1', '1', ['720:9']]]);
  });

  it('takes a failed replay guard as a redelivery: that item-day is left as it is, the rest written', async () => {
    const handler = createHandler();
    control
      .on(UpdateItemCommand, { Key: { pk: { S: 'ITEM#A#WH-1' }, sk: { S: 'DEMAND#2025-11-25' } } })
      .rejects(new ConditionalCheckFailedException({ message: 'guard', $metadata: {} }));
    const result = await handler(
      streamEvent(quantityChange('A', 50, 47), quantityChange('B', 60, 59)),
      context,
    );
    expect(result.batchItemFailures).toEqual([]);
    expect(writtenItemDays().map(([pk]) => pk)).toEqual(['ITEM#A#WH-1', 'ITEM#B#WH-1']);
  });

  it("still counts the day's sales once the day's history is full, without growing it", async () => {
    // Each batch appends its minutes, so a busy item-day's history could grow past DynamoDB's
    // 400 KB item limit and fail every later batch holding the item: it stops at a cap.
    const handler = createHandler();
    const full = new ConditionalCheckFailedException({ message: 'history full', $metadata: {} });
    full.Item = {
      lastSequence: { S: '1'.padStart(40, '0') },
      stockPoints: { L: Array.from({ length: 1500 }, () => ({ S: '700:1' })) },
    };
    control.on(UpdateItemCommand).rejectsOnce(full).resolves({});
    const result = await handler(streamEvent(quantityChange('A', 50, 47)), context);
    expect(result.batchItemFailures).toEqual([]);
    const [first, second] = control.commandCalls(UpdateItemCommand).map((c) => c.args[0].input);
    expect(first?.ConditionExpression).toContain('size(stockPoints) < :cap');
    expect(first?.ReturnValuesOnConditionCheckFailure).toBe('ALL_OLD');
    expect(second?.UpdateExpression).not.toContain('stockPoints');
    expect(second?.ExpressionAttributeValues?.[':units']?.N).toBe('3');
  });

  it('fails the whole batch when a write fails otherwise, so Lambda retries it', async () => {
    const handler = createHandler();
    control
      .on(UpdateItemCommand)
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    await expect(handler(streamEvent(quantityChange('A', 50, 47)), context)).rejects.toThrow(
      'Rate exceeded',
    );
  });
});
