import {
  GetSubscriptionAttributesCommand,
  ListSubscriptionsByTopicCommand,
  PublishBatchCommand,
  type PublishBatchCommandInput,
  SNSClient,
} from '@aws-sdk/client-sns';
import {
  BatchGetCommand,
  type BatchGetCommandInput,
  DynamoDBDocumentClient,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHandler } from '../../functions/digest-sender/handler.js';
import { lambdaContext } from '../../sandbox/local-handlers.js';
import { DigestBuffer } from '../../shared/adapters/digest-buffer.js';
import {
  type DigestChoice,
  filterPolicyOf,
  matchesFilterPolicy,
  subscriberIdOf,
} from '../../shared/contracts/subscriptions.js';
import { ControlKeys } from '../../shared/contracts/tables.js';
import { digestEntryOf } from '../../shared/domain/digest.js';
import type { Locale } from '../../shared/domain/locales.js';
import { alertContext, anAlert, bufferedItemOf, lowStockTrigger } from '../support/alert-facts.js';
import { mockIdempotencyTable } from '../support/idempotency-table-fake.js';

const context = lambdaContext('digest-sender');
/** The schedule's event after the 12:15 tick: the window 12:00–12:15 closed. */
const tick = { time: '2026-11-25T12:16:00Z' };

const mockSns = () => mockClient(SNSClient);
const mockDoc = () => mockClient(DynamoDBDocumentClient);
let sns: ReturnType<typeof mockSns>;
let doc: ReturnType<typeof mockDoc>;
let idempotency: ReturnType<typeof mockIdempotencyTable>;
/** The control table's window marks, by sort key. */
let marks: Map<string, Record<string, unknown>>;

/** Marks closed every window that ended before `until`, as their own ticks would have. */
const closedBefore = (until: string) => {
  for (let t = Date.parse(until) - 6 * 3_600_000; t < Date.parse(until); t += 15 * 60_000)
    for (const minutes of [15, 60])
      if (t % (minutes * 60_000) === 0) {
        const key = ControlKeys.digestWindow(minutes, new Date(t).toISOString());
        marks.set(key.sk, key);
      }
};

/** A subscriber as SNS lists it: an ARN and its filter policy. */
const subscriber = (
  endpoint: string,
  locale: Locale,
  digest?: DigestChoice,
  levels?: ('LOW_STOCK' | 'OUT_OF_STOCK')[],
) => ({
  arn: `arn:aws:sns:eu-west-1:123456789012:alerts-test:${endpoint}`,
  policy: filterPolicyOf(
    'sms',
    { levels, resolved: true },
    locale,
    digest && { ...digest, id: subscriberIdOf('sms', endpoint) },
  ),
});

/** The topic's subscriptions as ListSubscriptionsByTopic pages them (one page). */
const subscriptionList = () => ({
  Subscriptions: subscribers.map((s) => ({ SubscriptionArn: s.arn, Protocol: 'sms' })),
});

const quarterHour: DigestChoice = { windowMinutes: 15, critical: 'immediate' };
const subscribers = [
  subscriber('+15555550100', 'en', quarterHour),
  subscriber('+15555550101', 'zh-CN', { windowMinutes: 15, critical: 'digest' }),
  subscriber('+15555550102', 'en', { windowMinutes: 60, critical: 'immediate' }),
  subscriber('+15555550103', 'en', quarterHour, ['OUT_OF_STOCK']),
  subscriber('+15555550104', 'en'),
];

/** Buffered crossings of the window, as the buffer stores them. */
const buffered = [
  anAlert({ sku: 'MUG-1', location: 'WH-1', previousQuantity: 12, quantity: 8 }, lowStockTrigger, {
    ...alertContext,
    occurredAt: '2026-11-25T12:03:00.000Z',
  }),
  anAlert(
    { sku: 'CUP-2', location: 'WH-2', previousQuantity: 3, quantity: 0 },
    { ...lowStockTrigger, level: 'OUT_OF_STOCK', threshold: 0, alertId: 'cup-out-0000000000000' },
    { ...alertContext, severity: 'critical', occurredAt: '2026-11-25T12:07:00.000Z' },
  ),
].map(bufferedItemOf);

/** The control index answering the buffer's Queries (a partition, a window) from `items`. */
const answerQueriesFrom = (items: readonly ReturnType<typeof bufferedItemOf>[]) =>
  doc.on(QueryCommand).callsFake((input: QueryCommandInput) => ({
    Items: items.filter(
      (item) =>
        item.kind === input.ExpressionAttributeValues?.[':kind'] &&
        item.at >= input.ExpressionAttributeValues?.[':since'] &&
        item.at <= input.ExpressionAttributeValues?.[':until'],
    ),
  }));

beforeEach(() => {
  sns = mockSns();
  doc = mockDoc();
  idempotency = mockIdempotencyTable();
  sns.on(ListSubscriptionsByTopicCommand).resolves(subscriptionList());
  sns.on(GetSubscriptionAttributesCommand).callsFake(({ SubscriptionArn }) => ({
    Attributes: {
      FilterPolicy: JSON.stringify(subscribers.find((s) => s.arn === SubscriptionArn)?.policy),
    },
  }));
  sns.on(PublishBatchCommand).resolves({ Successful: [{}], Failed: [] });
  marks = new Map();
  // Steady state: the ticks before 12:15 closed their windows.
  closedBefore('2026-11-25T12:15:00.000Z');
  doc.on(PutCommand).callsFake(({ Item }) => {
    marks.set(String(Item.sk), Item);
    return {};
  });
  doc.on(BatchGetCommand).callsFake((input: BatchGetCommandInput) => ({
    Responses: Object.fromEntries(
      Object.entries(input.RequestItems ?? {}).map(([table, { Keys }]) => [
        table,
        (Keys ?? []).flatMap((key) => marks.get(String(key.sk)) ?? []),
      ]),
    ),
  }));
  answerQueriesFrom(buffered);
});

afterEach(() => {
  sns.restore();
  doc.restore();
  idempotency.mock.restore();
});

/** Who each PublishBatch entry reached, by the subscribers' own filter policies. */
const published = () =>
  sns.commandCalls(PublishBatchCommand).flatMap((call) =>
    ((call.args[0].input as PublishBatchCommandInput).PublishBatchRequestEntries ?? []).map(
      (entry) => {
        const attributes = Object.fromEntries(
          Object.entries(entry.MessageAttributes ?? {}).map(([k, v]) => [
            k,
            JSON.parse(v.StringValue ?? '[]') as string[],
          ]),
        );
        const to = subscribers
          .filter((s) => matchesFilterPolicy(s.policy, attributes))
          .map((s) => s.arn.split(':').at(-1));
        return { to, sms: (JSON.parse(entry.Message ?? '{}') as { sms: string }).sms };
      },
    ),
  );

describe('digest-sender', () => {
  it('sends each 15-minute digest subscriber exactly its own digest, critical alerts left out where they went at once', async () => {
    // Act
    const run = await createHandler()(tick, context);

    // Assess
    expect(run.digests.map((d) => d.crossings)).toEqual([1, 2, 0].filter(Boolean));
    expect(run.empty).toBe(1); // the stock-outs-only subscriber got its stock-out at once
    expect(published()).toEqual([
      { to: ['+15555550100'], sms: '1 stock alert/15 min: LOW MUG-1@WH-1 8' },
      { to: ['+15555550101'], sms: '15分钟内2条库存告警：缺货 CUP-2@WH-2 0；不足 MUG-1@WH-1 8' },
    ]);
  });

  it('sends nothing twice when the schedule delivers the same tick again, or retries after a failed publish', async () => {
    // Prepare: the second digest fails to publish the first time
    sns
      .on(PublishBatchCommand)
      .resolvesOnce({ Successful: [{}] })
      .rejectsOnce(new Error('throttled'))
      .resolves({ Successful: [{}] });
    const handler = createHandler();

    // Act: the failed invocation is retried, then the tick is delivered once more
    await expect(handler(tick, context)).rejects.toThrow('throttled');
    await handler(tick, context);
    const again = await handler(tick, context);

    // Assess: each subscriber had its digest once (the failed attempt, its retry, nothing more)
    expect(published().map((p) => p.to)).toEqual([
      ['+15555550100'],
      ['+15555550101'],
      ['+15555550101'],
    ]);
    // The tick delivered again finds its window closed: nothing read, nothing sent.
    expect(again.windows).toEqual([]);
  });

  it('closes at the next tick a window whose tick failed every retry, and reads a closed window no more', async () => {
    // Prepare: SNS answers nothing at the 12:16 tick, through Lambda's retries
    sns
      .on(ListSubscriptionsByTopicCommand)
      .rejectsOnce(new Error('SNS is down'))
      .rejectsOnce(new Error('SNS is down'))
      .rejectsOnce(new Error('SNS is down'))
      .resolves(subscriptionList());
    const handler = createHandler();
    for (let attempt = 0; attempt < 3; attempt++)
      await expect(handler(tick, context)).rejects.toThrow('SNS is down');

    // Act: the next tick, then the one after
    const next = await handler({ time: '2026-11-25T12:31:00Z' }, context);
    const queriesBefore = doc.commandCalls(QueryCommand).length;
    const after = await handler({ time: '2026-11-25T12:46:00Z' }, context);

    // Assess: 12:00–12:15 went out late, once; at 12:46 only 12:30–12:45 was read
    expect(next.windows.map((w) => w.since)).toEqual([
      '2026-11-25T12:00:00.000Z',
      '2026-11-25T12:15:00.000Z',
    ]);
    expect(published()).toEqual([
      { to: ['+15555550100'], sms: '1 stock alert/15 min: LOW MUG-1@WH-1 8' },
      { to: ['+15555550101'], sms: '15分钟内2条库存告警：缺货 CUP-2@WH-2 0；不足 MUG-1@WH-1 8' },
    ]);
    expect(after.windows.map((w) => w.since)).toEqual(['2026-11-25T12:30:00.000Z']);
    const shardsOfADay = 8;
    expect(doc.commandCalls(QueryCommand).length - queriesBefore).toBe(shardsOfADay);
  });

  it('does not let a window whose digest keeps failing hold back the windows after it', async () => {
    // Prepare: the 12:00–12:15 window was left open; 12:15–12:30 holds a crossing of its own;
    // SNS refuses every digest that lists MUG-1 (the first window's)
    const later = bufferedItemOf(
      anAlert(
        { sku: 'BOWL-3', location: 'WH-1', previousQuantity: 11, quantity: 9 },
        lowStockTrigger,
        {
          ...alertContext,
          occurredAt: '2026-11-25T12:20:00.000Z',
        },
      ),
    );
    answerQueriesFrom([...buffered, later]);
    sns.on(PublishBatchCommand).callsFake((input: PublishBatchCommandInput) => {
      if (JSON.stringify(input).includes('MUG-1')) throw new Error('refused');
      return { Successful: [{}], Failed: [] };
    });

    // Act
    const run = createHandler()({ time: '2026-11-25T12:31:00Z' }, context);

    // Assess: the invocation fails for the first window, after the second went out and was marked
    await expect(run).rejects.toThrow(
      /^Digest windows not closed \(left for the retry or a later tick\): 2026-11-25T12:00:00\.000Z\/2026-11-25T12:15:00\.000Z: 2 digest\(s\) not sent: refused; refused$/,
    );
    expect(
      published()
        .filter((p) => p.sms.includes('BOWL-3'))
        .map((p) => p.to),
    ).toEqual([['+15555550100'], ['+15555550101']]);
    expect(marks.has('15#2026-11-25T12:30:00.000Z')).toBe(true);
    expect(marks.has('15#2026-11-25T12:15:00.000Z')).toBe(false);
  });

  it("sends a window's other digests when one subscriber's keeps failing, and leaves the window open", async () => {
    // Prepare: SNS refuses the Chinese digest only
    sns.on(PublishBatchCommand).callsFake((input: PublishBatchCommandInput) => {
      if (JSON.stringify(input).includes('缺货')) throw new Error('refused');
      return { Successful: [{}], Failed: [] };
    });

    // Act
    const run = createHandler()(tick, context);

    // Assess: the English digest went out; the window stays open for the retry
    await expect(run).rejects.toThrow('1 digest(s) not sent: refused');
    expect(published().map((p) => p.to)).toEqual([['+15555550100'], ['+15555550101']]);
    expect(marks.has('15#2026-11-25T12:15:00.000Z')).toBe(false);
  });

  it('sends a window length new to the schedule only its own window, never the windows before it', async () => {
    // Prepare: no window of any length was ever closed (the first tick of a new release, or
    // subscribers who just chose their windows); the buffer holds crossings of the hours before
    marks.clear();

    // Act: 13:01 closes the hour and the quarter 12:45–13:00
    const run = await createHandler()({ time: '2026-11-25T13:01:00Z' }, context);

    // Assess: the hour 12:00–13:00 goes out; the earlier quarters are marked skipped, unsent
    expect(run.windows.map((w) => `${w.minutes} ${w.since}`)).toEqual([
      '15 2026-11-25T12:45:00.000Z',
      '60 2026-11-25T12:00:00.000Z',
    ]);
    expect(published().map((p) => p.to)).toEqual([['+15555550102']]);
    expect(marks.get('15#2026-11-25T12:15:00.000Z')).toMatchObject({ how: 'skipped' });
    // This tick's window is marked sent: from now on a failed tick is caught up
    expect(marks.get('15#2026-11-25T13:00:00.000Z')).toMatchObject({ how: 'sent' });
  });

  it("plans a new length's first tick alike in a second delivery that reads the first's skip marks", async () => {
    // Prepare: nothing ever closed; a delivery of this very tick running at once has written
    // its first skip mark (the window before the span), the others not yet
    marks.clear();
    const earlier = ControlKeys.digestWindow(15, '2026-11-25T10:00:00.000Z');
    marks.set(earlier.sk, { ...earlier, how: 'skipped', closedAt: '2026-11-25T12:16:00.000Z' });

    // Act
    const run = await createHandler()(tick, context);

    // Assess: only this tick's window goes out, not the two hours before it
    expect(run.windows.map((w) => w.since)).toEqual(['2026-11-25T12:00:00.000Z']);
    expect(published().map((p) => p.to)).toEqual([['+15555550100'], ['+15555550101']]);
  });

  it('leaves a window older than the catch-up to its alarm: it is not closed again', async () => {
    // A tick far later than the failed one (the schedule off for hours) reads only the recent windows.
    const run = await createHandler()({ time: '2026-11-25T18:01:00Z' }, context);
    expect(run.windows.length).toBeGreaterThan(0);
    expect(run.windows.every((w) => w.until >= '2026-11-25T16:00:00.000Z')).toBe(true);
    expect(published()).toEqual([]);
  });

  it('closes the hour window at the hour, with the whole hour in it', async () => {
    // The quarters up to 12:45 closed at their ticks; 13:01 closes the hour too, and the
    // quarter 12:45–13:00, which is empty.
    closedBefore('2026-11-25T13:00:00.000Z');
    const run = await createHandler()({ time: '2026-11-25T13:01:00Z' }, context);
    expect(run.windows.map((w) => w.since)).toEqual([
      '2026-11-25T12:45:00.000Z',
      '2026-11-25T12:00:00.000Z',
    ]);
    expect(published()).toEqual([
      { to: ['+15555550102'], sms: '1 stock alert/1 h: LOW MUG-1@WH-1 8' },
    ]);
  });
});

describe('the digest buffer', () => {
  it("indexes an entry by its commit's time, so a crossing committed after its window closed is in the next one", () => {
    // Evaluated just before the 12:15 tick, committed a minute later by a slow invocation:
    // the 12:00–12:15 window may already be read, so the entry must count for 12:15–12:30.
    const message = anAlert(
      { sku: 'MUG-1', location: 'WH-1', previousQuantity: 12, quantity: 8 },
      lowStockTrigger,
      { ...alertContext, occurredAt: '2026-11-25T12:14:59.800Z' },
    );
    const entry = digestEntryOf(message);
    const item = new DigestBuffer({} as never, 'control-test', 8).put(
      entry,
      '2026-11-25T12:15:59.900Z',
    ).Item;
    expect(item.at).toBe('2026-11-25T12:15:59.900Z');
    expect(item.occurredAt).toBe('2026-11-25T12:14:59.800Z');
  });
});
