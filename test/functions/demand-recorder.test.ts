import { TransactionCanceledException, TransactWriteItemsCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHandler } from '../../functions/demand-recorder/handler.js';
import { quantityChange, streamEvent, streamRecord } from '../support/factories.js';
import { POISON_CATALOGUE } from '../support/poison.js';
import { FIRST_TRY_AND_THREE_RETRIES } from '../support/retries.js';

const context = {
  functionName: 'demand-recorder',
  awsRequestId: 'req-1',
  getRemainingTimeInMillis: () => 60_000,
} as unknown as Context;
const control = mockClient(DynamoDBDocumentClient);

/** The day totals of every transaction sent, as [pk, sk, units, sales] per action. */
const writtenTotals = () =>
  control
    .commandCalls(TransactWriteItemsCommand)
    .map((c) =>
      (c.args[0].input.TransactItems ?? []).map((a) => [
        a.Update?.Key?.pk?.S,
        a.Update?.Key?.sk?.S,
        a.Update?.ExpressionAttributeValues?.[':units']?.N,
        a.Update?.ExpressionAttributeValues?.[':sales']?.N,
      ]),
    );

beforeEach(() => {
  control.on(TransactWriteItemsCommand).resolves({});
});
afterEach(() => {
  control.reset();
});

describe('demand-recorder handler', () => {
  it('adds each item-day total of a batch of sales in one transactional write', async () => {
    const handler = createHandler();
    const result = await handler(
      streamEvent(
        quantityChange('A', 50, 47),
        quantityChange('A', 47, 45),
        quantityChange('B', 60, 59),
        quantityChange('C', 10, 30), // a receipt, not a sale
      ),
      context,
    );
    expect(result).toEqual({ batchItemFailures: [] });
    expect(control).toHaveReceivedCommandTimes(TransactWriteItemsCommand, 1);
    expect(writtenTotals()).toEqual([
      [
        ['ITEM#A#WH-1', 'DEMAND#2025-11-25', '5', '2'],
        ['ITEM#B#WH-1', 'DEMAND#2025-11-25', '1', '1'],
      ],
    ]);
    const [action] = control.commandCalls(TransactWriteItemsCommand)[0]?.args[0].input
      .TransactItems ?? [{}];
    expect(action?.Update).toMatchObject({
      TableName: process.env.CONTROL_TABLE_NAME,
      UpdateExpression: expect.stringContaining('ADD unitsSold :units, sales :sales'),
      ConditionExpression: 'attribute_not_exists(lastSequence) OR lastSequence < :first',
    });
  });

  it('does not count what a strategy wrote (lastAdjustmentId changed) as a sale', async () => {
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
    expect(control).not.toHaveReceivedCommand(TransactWriteItemsCommand);
  });

  it('skips records it cannot read and still counts their neighbours', async () => {
    const handler = createHandler();
    const poison = POISON_CATALOGUE.map(([, make]) => make());
    const result = await handler(streamEvent(...poison, quantityChange('OK', 10, 9)), context);
    expect(result).toEqual({ batchItemFailures: [] });
    expect(writtenTotals()).toEqual([[['ITEM#OK#WH-1', 'DEMAND#2025-11-25', '1', '1']]]);
  });

  it('leaves out day totals a replayed batch already added, and writes the rest', async () => {
    const handler = createHandler();
    control.on(TransactWriteItemsCommand).rejectsOnce(
      new TransactionCanceledException({
        message: 'cancelled',
        $metadata: {},
        CancellationReasons: [{ Code: 'ConditionalCheckFailed' }, { Code: 'None' }],
      }),
    );
    const result = await handler(
      streamEvent(quantityChange('A', 50, 47), quantityChange('B', 60, 59)),
      context,
    );
    expect(result.batchItemFailures).toEqual([]);
    expect(writtenTotals().map((call) => call.map(([pk]) => pk))).toEqual([
      ['ITEM#A#WH-1', 'ITEM#B#WH-1'],
      ['ITEM#B#WH-1'],
    ]);
  });

  it('fails the whole batch when the write keeps failing, so Lambda retries it', async () => {
    const handler = createHandler();
    control
      .on(TransactWriteItemsCommand)
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    await expect(handler(streamEvent(quantityChange('A', 50, 47)), context)).rejects.toThrow(
      'Rate exceeded',
    );
    expect(control).toHaveReceivedCommandTimes(
      TransactWriteItemsCommand,
      FIRST_TRY_AND_THREE_RETRIES,
    );
  });
});
