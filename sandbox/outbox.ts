import type { Subscriber } from '../infra/config/environments.js';
import {
  type FilterPolicy,
  filterPolicyOf,
  matchesFilterPolicy,
} from '../shared/contracts/subscriptions.js';
import type { WirePublishEntry } from './local-transport.js';
import { readSandboxSubscriptions } from './subscriptions-file.js';

/** One alert as the topic delivered it, and to whom. */
export interface OutboxEntry {
  readonly id: string;
  readonly subject: string | undefined;
  readonly email: string;
  readonly sms: string;
  readonly attributes: Record<string, string | string[]>;
  readonly deliveredTo: { protocol: 'email' | 'sms'; endpoint: string }[];
}

/** Demo subscribers for environments that configure none (dev): e-mail for all, SMS for out of stock. */
export const DEMO_SUBSCRIBERS: Subscriber[] = [
  { protocol: 'email', endpoint: 'inventory-team@example.com', filter: { resolved: true } },
  {
    protocol: 'sms',
    endpoint: '+15555550123',
    filter: { levels: ['OUT_OF_STOCK'], resolved: false },
  },
];

type Subscription = Pick<Subscriber, 'protocol' | 'endpoint'> & { filterPolicy: FilterPolicy };

/**
 * The subscriptions the environment configures (the demo's when it has none), as the topic
 * holds them; `environment-<n>` names each, for `subscriptions list` (resources.json has them).
 */
export const configuredSubscriptions = (
  subscribers: readonly Subscriber[],
): (Subscription & { id: string })[] =>
  (subscribers.length > 0 ? subscribers : DEMO_SUBSCRIBERS).map((s, index) => ({
    id: `environment-${index + 1}`,
    protocol: s.protocol,
    endpoint: s.endpoint,
    filterPolicy: filterPolicyOf(s.protocol, s.filter),
  }));

/**
 * The alerts topic, locally: each published entry becomes an outbox entry, delivered to the
 * subscribers whose filter policy its attributes match. The environment's subscribers (the
 * demo's when it has none) are fixed; those the CLI adds to `subscriptionsFile` are read on
 * every publish, so they apply at once.
 */
export const topicOutbox = (
  subscribers: Subscriber[],
  subscriptionsFile: string | undefined,
  deliver: (entry: OutboxEntry) => void,
): ((topicArn: string, entries: WirePublishEntry[]) => void) => {
  const configured: Subscription[] = configuredSubscriptions(subscribers);
  const subscriptions = (): Subscription[] => [
    ...configured,
    ...(subscriptionsFile ? readSandboxSubscriptions(subscriptionsFile) : []),
  ];
  return (_topicArn, entries) => {
    for (const entry of entries) deliver(outboxEntryOf(entry, subscriptions()));
  };
};

/** The entry as SNS delivers it: the per-protocol bodies, the attributes decoded. */
const outboxEntryOf = (entry: WirePublishEntry, subscriptions: Subscription[]): OutboxEntry => {
  const bodies = JSON.parse(entry.message) as { default: string; email?: string; sms?: string };
  const attributes = Object.fromEntries(
    Object.entries(entry.attributes).map(([name, a]) => [
      name,
      a.dataType === 'String.Array' ? (JSON.parse(a.value) as string[]) : a.value,
    ]),
  );
  return {
    id: entry.id,
    subject: entry.subject,
    email: bodies.email ?? bodies.default,
    sms: bodies.sms ?? bodies.default,
    attributes,
    deliveredTo: subscriptions
      .filter((s) => matchesFilterPolicy(s.filterPolicy, attributes))
      .map((s) => ({ protocol: s.protocol, endpoint: s.endpoint })),
  };
};
