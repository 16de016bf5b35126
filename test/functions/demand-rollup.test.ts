import { deflateRawSync } from 'node:zlib';
import { UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  BatchWriteCommand,
  DynamoDBDocumentClient,
  QueryCommand,
} from '@aws-sdk/lib-dynamodb';
import type { ScheduledEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { createHandler } from '../../functions/demand-rollup/handler.js';
import { lambdaContext } from '../../sandbox/local-handlers.js';
import { ControlKeys } from '../../shared/contracts/tables.js';
import { type DemandDelta, journalEntries } from '../../shared/domain/demand-journal.js';
import { demandDelta } from '../support/demand.js';

const context = lambdaContext('demand-rollup');
const control = mockClient(DynamoDBDocumentClient);
afterEach(() => {
  control.reset();
});

/** The schedule's event, as EventBridge Scheduler's rule target receives it. */
const scheduled = (time: string): ScheduledEvent => ({
  version: '0',
  id: 'evt-1',
  'detail-type': 'Scheduled Event',
  source: 'aws.events',
  account: '123456789012',
  time,
  region: 'eu-west-1',
  resources: ['arn:aws:events:eu-west-1:123456789012:rule/demand-rollup'],
  detail: {},
});

const delta = (sku: string, units: number, first: string, last: string): DemandDelta =>
  demandDelta({
    sku,
    unitsSold: units,
    firstSequence: first,
    lastSequence: last,
    history: [{ minute: 600, quantity: 10 - units }],
  });

/** A journal entry as the recorder writes it (deflated), as the document client returns it. */
const entry = (deltas: DemandDelta[]) => {
  const [only] = journalEntries(deltas);
  return { b: deflateRawSync(Buffer.from(only?.text ?? '[]')) };
};

describe('demand-rollup handler', () => {
  it('rolls up the day before the scheduled time and the day before that, writing only what differs', async () => {
    // Prepare: the 25th's journal holds a batch, its bisected halves and a batch of its own;
    // B's day is stored as it will fold already, A's not yet.
    control.on(QueryCommand).resolves({ Items: [] });
    control
      .on(QueryCommand, {
        ExpressionAttributeValues: { ':pk': ControlKeys.demandJournal('2025-11-25', 3, '').pk },
      })
      .resolves({
        Items: [
          entry([delta('A', 2, '10', '30'), delta('B', 1, '20', '20')]),
          entry([delta('A', 1, '10', '10')]),
          entry([delta('A', 1, '30', '30'), delta('B', 1, '20', '20')]),
          entry([delta('A', 4, '50', '50')]),
        ],
      });
    const stored = {
      ...ControlKeys.demandDay('B', 'WH-1', '2025-11-25'),
      unitsSold: 1,
      sales: 1,
      stockPoints: ['600:9'],
    };
    control
      .on(BatchGetCommand)
      .resolves({ Responses: { [String(process.env.CONTROL_TABLE_NAME)]: [stored] } });
    control.on(BatchWriteCommand).resolves({ UnprocessedItems: {} });
    control.on(UpdateItemCommand).resolves({});
    // Act
    const results = await createHandler()(scheduled('2025-11-26T00:30:00Z'), context);
    // Assess
    // No marker yet: the final passes start as far back as the journal is whole.
    expect(results.map((r) => [r.day, r.deltas, r.itemDays, r.written])).toEqual([
      ['2025-11-20', 0, 0, 0],
      ['2025-11-21', 0, 0, 0],
      ['2025-11-22', 0, 0, 0],
      ['2025-11-23', 0, 0, 0],
      ['2025-11-24', 0, 0, 0],
      ['2025-11-25', 6, 2, 1],
    ]);
    const puts = control
      .commandCalls(BatchWriteCommand)
      .flatMap((c) => Object.values(c.args[0].input.RequestItems ?? {}).flat());
    expect(puts).toEqual([
      {
        PutRequest: {
          Item: {
            ...ControlKeys.demandDay('A', 'WH-1', '2025-11-25'),
            unitsSold: 6,
            sales: 2,
            stockPoints: ['600:6'],
            expiresAt: Date.parse('2025-11-25T00:00:00Z') / 1000 + 400 * 86_400,
          },
        },
      },
    ]);
    // The marker reaches the 24th, a day at a time, and not yesterday's first look.
    const moves = control.commandCalls(UpdateItemCommand).map((c) => c.args[0].input);
    expect(
      moves.map((m) => [m.ExpressionAttributeValues?.[':day']?.S, m.ConditionExpression]),
    ).toEqual([
      ['2025-11-20', 'attribute_not_exists(through)'],
      ['2025-11-21', 'through = :from'],
      ['2025-11-22', 'through = :from'],
      ['2025-11-23', 'through = :from'],
      ['2025-11-24', 'through = :from'],
    ]);
  });

  it('refuses a repair event of a day not over, not a day, or past the journal retention', async () => {
    const today = new Date().toISOString().slice(0, 10);
    for (const day of [today, '2099-01-01', '2025-02-30', '2020-01-01'])
      await expect(createHandler()({ day }, context)).rejects.toThrow(/^day: /);
    expect(control.commandCalls(UpdateItemCommand)).toHaveLength(0);
    expect(control.commandCalls(BatchWriteCommand)).toHaveLength(0);
  });
});
