import { PublishBatchCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../../sandbox/dynamodb-local.js';
import { LocalRequestHandler, type WirePublishEntry } from '../../../sandbox/local-transport.js';
import {
  ALERT_MESSAGE_MAX_BYTES,
  AlertPublisher,
  alertLanguagesOf,
  publishEntryBytes,
  SNS_BATCH_LIMIT,
  SNS_MESSAGE_ATTRIBUTES_LIMIT,
  SnsLimits,
  toPublishEntry,
} from '../../../shared/adapters/alert-publisher.js';
import { StockLevelDetailSchema } from '../../../shared/contracts/events.js';
import { alertTagsOf } from '../../../shared/contracts/subscriptions.js';
import type { Transition } from '../../../shared/domain/crossing.js';
import { LOCALES } from '../../../shared/domain/locales.js';
import { type AlertMessage, clip, renderAlert } from '../../../shared/domain/messages.js';
import { anAlert } from '../../support/alert-facts.js';

const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:alerts-test';
const NO_WAIT = { maxAttempts: 2, baseDelayMs: 0, sleep: async () => {} };

const transition: Transition = {
  kind: 'TRIGGERED',
  level: 'OVERSTOCK',
  alertId: 'abcdefghijklmnopqrstuv',
  threshold: Number.MAX_SAFE_INTEGER,
  announced: true,
};

/** An alert as the stock-monitor builds it, with the free text given. */
const alertOf = (text: {
  sku: string;
  location: string;
  name?: string;
  category?: string;
  ruleName?: string;
}): AlertMessage => {
  const message = anAlert(
    { ...text, previousQuantity: -Number.MAX_VALUE, quantity: Number.MIN_VALUE, price: 1e300 },
    transition,
    {
      // A stored rule's key: its partition key holds at most 2048 bytes.
      ruleKey: clip(text.category ? `category#${text.category}` : `sku#${text.sku}`, 2048),
      ruleName: text.ruleName,
      severity: 'critical',
      strategy: 'purchase-order',
      channels: ['email', 'sms'],
      occurredAt: '2026-11-25T12:00:00.000Z',
    },
  );
  return { ...message, id: `${text.sku}-T` };
};

/** A message whose webhook body is `bytes` long: bigger than the stock-monitor ever builds. */
const oversized = (id: string, bytes: number): AlertMessage => {
  const message = alertOf({ sku: id, location: 'WH-1' });
  return { ...message, id, detail: { ...message.detail, ruleKey: 'x'.repeat(bytes) } };
};

/** The entries of an alert in every locale. */
const entriesOf = (message: AlertMessage) =>
  LOCALES.map((locale) =>
    toPublishEntry(message, renderAlert(message, locale, { currency: 'EUR' })),
  );

describe('alert size', () => {
  it('lets five alerts of the largest size fit in one PublishBatch, and ten ordinary ones', () => {
    expect(5 * ALERT_MESSAGE_MAX_BYTES).toBeLessThanOrEqual(SnsLimits.batchBytes);
    const ordinary = entriesOf(alertOf({ sku: 'MUG-1', location: 'WH-1', name: 'Blue mug' }));
    for (const entry of ordinary)
      expect(SNS_BATCH_LIMIT * publishEntryBytes(entry)).toBeLessThanOrEqual(SnsLimits.batchBytes);
  });

  it('keeps an alert within its budget at the worst of every field', () => {
    // Quotes and backslashes double when JSON-escaped; keys at DynamoDB's key limits (2048 and
    // 1024 bytes); every other field far longer than any catalogue holds.
    for (const ch of ['"', '\\', '😀', 'e\u0301', '\u0001']) {
      const keyChars = (bytes: number) => Math.floor(bytes / Buffer.byteLength(ch));
      const message = alertOf({
        sku: ch.repeat(keyChars(2048)),
        location: ch.repeat(keyChars(1024)),
        name: ch.repeat(300_000),
        category: ch.repeat(300_000),
        ruleName: ch.repeat(80),
      });
      for (const entry of entriesOf(message))
        expect(publishEntryBytes(entry)).toBeLessThanOrEqual(ALERT_MESSAGE_MAX_BYTES);
    }
  });

  it('keeps every alert within its budget whatever the item holds', () => {
    const text = (maxLength: number) => fc.string({ unit: 'binary', maxLength });
    fc.assert(
      fc.property(
        fc.record({
          sku: text(256),
          location: text(256),
          name: fc.oneof(text(2_000), fc.constant('n'.repeat(300_000))),
          category: text(2_000),
          ruleName: text(80),
        }),
        (fields) => {
          for (const entry of entriesOf(alertOf(fields))) {
            expect(publishEntryBytes(entry)).toBeLessThanOrEqual(ALERT_MESSAGE_MAX_BYTES);
            expect((entry.Subject ?? '').length).toBeLessThanOrEqual(SnsLimits.subjectLength);
          }
        },
      ),
      { numRuns: 40 },
    );
  });

  it('sends the short summary as `default`, not a second copy of the e-mail, and the event detail to webhooks', () => {
    const message = alertOf({ sku: 'MUG-1', location: 'WH-1', name: 'Blue mug' });
    const text = renderAlert(message, 'zh-CN', { currency: 'EUR' });
    const entry = toPublishEntry(message, text);
    const body = JSON.parse(entry.Message ?? '{}');
    expect(body).toEqual({
      default: text.summary,
      email: text.email,
      sms: text.sms,
      https: expect.any(String),
    });
    expect(body.default.length).toBeLessThan(body.email.length / 2);
    const webhook = JSON.parse(body.https);
    expect(StockLevelDetailSchema.parse(webhook)).toEqual(message.detail);
    expect(webhook).toMatchObject({
      detailType: 'StockLevelTriggered',
      locale: 'zh-CN',
      summary: text.summary,
    });
    expect(entry.Id).toBe('MUG-1-T-zh-CN');
    expect(entry.MessageAttributes).toMatchObject({
      locale: { DataType: 'String', StringValue: 'zh-CN' },
      // A critical alert: digest subscribers get it at once too (`….digest`).
      delivery: {
        DataType: 'String.Array',
        StringValue: '["email","sms","webhook","email.digest","sms.digest","webhook.digest"]',
      },
      alert: {
        DataType: 'String.Array',
        StringValue: JSON.stringify(alertTagsOf('OVERSTOCK', 'TRIGGERED')),
      },
    });
    expect(Object.keys(entry.MessageAttributes ?? {}).length).toBeLessThanOrEqual(
      SNS_MESSAGE_ATTRIBUTES_LIMIT,
    );
  });
});

describe('AlertPublisher', () => {
  // Only this client is mocked: the last test's client talks to the sandbox SNS.
  const mocked = new SNSClient({});
  const sns = mockClient(mocked);
  afterEach(() => sns.reset());

  it('splits a batch by total bytes as well as by ten entries', async () => {
    // Prepare
    sns.on(PublishBatchCommand).callsFake((input) => ({
      Successful: input.PublishBatchRequestEntries.map((e: { Id: string }) => ({ Id: e.Id })),
      Failed: [],
    }));
    const big = (id: string) => oversized(id, 100_000);
    const small = (id: string) => alertOf({ sku: id, location: 'WH-1' });
    const messages = [
      big('b1'),
      small('s1'),
      big('b2'),
      big('b3'),
      ...Array.from({ length: 12 }, (_, i) => small(`s${i + 2}`)),
    ];

    // Act
    const outcome = await new AlertPublisher(mocked, TOPIC, NO_WAIT).publish(messages);

    // Assess
    expect(outcome.failed.size).toBe(0);
    const calls = sns
      .commandCalls(PublishBatchCommand)
      .map((c) => c.args[0].input.PublishBatchRequestEntries ?? []);
    const en = (m: AlertMessage | undefined) => `${m?.id}-en`;
    expect(calls.map((entries) => entries.map((e) => e.Id))).toEqual([
      [en(messages[0]), en(messages[1]), en(messages[2])],
      [en(messages[3]), ...messages.slice(4, 13).map(en)],
      messages.slice(13).map(en),
    ]);
    for (const entries of calls) {
      expect(entries.length).toBeLessThanOrEqual(SnsLimits.entriesPerBatch);
      const bytes = entries.reduce((sum, e) => sum + publishEntryBytes(e), 0);
      expect(bytes).toBeLessThanOrEqual(SnsLimits.batchBytes);
    }
  });

  it('lets a message SNS refuses fail alone, against the sandbox SNS', async () => {
    // Prepare
    const delivered: WirePublishEntry[] = [];
    const client = new SNSClient({
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
      requestHandler: new LocalRequestHandler({
        publish: (_topic, entries) => void delivered.push(...entries),
        putEvents: () => {},
      }) as never,
    });
    const neighbours = Array.from({ length: 9 }, (_, i) =>
      alertOf({ sku: `N${i}`, location: 'A' }),
    );
    const messages = [
      ...neighbours.slice(0, 4),
      oversized('huge', 300_000),
      ...neighbours.slice(4),
    ];

    // Act
    const outcome = await new AlertPublisher(client, TOPIC, NO_WAIT).publish(messages);

    // Assess
    expect([...outcome.failed.keys()]).toEqual(['huge']);
    expect(outcome.failed.get('huge')).toMatch(/^BatchRequestTooLongException: /);
    expect(delivered.map((e) => e.id).sort()).toEqual(neighbours.map((m) => `${m.id}-en`).sort());
  });

  it('publishes one message per locale in use, ten to a call, and fails an alert when any of its messages fails', async () => {
    // Prepare: SNS refuses the Chinese message of one alert
    sns.on(PublishBatchCommand).callsFake((input) => ({
      Successful: input.PublishBatchRequestEntries.filter(
        (e: { Id: string }) => e.Id !== 'A3-T-zh-CN',
      ).map((e: { Id: string }) => ({ Id: e.Id })),
      Failed: [{ Id: 'A3-T-zh-CN', Code: 'InternalError', SenderFault: false, Message: 'boom' }],
    }));
    const messages = Array.from({ length: 6 }, (_, i) =>
      alertOf({ sku: `A${i}`, location: 'WH-1' }),
    );
    const publisher = new AlertPublisher(mocked, TOPIC, NO_WAIT, {
      locales: ['en', 'zh-CN'],
      currency: 'EUR',
    });

    // Act
    const outcome = await publisher.publish(messages);

    // Assess
    const first = sns
      .commandCalls(PublishBatchCommand)
      .slice(0, 2)
      .map((c) => c.args[0].input.PublishBatchRequestEntries ?? []);
    expect(first.map((entries) => entries.length)).toEqual([10, 2]);
    const locales = first.flat().map((e) => e.MessageAttributes?.locale?.StringValue);
    expect(locales.filter((l) => l === 'en')).toHaveLength(6);
    expect(locales.filter((l) => l === 'zh-CN')).toHaveLength(6);
    expect([...outcome.failed]).toEqual([['A3-T', 'InternalError: boom']]);
  });
});

describe('alertLanguagesOf', () => {
  it('reads the locales and currency the stack sets, English and US dollars when absent', () => {
    expect(alertLanguagesOf('en,zh-CN', 'EUR')).toEqual({
      locales: ['en', 'zh-CN'],
      currency: 'EUR',
    });
    expect(alertLanguagesOf(undefined, undefined)).toEqual({ locales: ['en'], currency: 'USD' });
    expect(() => alertLanguagesOf('en,fr', 'EUR')).toThrow(/no catalogue for fr; use en, zh-CN/);
  });
});
