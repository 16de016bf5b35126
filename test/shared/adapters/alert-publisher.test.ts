import { PublishBatchCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../../sandbox/dynamodb-local.js';
import { LocalRequestHandler, type WirePublishEntry } from '../../../sandbox/local-transport.js';
import {
  ALERT_MESSAGE_MAX_BYTES,
  AlertPublisher,
  publishEntryBytes,
  SNS_BATCH_LIMIT,
  SnsLimits,
  toPublishEntry,
} from '../../../shared/adapters/alert-publisher.js';
import type { Transition } from '../../../shared/domain/crossing.js';
import { type AlertMessage, buildAlertMessage } from '../../../shared/domain/messages.js';

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
  const message = buildAlertMessage(
    transition,
    { ...text, previousQuantity: -Number.MAX_VALUE, quantity: Number.MIN_VALUE },
    {
      ruleKey: text.category ? `category#${text.category}` : `sku#${text.sku}`,
      ruleName: text.ruleName,
      severity: 'critical',
      strategy: 'purchase-order',
      channels: ['email', 'sms'],
      occurredAt: '2026-11-25T12:00:00.000Z',
    },
  );
  return { ...message, id: `${text.sku}-T` };
};

/** A message whose e-mail body is `bytes` long: bigger than the stock-monitor ever builds. */
const oversized = (id: string, bytes: number): AlertMessage => ({
  ...alertOf({ sku: id, location: 'WH-1' }),
  id,
  email: 'x'.repeat(bytes),
});

describe('alert size', () => {
  it('lets ten alerts of the largest size fit in one PublishBatch', () => {
    expect(SNS_BATCH_LIMIT * ALERT_MESSAGE_MAX_BYTES).toBeLessThanOrEqual(SnsLimits.batchBytes);
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
      expect(publishEntryBytes(toPublishEntry(message))).toBeLessThanOrEqual(
        ALERT_MESSAGE_MAX_BYTES,
      );
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
          const entry = toPublishEntry(alertOf(fields));
          expect(publishEntryBytes(entry)).toBeLessThanOrEqual(ALERT_MESSAGE_MAX_BYTES);
          expect((entry.Subject ?? '').length).toBeLessThanOrEqual(SnsLimits.subjectLength);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('sends the short summary as `default`, not a second copy of the e-mail', () => {
    const message = alertOf({ sku: 'MUG-1', location: 'WH-1', name: 'Blue mug' });
    const body = JSON.parse(toPublishEntry(message).Message ?? '{}');
    expect(body).toEqual({ default: message.summary, email: message.email, sms: message.sms });
    expect(body.default.length).toBeLessThan(body.email.length / 2);
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
    expect(calls.map((entries) => entries.map((e) => e.Id))).toEqual([
      [messages[0]?.id, messages[1]?.id, messages[2]?.id],
      [messages[3]?.id, ...messages.slice(4, 13).map((m) => m.id)],
      messages.slice(13).map((m) => m.id),
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
    expect(delivered.map((e) => e.id).sort()).toEqual(neighbours.map((m) => m.id).sort());
  });
});
