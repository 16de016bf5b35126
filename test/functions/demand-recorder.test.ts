import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { ConditionalCheckFailedException, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createHandler } from '../../functions/demand-recorder/handler.js';
import { lambdaContext } from '../../sandbox/local-handlers.js';
import { decodeEntry } from '../../shared/domain/demand-journal.js';
import { quantityChange, streamEvent, streamRecord } from '../support/factories.js';
import { POISON_CATALOGUE } from '../support/poison.js';

const context = lambdaContext('demand-recorder');
const control = mockClient(DynamoDBDocumentClient);

/** The journal entries put, each as its key and its deltas as [sku, units, sales, points]. */
const journaled = () =>
  control.commandCalls(PutItemCommand).map(({ args: [{ input }] }) => {
    const pk = input.Item?.pk?.S as string;
    const day = pk.split('#')[1] as string;
    const text = inflateRawSync(input.Item?.b?.B as Uint8Array).toString('utf8');
    return {
      pk,
      sk: input.Item?.sk?.S,
      deltas: decodeEntry(day, text).map((d) => [
        d.sku,
        d.unitsSold,
        d.sales,
        (d.history ?? []).map((p) => [p.minute, p.quantity, p.price]),
      ]),
    };
  });

/** The deltas of every entry put, in order. */
const deltasPut = () => journaled().flatMap((e) => e.deltas);

/** A record written `seconds` after the factories' time (2025-11-25 12:00:00 UTC, minute 720). */
const at = (record: DynamoDBRecord, seconds: number): DynamoDBRecord => {
  const stream = record.dynamodb ?? {};
  return {
    ...record,
    dynamodb: { ...stream, ApproximateCreationDateTime: 1_764_072_000 + seconds },
  };
};

beforeEach(() => {
  control.on(PutItemCommand).resolves({});
});
afterEach(() => {
  control.reset();
});

describe('demand-recorder handler', () => {
  it('journals a batch in one conditional put per day, summing the sales of one item', async () => {
    // Prepare
    const handler = createHandler();
    const records = [
      quantityChange('A', 50, 47),
      quantityChange('A', 47, 45),
      quantityChange('B', 60, 59),
      quantityChange('C', 10, 30), // a receipt: no sale, but the quantity moved
    ];
    // Act
    const result = await handler(streamEvent(...records), context);
    // Assess
    expect(result).toEqual({ batchItemFailures: [] });
    const first = records[0]?.dynamodb?.SequenceNumber as string;
    const last = records[3]?.dynamodb?.SequenceNumber as string;
    expect(journaled()).toEqual([
      {
        pk: expect.stringMatching(/^DEMANDLOG#2025-11-25#[0-7]$/),
        sk: `${first.padStart(40, '0')}#${last.padStart(40, '0')}#0`,
        deltas: [
          ['A', 5, 2, [[720, 45, undefined]]],
          ['B', 1, 1, [[720, 59, undefined]]],
          ['C', 0, 0, [[720, 30, undefined]]],
        ],
      },
    ]);
    expect(control.commandCalls(PutItemCommand)[0]?.args[0].input).toMatchObject({
      TableName: process.env.CONTROL_TABLE_NAME,
      ConditionExpression: 'attribute_not_exists(pk)',
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    });
  });

  it('journals each UTC day of a batch in an entry of its own', async () => {
    const handler = createHandler();
    await handler(
      streamEvent(quantityChange('A', 50, 47), at(quantityChange('A', 47, 40), 12 * 3600)),
      context,
    );
    expect(journaled().map((e) => [e.pk.split('#')[1], e.deltas.map((d) => d[1])])).toEqual([
      ['2025-11-25', [3]],
      ['2025-11-26', [7]],
    ]);
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
    expect(deltasPut()).toEqual([
      [
        'A',
        6,
        2,
        [
          [720, 44, 9.5],
          [721, 44, 8.75],
          [722, undefined, undefined],
          [723, 12, undefined],
        ],
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
    expect(deltasPut()).toEqual([['A', 0, 0, [[720, 50, undefined]]]]);
  });

  it('skips records it cannot read and still counts their neighbours', async () => {
    const handler = createHandler();
    const poison = POISON_CATALOGUE.map(([, make]) => make());
    const result = await handler(streamEvent(...poison, quantityChange('OK', 10, 9)), context);
    expect(result).toEqual({ batchItemFailures: [] });
    expect(deltasPut()).toEqual([['OK', 1, 1, [[720, 9, undefined]]]]);
  });

  it('skips a record without ApproximateCreationDateTime, so a redelivery on another clock writes the same entries', async () => {
    // Prepare: AWS always sets the creation time; a record without it has no day of its own,
    // and the invocation's clock would file a redelivery after midnight under another day.
    const undated = quantityChange('UNDATED', 50, 47);
    delete undated.dynamodb?.ApproximateCreationDateTime;
    const dated = quantityChange('OK', 10, 9);
    const batch = () => streamEvent(structuredClone(undated), structuredClone(dated));
    const added = vi.spyOn(Metrics.prototype, 'addMetric');
    const warned = vi.spyOn(Logger.prototype, 'warn');
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      // Act: delivered before midnight, redelivered after it.
      vi.setSystemTime(new Date('2025-11-24T23:59:50Z'));
      await createHandler()(batch(), context);
      vi.setSystemTime(new Date('2025-11-25T00:00:20Z'));
      await createHandler()(batch(), context);
      // Assess
      const [first, second] = journaled();
      expect(first?.deltas).toEqual([['OK', 1, 1, [[720, 9, undefined]]]]);
      expect(second).toEqual(first);
      expect(added.mock.calls.filter(([name]) => name === 'RecordsSkipped')).toEqual([
        ['RecordsSkipped', 'Count', 1],
        ['RecordsSkipped', 'Count', 1],
      ]);
      expect(warned).toHaveBeenCalledWith(
        'Record skipped: no ApproximateCreationDateTime to date it by',
        expect.objectContaining({ sequenceNumber: undated.dynamodb?.SequenceNumber }),
      );
    } finally {
      vi.useRealTimers();
      added.mockRestore();
      warned.mockRestore();
    }
  });

  it('writes nothing for a batch without changes it can read', async () => {
    const handler = createHandler();
    const poison = POISON_CATALOGUE.map(([, make]) => make());
    expect(await handler(streamEvent(...poison), context)).toEqual({ batchItemFailures: [] });
    expect(control.commandCalls(PutItemCommand)).toHaveLength(0);
  });

  it('takes a refused put holding the same entry as a redelivery: nothing written twice, no failure', async () => {
    const handler = createHandler();
    const batch = streamEvent(quantityChange('A', 50, 47), quantityChange('B', 60, 59));
    await handler(batch, context);
    const body = control.commandCalls(PutItemCommand)[0]?.args[0].input.Item?.b;
    const exists = new ConditionalCheckFailedException({ message: 'exists', $metadata: {} });
    exists.Item = { b: body as { B: Uint8Array } };
    control.on(PutItemCommand).rejects(exists);
    expect(await handler(batch, context)).toEqual({ batchItemFailures: [] });
  });

  it('takes a refused put holding the same entry deflated otherwise (another level, zlib, runtime) as a redelivery', async () => {
    // Prepare: the first attempt's entry, as another deflate wrote the same text.
    const handler = createHandler();
    const batch = streamEvent(quantityChange('A', 50, 47), quantityChange('B', 60, 59));
    await handler(batch, context);
    const body = control.commandCalls(PutItemCommand)[0]?.args[0].input.Item?.b?.B as Uint8Array;
    const other = deflateRawSync(inflateRawSync(body), { level: 1, memLevel: 1 });
    expect(Buffer.from(other).equals(Buffer.from(body))).toBe(false);
    const exists = new ConditionalCheckFailedException({ message: 'exists', $metadata: {} });
    exists.Item = { b: { B: other } };
    control.on(PutItemCommand).rejects(exists);
    // Act / Assess
    expect(await handler(batch, context)).toEqual({ batchItemFailures: [] });
  });

  it('counts a batch’s sales and deltas once: a redelivery adds replays, not sales', async () => {
    // Prepare
    const handler = createHandler();
    const batch = streamEvent(quantityChange('A', 50, 47), quantityChange('B', 60, 59));
    const added = vi.spyOn(Metrics.prototype, 'addMetric');
    try {
      await handler(batch, context);
      const first = added.mock.calls.map(([name, , value]) => [name, value]);
      added.mockClear();
      const body = control.commandCalls(PutItemCommand)[0]?.args[0].input.Item?.b;
      const exists = new ConditionalCheckFailedException({ message: 'exists', $metadata: {} });
      exists.Item = { b: body as { B: Uint8Array } };
      control.on(PutItemCommand).rejects(exists);
      // Act
      await handler(batch, context);
      // Assess
      const second = added.mock.calls.map(([name, , value]) => [name, value]);
      expect(first).toEqual([
        ['SalesRecorded', 2],
        ['DemandDeltasJournaled', 2],
        ['DemandEntriesWritten', 1],
      ]);
      expect(second).toEqual([
        ['SalesRecorded', 0],
        ['DemandDeltasJournaled', 0],
        ['DemandEntriesWritten', 0],
        ['DemandEntriesReplayed', 1],
      ]);
    } finally {
      added.mockRestore();
    }
  });

  it('fails the batch when its key holds another entry, rather than lose either', async () => {
    const handler = createHandler();
    const exists = new ConditionalCheckFailedException({ message: 'exists', $metadata: {} });
    exists.Item = { b: { B: new Uint8Array([1, 2, 3]) } };
    control.on(PutItemCommand).rejects(exists);
    await expect(handler(streamEvent(quantityChange('A', 50, 47)), context)).rejects.toThrow(
      /exists with other content/,
    );
  });

  it('fails the whole batch when a write fails otherwise, so Lambda retries it', async () => {
    const handler = createHandler();
    control
      .on(PutItemCommand)
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    await expect(handler(streamEvent(quantityChange('A', 50, 47)), context)).rejects.toThrow(
      'Rate exceeded',
    );
  });
});
