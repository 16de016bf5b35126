import {
  CreateTopicCommand,
  PublishBatchCommand,
  type PublishBatchRequestEntry,
  SNSClient,
  SubscribeCommand,
} from '@aws-sdk/client-sns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toPublishEntry } from '../../shared/adapters/alert-publisher.js';
import { digestEntryOf } from '../../shared/adapters/digest-topic.js';
import {
  type DigestSubscription,
  digestSubscriberOf,
  type FilterPolicy,
  filterPolicyOf,
  filterPolicyProblem,
  matchesFilterPolicy,
  type SubscriberFilter,
  type SubscriberProtocol,
} from '../../shared/contracts/subscriptions.js';
import { renderDigest } from '../../shared/domain/digest.js';
import { LEVELS } from '../../shared/domain/levels.js';
import { isLocale, LOCALES, type Locale } from '../../shared/domain/locales.js';
import { renderAlert } from '../../shared/domain/messages.js';
import { alertContext, anAlert, lowStockTrigger } from '../support/alert-facts.js';
import { findMotoServer, type RunningMoto, sqs, startMoto } from '../support/moto-server.js';

const MOTO = findMotoServer();
// CI sets REQUIRE_MOTO_SERVER=1: there the parity test must run, never skip.
if (!MOTO && process.env.REQUIRE_MOTO_SERVER)
  throw new Error(
    'moto_server not found and REQUIRE_MOTO_SERVER is set: pip install "moto[server]"',
  );
const REGION = 'us-east-1';
const ACCOUNT = '123456789012';

/** The subscribers of the parity table: every kind of choice a subscriber makes, digests too. */
const SUBSCRIBERS: [SubscriberProtocol, SubscriberFilter, Locale, DigestSubscription?][] = [
  [
    'sms',
    { levels: ['OUT_OF_STOCK', 'LOW_STOCK'], resolved: true },
    'en',
    { windowMinutes: 15, critical: 'immediate', id: 'aaaaaaaaaaaa' },
  ],
  [
    'email',
    { locations: ['WH-1'], resolved: true },
    'zh-CN',
    { windowMinutes: 60, critical: 'digest', id: 'bbbbbbbbbbbb' },
  ],
  ['email', { resolved: true }, 'en'],
  ['email', { resolved: true }, 'zh-CN'],
  ['sms', { levels: ['OUT_OF_STOCK'], resolved: false }, 'en'],
  ['sms', { levels: ['OUT_OF_STOCK', 'LOW_STOCK'], resolved: true }, 'zh-CN'],
  ['https', { levels: ['OVERSTOCK'], resolved: true, locations: ['WH-2'] }, 'en'],
  ['email', { categories: ['toys'], resolved: false }, 'en'],
  ['email', { levels: [...LEVELS], locations: ['WH-1', 'WH-2'], resolved: true }, 'zh-CN'],
  [
    'sms',
    {
      levels: [...LEVELS],
      locations: Array.from({ length: 10 }, (_, i) => `WH-${i}`),
      categories: ['toys', 'kitchen', 'c3', 'c4', 'c5', 'c6'],
      resolved: false,
    },
    'en',
  ],
];

/** Every combination of what a message says about itself. */
const attributeSets = () =>
  LEVELS.flatMap((level) =>
    (['TRIGGERED', 'RESOLVED'] as const).flatMap((kind) =>
      LOCALES.flatMap((locale) =>
        [['email', 'sms'], ['email'], []].flatMap((channels) =>
          ['WH-1', 'WH-2'].flatMap((location) =>
            ['toys', 'kitchen'].flatMap((category) =>
              (['warning', 'critical'] as const).flatMap((severity) =>
                // Where no digests are kept, digest subscribers take every alert at once.
                [true, false].map((digestsKept) => ({
                  level,
                  kind,
                  locale,
                  channels,
                  location,
                  category,
                  severity,
                  digestsKept,
                })),
              ),
            ),
          ),
        ),
      ),
    ),
  );

/** The production entry of one attribute set, its body replaced by the case's name. */
const entryOf = (
  set: ReturnType<typeof attributeSets>[number],
  id: string,
): PublishBatchRequestEntry => {
  const message = anAlert(
    {
      sku: 'MUG-1',
      location: set.location,
      category: set.category,
      previousQuantity: 9,
      quantity: 8,
    },
    { ...lowStockTrigger, level: set.level, kind: set.kind },
    { ...alertContext, channels: set.channels, severity: set.severity },
  );
  const entry = toPublishEntry(
    message,
    renderAlert(message, set.locale, { currency: 'USD' }),
    set.digestsKept,
  );
  return { ...entry, Id: id, Message: id, MessageStructure: undefined };
};

/** Each digest subscriber's digest as the digest-sender publishes it, its body replaced by its name. */
const digestEntries = (policies: readonly FilterPolicy[]): PublishBatchRequestEntry[] =>
  policies.flatMap((policy, i) => {
    const subscriber = digestSubscriberOf(policy, isLocale);
    if (!subscriber) return [];
    const window = {
      since: '2026-11-25T12:00:00.000Z',
      until: '2026-11-25T12:15:00.000Z',
      minutes: 15,
    };
    const id = `digest-${i}`;
    const entry = digestEntryOf(subscriber, renderDigest([], subscriber.locale, window), id);
    return [{ ...entry, Message: id, MessageStructure: undefined }];
  });

/** The attributes as SNS evaluates them: String.Array values decoded. */
const decoded = (entry: PublishBatchRequestEntry) =>
  Object.fromEntries(
    Object.entries(entry.MessageAttributes ?? {}).map(([name, value]) => [
      name,
      value.DataType === 'String.Array'
        ? (JSON.parse(value.StringValue ?? '[]') as string[])
        : (value.StringValue ?? ''),
    ]),
  );

/** Every message body in a queue. */
const drain = async (endpoint: string, queueUrl: string): Promise<string[]> => {
  const bodies: string[] = [];
  for (;;) {
    const { Messages = [] } = await sqs<{ Messages?: { Body: string }[] }>(
      endpoint,
      'ReceiveMessage',
      { QueueUrl: queueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 300 },
    );
    if (Messages.length === 0) return bodies;
    bodies.push(...Messages.map((m) => m.Body));
  }
};

describe.skipIf(!MOTO)(
  `SNS filter policies: the sandbox agrees with moto_server${MOTO ? '' : ' (SKIPPED: moto_server not found on PATH or in /root/.pyenv/shims; pip install "moto[server]")'}`,
  () => {
    let moto: RunningMoto;
    let sns: SNSClient;
    let topicArn: string;
    let queue = 0;

    /** A queue subscribed to the topic under `policy`; moto's error when it refuses the policy. */
    const subscribeQueue = async (policy: FilterPolicy) => {
      const name = `q${++queue}`;
      const { QueueUrl } = await sqs<{ QueueUrl: string }>(moto.endpoint, 'CreateQueue', {
        QueueName: name,
      });
      await sns.send(
        new SubscribeCommand({
          TopicArn: topicArn,
          Protocol: 'sqs',
          Endpoint: `arn:aws:sqs:${REGION}:${ACCOUNT}:${name}`,
          Attributes: {
            RawMessageDelivery: 'true',
            FilterPolicy: JSON.stringify(policy),
            FilterPolicyScope: 'MessageAttributes',
          },
        }),
      );
      return QueueUrl;
    };

    beforeAll(async () => {
      moto = await startMoto(MOTO as string);
      sns = new SNSClient({
        endpoint: moto.endpoint,
        region: REGION,
        credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      });
      ({ TopicArn: topicArn = '' } = await sns.send(new CreateTopicCommand({ Name: 'alerts' })));
    });

    afterAll(async () => {
      await moto?.stop();
    });

    it('delivers a table of attribute sets to the same subscribers as the sandbox evaluator', async () => {
      // Prepare: one queue per subscriber, under the policy the stack and the CLI create
      const policies = SUBSCRIBERS.map(([protocol, filter, locale, digest]) =>
        filterPolicyOf(protocol, filter, locale, digest),
      );
      const queues = [];
      for (const policy of policies) queues.push(await subscribeQueue(policy));
      const entries = [
        ...attributeSets().map((set, i) => entryOf(set, `case-${i}`)),
        ...digestEntries(policies),
      ];

      // Act: publish every attribute set, ten to a call
      for (let i = 0; i < entries.length; i += 10) {
        const output = await sns.send(
          new PublishBatchCommand({
            TopicArn: topicArn,
            PublishBatchRequestEntries: entries.slice(i, i + 10),
          }),
        );
        expect(output.Failed ?? []).toEqual([]);
      }

      // Assess: each subscriber received exactly what the sandbox would deliver to it
      for (const [index, policy] of policies.entries()) {
        const expected = entries
          .filter((entry) => matchesFilterPolicy(policy, decoded(entry)))
          .map((entry) => entry.Id)
          .sort();
        const received = (await drain(moto.endpoint, queues[index] as string)).sort();
        expect({ subscriber: SUBSCRIBERS[index], received }).toEqual({
          subscriber: SUBSCRIBERS[index],
          received: expected,
        });
      }
      // The table exercises both outcomes for every subscriber.
      for (const policy of policies) {
        const delivered = entries.filter((e) => matchesFilterPolicy(policy, decoded(e))).length;
        expect(delivered).toBeGreaterThan(0);
        expect(delivered).toBeLessThan(entries.length);
      }
    });

    it('refuses exactly the policies the sandbox and the config refuse', async () => {
      const values = (prefix: string, n: number) =>
        Array.from({ length: n }, (_, i) => `${prefix}${i}`);
      const cases: FilterPolicy[] = [
        { a: ['1'], b: ['1'], c: ['1'], d: ['1'], e: ['1'] },
        { a: ['1'], b: ['1'], c: ['1'], d: ['1'], e: ['1'], f: ['1'] },
        { location: values('l', 10), category: values('c', 15) },
        { location: values('l', 10), category: values('c', 16) },
        // Three levels under a key of their own, ten locations, six categories: 180.
        { level: [...LEVELS], location: values('l', 10), category: values('c', 6) },
        filterPolicyOf(
          'sms',
          {
            levels: [...LEVELS],
            locations: values('l', 10),
            categories: values('c', 6),
            resolved: false,
          },
          'zh-CN',
        ),
        // A digest subscriber keeping critical alerts immediate: two delivery values.
        ...[75, 76].map((locations) =>
          filterPolicyOf('sms', { locations: values('l', locations), resolved: true }, 'en', {
            windowMinutes: 15,
            critical: 'immediate',
            id: 'cccccccccccc',
          }),
        ),
      ];
      const outcomes = [];
      for (const policy of cases) {
        const moto = await subscribeQueue(policy).then(
          () => 'accepted',
          (error: Error) => `refused: ${error.message}`,
        );
        outcomes.push({
          policy: Object.keys(policy).join(','),
          moto,
          ours: filterPolicyProblem(policy),
        });
      }
      for (const outcome of outcomes)
        expect(outcome.moto === 'accepted', JSON.stringify(outcome)).toBe(
          outcome.ours === undefined,
        );
      expect(outcomes.map((o) => o.moto.split(':')[0])).toEqual([
        'accepted',
        'refused',
        'accepted',
        'refused',
        'refused',
        'accepted',
        'accepted',
        'refused',
      ]);
    });
  },
);
