import {
  type EnvironmentConfig,
  localesInUse,
  type Subscriber,
  subscriberPolicyOf,
} from '../infra/config/environments.js';
import { matchesFilterPolicy, type SubscriberProtocol } from '../shared/contracts/subscriptions.js';
import type { Locale } from '../shared/domain/locales.js';
import type { WirePublishEntry } from './local-transport.js';
import { readSandboxSubscriptions, type SandboxSubscription } from './subscriptions-file.js';

/** One delivery of an alert: to whom, and for a webhook the HTTP status it answered (or why none). */
export interface Delivery {
  readonly protocol: SubscriberProtocol;
  readonly endpoint: string;
  readonly status?: number | string;
}

/** One alert message (one locale) as the topic delivered it, and to whom. */
export interface OutboxEntry {
  readonly id: string;
  readonly subject: string | undefined;
  readonly email: string;
  readonly sms: string;
  /** What a webhook receives: the event detail, as JSON. */
  readonly webhook: string;
  readonly attributes: Record<string, string | string[]>;
  readonly deliveredTo: Delivery[];
}

/**
 * Demo subscribers for environments that configure none (dev): e-mail for all, SMS for out of
 * stock, and a warehouse team that reads its alerts in Chinese.
 */
export const DEMO_SUBSCRIBERS: Subscriber[] = [
  {
    protocol: 'email',
    endpoint: 'inventory-team@example.com',
    filter: { resolved: true },
    locale: 'en',
  },
  {
    protocol: 'sms',
    endpoint: '+15555550123',
    filter: { levels: ['OUT_OF_STOCK'], resolved: false },
    locale: 'en',
  },
  {
    protocol: 'email',
    endpoint: 'cangku@example.com',
    filter: { resolved: true },
    locale: 'zh-CN',
  },
];

/** The subscribers the sandbox delivers to from the configuration: the environment's, or the demo's. */
export const configuredSubscribers = (config: EnvironmentConfig): Subscriber[] =>
  config.subscribers.length > 0 ? config.subscribers : DEMO_SUBSCRIBERS;

/** The locales the sandbox publishes in, as the stack would for these subscribers. */
export const sandboxLocales = (config: EnvironmentConfig): Locale[] =>
  localesInUse(configuredSubscribers(config), config.alertLocales);

/** A subscription as the topic matches it; the CLI's and the configured ones also have an id. */
type Subscription = Omit<SandboxSubscription, 'id'>;

/** How long the sandbox waits for a webhook to answer. */
const WEBHOOK_TIMEOUT_MS = 5_000;

/**
 * The subscriptions the environment configures (the demo's when it has none), as the topic
 * holds them; `environment-<n>` names each, for `subscriptions list` (resources.json has them).
 */
export const configuredSubscriptions = (config: EnvironmentConfig): SandboxSubscription[] =>
  configuredSubscribers(config).map((s, index) => ({
    id: `environment-${index + 1}`,
    protocol: s.protocol,
    endpoint: s.endpoint,
    filterPolicy: subscriberPolicyOf(s),
  }));

/**
 * The sandbox topic's subscriptions: the configured ones (fixed) and those the CLI added to
 * `subscriptionsFile` (read on every call, so they apply at once).
 */
export const sandboxSubscriptions = (
  config: EnvironmentConfig,
  subscriptionsFile: string | undefined,
): (() => Subscription[]) => {
  const configured: Subscription[] = configuredSubscriptions(config);
  return () => [
    ...configured,
    ...(subscriptionsFile ? readSandboxSubscriptions(subscriptionsFile) : []),
  ];
};

/**
 * The alerts topic, locally: each published entry becomes an outbox entry, delivered to the
 * subscribers whose filter policy its attributes match; webhooks receive a real HTTP POST and
 * their answer is recorded. The configured subscribers are fixed; those the CLI adds to
 * `subscriptionsFile` are read on every publish, so they apply at once.
 */
export const topicOutbox = (
  config: EnvironmentConfig,
  subscriptionsFile: string | undefined,
  deliver: (entry: OutboxEntry) => void,
): ((topicArn: string, entries: WirePublishEntry[]) => Promise<void>) => {
  const subscriptions = sandboxSubscriptions(config, subscriptionsFile);
  return async (topicArn, entries) => {
    for (const entry of entries) deliver(await outboxEntryOf(topicArn, entry, subscriptions()));
  };
};

/** The entry as SNS delivers it: the per-protocol bodies, the attributes decoded, webhooks posted. */
const outboxEntryOf = async (
  topicArn: string,
  entry: WirePublishEntry,
  subscriptions: Subscription[],
): Promise<OutboxEntry> => {
  const bodies = JSON.parse(entry.message) as {
    default: string;
    email?: string;
    sms?: string;
    https?: string;
  };
  const attributes = Object.fromEntries(
    Object.entries(entry.attributes).map(([name, a]) => [
      name,
      a.dataType === 'String.Array' ? (JSON.parse(a.value) as string[]) : a.value,
    ]),
  );
  const webhook = bodies.https ?? bodies.default;
  const matched = subscriptions.filter((s) => matchesFilterPolicy(s.filterPolicy, attributes));
  const deliveredTo = await Promise.all(
    matched.map(async (s): Promise<Delivery> => {
      const delivery = { protocol: s.protocol, endpoint: s.endpoint };
      if (s.protocol !== 'https' && s.protocol !== 'http') return delivery;
      return { ...delivery, status: await postWebhook(s.endpoint, webhook, topicArn, entry.id) };
    }),
  );
  return {
    id: entry.id,
    subject: entry.subject,
    email: bodies.email ?? bodies.default,
    sms: bodies.sms ?? bodies.default,
    webhook,
    attributes,
    deliveredTo,
  };
};

/**
 * Posts a webhook body as SNS does with raw message delivery (the body as is, SNS's headers);
 * returns the response status, or why there was none. SNS would retry a failure by the
 * subscription's delivery policy; the sandbox records the first answer and does not retry.
 */
const postWebhook = async (
  endpoint: string,
  body: string,
  topicArn: string,
  messageId: string,
): Promise<number | string> => {
  try {
    const response = await fetch(endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'text/plain; charset=UTF-8',
        'x-amz-sns-message-type': 'Notification',
        'x-amz-sns-message-id': messageId,
        'x-amz-sns-topic-arn': topicArn,
        'x-amz-sns-rawdelivery': 'true',
      },
      body,
      signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
    });
    await response.arrayBuffer();
    return response.status;
  } catch (error) {
    return `no answer: ${(error as Error).message}`;
  }
};
