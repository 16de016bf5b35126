import { createHash } from 'node:crypto';
import { LEVELS, type Level, type Severity } from '../domain/levels.js';
import type { Locale } from '../domain/locales.js';

/** E.164 phone numbers, as SNS SMS needs them: + then up to 15 digits. */
export const E164_PATTERN = /^\+[1-9]\d{6,14}$/;
export const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/**
 * How a subscriber is reached. `https` is a webhook (SNS HTTPS subscription, raw delivery of
 * the event detail); `http` only in the sandbox, since SNS would send alerts in clear.
 */
export type SubscriberProtocol = 'email' | 'sms' | 'https' | 'http';

/** Why an endpoint is no webhook address, or undefined when it is one. */
export const webhookProblem = (endpoint: string, allowHttp: boolean): string | undefined => {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return `"${endpoint}" is not a URL: write it as https://host/path`;
  }
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:')
    return allowHttp
      ? undefined
      : `"${endpoint}" is http://: SNS would send alerts in clear; use https:// (http:// only in the sandbox)`;
  return `"${endpoint}" is not an https:// URL`;
};

/**
 * How SNS retries a webhook that does not answer 2xx (SNS's own default is three retries in
 * twenty seconds): ten retries over about ten minutes, backing off exponentially, and at most
 * ten requests a second so a burst of alerts does not flood a chat workflow. Within SNS's
 * bounds for HTTP/S (at most 100 retries and 3,600 seconds in all). One definition: the stack
 * deploys it and `subscribe` sets it.
 */
export const WEBHOOK_DELIVERY_POLICY = {
  healthyRetryPolicy: {
    minDelayTarget: 5,
    maxDelayTarget: 120,
    numRetries: 10,
    numNoDelayRetries: 0,
    numMinDelayRetries: 1,
    numMaxDelayRetries: 4,
    backoffFunction: 'exponential',
  },
  throttlePolicy: { maxReceivesPerSecond: 10 },
} as const;

/** A subscriber's wishes: which alerts reach it, in which language. Empty or absent lists mean all. */
export interface SubscriberFilter {
  readonly levels?: readonly Level[] | undefined;
  readonly locations?: readonly string[] | undefined;
  readonly categories?: readonly string[] | undefined;
  /** Also receive "resolved" messages. */
  readonly resolved: boolean;
}

/** An SNS filter policy on message attributes, in the JSON form SNS stores. */
export type FilterPolicy = Record<string, string[]>;

/**
 * The message attributes our filter policies read. SNS allows a policy at most
 * {@link FilterPolicyLimits.keys} keys, so what subscribers choose from a small set is
 * combined into one attribute each:
 * - `locale`: the language of this message (one message per locale in use).
 * - `delivery`: who this message is for, as a String.Array: the rule's channels (`email`,
 *   `sms`) and `webhook`. A digest mode (issue #18) becomes a value here (`sms.digest`), not a
 *   key.
 * - `alert`: the level and transition, as a String.Array of every level set that holds the
 *   message's level (`LOW_STOCK`, `OUT_OF_STOCK+LOW_STOCK`, …), each also with `:TRIGGERED`
 *   when it is a trigger. A subscriber's policy lists the one tag of its own level set, so its
 *   level choice costs one value, not one per level.
 * - `location`, `category`: as written; the only keys with several values.
 * So a policy has at most five keys and `locations × categories` combinations.
 */
export const FilterKey = {
  locale: 'locale',
  delivery: 'delivery',
  alert: 'alert',
  location: 'location',
  category: 'category',
} as const;

/** Amazon SNS's limits on one filter policy (developer guide, "Filter policy constraints"). */
export const FilterPolicyLimits = {
  keys: 5,
  combinations: 150,
  /** The policy's JSON, in bytes. */
  bytes: 256 * 1024,
} as const;

/** The `delivery` value of a webhook subscriber: every alert that tells anyone. */
export const WEBHOOK_DELIVERY = 'webhook';

/** The `delivery` value a subscriber of this protocol filters on. */
export const deliveryOf = (protocol: SubscriberProtocol): string =>
  protocol === 'email' || protocol === 'sms' ? protocol : WEBHOOK_DELIVERY;

/**
 * A subscriber's digest (issue #18): the crossings of each window summed into one message.
 * `critical: 'immediate'` (the default) still sends critical alerts at once, and leaves them
 * out of the digest; `'digest'` waits for the window for them too.
 */
export interface DigestChoice {
  readonly windowMinutes: number;
  readonly critical: 'immediate' | 'digest';
}

/**
 * The schedule closes windows every 15 minutes: a window is a multiple of it that divides a
 * day, so windows start at the same instants every day.
 */
export const DIGEST_TICK_MINUTES = 15;

/**
 * How late after a tick the schedule closes its window: longer than the stock-monitor's
 * timeout (60 s), since a buffered crossing is indexed by its commit's time and lands within
 * that timeout of it; a commit can therefore never land in a window already read.
 */
export const DIGEST_SENDER_LAG_MINUTES = 2;

/**
 * How many ticks back a tick also closes windows that are not closed yet: a tick whose
 * invocation failed every retry (Lambda gives up within the tick) leaves its windows to the
 * next ones, up to two hours late. Older windows are left to the digest-sender's error alarm;
 * the buffer and the idempotency records last two days, far longer.
 */
export const DIGEST_CATCH_UP_TICKS = 8;

/** The digest windows subscribers can choose, in minutes. */
export const DIGEST_WINDOWS: readonly number[] = Array.from(
  { length: 1440 / DIGEST_TICK_MINUTES },
  (_, i) => (i + 1) * DIGEST_TICK_MINUTES,
).filter((minutes) => 1440 % minutes === 0);

/** Why a window (in minutes) cannot be a digest window, or undefined. */
export const digestWindowProblem = (minutes: number): string | undefined =>
  DIGEST_WINDOWS.includes(minutes)
    ? undefined
    : `a digest window is a multiple of ${DIGEST_TICK_MINUTES}m that divides a day (${DIGEST_WINDOWS.map(formatWindow).join(', ')}), got ${formatWindow(minutes)}`;

/** `15m`, `1h`, `90m`: how windows are written in the config and on the command line. */
export const formatWindow = (minutes: number): string =>
  minutes % 60 === 0 ? `${minutes / 60}h` : `${minutes}m`;

/** `15m`, `1h`, `2h` as minutes; undefined when the text is no such duration. */
export const parseWindow = (text: string): number | undefined => {
  const match = /^(\d+)(m|h)$/.exec(text.trim());
  if (!match) return undefined;
  return Number(match[1]) * (match[2] === 'h' ? 60 : 1);
};

/**
 * A digest window as written (`15m`, `1h`, …): its minutes, or why it is none. The one check
 * the config, `subscribe --digest` and `cost --digest` share.
 */
export const digestWindowOf = (text: string): { minutes: number } | { problem: string } => {
  const minutes = parseWindow(text);
  if (minutes === undefined) return { problem: `"${text}" is no window: write it as 15m, 1h, …` };
  const problem = digestWindowProblem(minutes);
  return problem ? { problem } : { minutes };
};

/**
 * A subscriber's stable, opaque id: SNS keeps one subscription per protocol and endpoint on a
 * topic, so this names exactly one subscription, without putting a phone number or address
 * into message attributes or logs.
 */
export const subscriberIdOf = (protocol: SubscriberProtocol, endpoint: string): string =>
  createHash('sha256')
    .update(`${deliveryOf(protocol)}\n${endpoint}`)
    .digest('hex')
    .slice(0, 12);

/**
 * The `delivery` values of digests. A digest subscriber's policy names its own digest value
 * (`digest:sms:15m:<id>`: only its digests carry it) and, unless it digests critical alerts
 * too, `sms.digest`, which immediate critical alerts carry besides `sms`; if it does digest
 * them, `sms.undigested` instead. Where the environment keeps no digests (a deploy turned them
 * off, and subscriptions made by `subscribe --digest` remain), every alert carries both, so
 * each digest subscriber takes at once what it would have had in a digest, never nothing.
 */
export const DigestDelivery = {
  of: (protocol: SubscriberProtocol, windowMinutes: number, id: string): string =>
    `digest:${deliveryOf(protocol)}:${windowMinutes}m:${id}`,
  immediate: (delivery: string): string => `${delivery}.digest`,
  undigested: (delivery: string): string => `${delivery}.undigested`,
  pattern: /^digest:(email|sms|webhook):(\d+)m:([0-9a-f]{12})$/,
} as const;

/**
 * The `delivery` values of an immediate alert: the rule's channels and `webhook`; for a
 * critical alert each also as `….digest`, so digest subscribers still get it at once; where no
 * digests are kept, every alert with each as `….digest` and `….undigested` too.
 */
export const deliveriesOf = (
  channels: readonly string[],
  severity: Severity,
  options: { digestsKept: boolean } = { digestsKept: true },
): string[] => {
  const deliveries = [...channels, WEBHOOK_DELIVERY];
  if (!options.digestsKept)
    return [
      ...deliveries,
      ...deliveries.map(DigestDelivery.immediate),
      ...deliveries.map(DigestDelivery.undigested),
    ];
  return severity === 'critical'
    ? [...deliveries, ...deliveries.map(DigestDelivery.immediate)]
    : deliveries;
};

/** What an alert message is filtered on. */
export interface FilteredAlert {
  readonly locale: Locale;
  readonly channels: readonly string[];
  readonly severity: Severity;
  readonly level: Level;
  readonly transition: 'TRIGGERED' | 'RESOLVED';
  readonly location: string;
  readonly category: string;
}

/**
 * The filter attributes of an immediate alert message: the one definition of their values.
 * `digestsKept`: whether the environment keeps crossings for digests (see {@link deliveriesOf}).
 */
export const filterAttributesOf = (alert: FilteredAlert, digestsKept = true) => ({
  [FilterKey.locale]: alert.locale,
  [FilterKey.delivery]: deliveriesOf(alert.channels, alert.severity, { digestsKept }),
  [FilterKey.alert]: alertTagsOf(alert.level, alert.transition),
  [FilterKey.location]: alert.location,
  [FilterKey.category]: alert.category,
});

/** The canonical name of a set of levels, in `LEVELS` order. */
const levelSetTag = (levels: readonly Level[]): string =>
  LEVELS.filter((level) => levels.includes(level)).join('+');

/** Every non-empty set of levels. */
const LEVEL_SETS: readonly (readonly Level[])[] = Array.from(
  { length: 2 ** LEVELS.length - 1 },
  (_, i) => LEVELS.filter((_, bit) => ((i + 1) >> bit) & 1),
);

/** The `alert` tags of a message: every level set holding its level, and triggers marked. */
export const alertTagsOf = (level: Level, transition: 'TRIGGERED' | 'RESOLVED'): string[] =>
  LEVEL_SETS.filter((set) => set.includes(level)).flatMap((set) =>
    transition === 'TRIGGERED'
      ? [levelSetTag(set), `${levelSetTag(set)}:TRIGGERED`]
      : [levelSetTag(set)],
  );

/** The one `alert` tag a subscriber filters on; undefined when it takes every level and both transitions. */
const alertTagOf = (filter: SubscriberFilter): string | undefined => {
  const levels = filter.levels?.length ? filter.levels : LEVELS;
  const all = LEVELS.every((level) => levels.includes(level));
  if (all && filter.resolved) return undefined;
  return `${levelSetTag(levels)}${filter.resolved ? '' : ':TRIGGERED'}`;
};

/** A digest subscriber's choice and id, for its filter policy. */
export interface DigestSubscription extends DigestChoice {
  readonly id: string;
}

/**
 * The SNS filter policy of a subscriber: its locale, its protocol among the message's
 * deliveries (so a rule that alerts by e-mail only sends no SMS), its level set and
 * transitions, its locations and categories. A digest subscriber names its own digest instead
 * of its protocol, and `<protocol>.digest` to keep critical alerts immediate (or
 * `<protocol>.undigested`, for alerts only where no digests are kept): two `delivery` values,
 * so its policy has twice the combinations. The stack deploys it, `subscribe` creates
 * it, and the local sandbox evaluates it: one definition.
 */
export const filterPolicyOf = (
  protocol: SubscriberProtocol,
  filter: SubscriberFilter,
  locale: Locale,
  digest?: DigestSubscription,
): FilterPolicy => {
  const delivery = deliveryOf(protocol);
  const policy: FilterPolicy = {
    [FilterKey.locale]: [locale],
    [FilterKey.delivery]: digest
      ? [
          digest.critical === 'immediate'
            ? DigestDelivery.immediate(delivery)
            : DigestDelivery.undigested(delivery),
          DigestDelivery.of(protocol, digest.windowMinutes, digest.id),
        ]
      : [delivery],
  };
  const alert = alertTagOf(filter);
  if (alert) policy[FilterKey.alert] = [alert];
  if (filter.locations?.length) policy[FilterKey.location] = [...new Set(filter.locations)];
  if (filter.categories?.length) policy[FilterKey.category] = [...new Set(filter.categories)];
  return policy;
};

/** A digest subscriber as its filter policy describes it: what the digest function needs. */
export interface DigestSubscriber extends DigestSubscription {
  /** The `delivery` of its protocol (`email`, `sms`, `webhook`). */
  readonly delivery: string;
  /** The `delivery` value only its digests carry. */
  readonly digestDelivery: string;
  readonly locale: Locale;
  readonly policy: FilterPolicy;
}

/**
 * The digest subscriber a filter policy belongs to, or undefined for an immediate one. The
 * policy is the one record of a subscriber's wishes (config and `subscribe` alike), so the
 * digest function reads subscribers from the topic rather than a second list.
 */
export const digestSubscriberOf = (
  policy: FilterPolicy,
  isLocale: (value: string) => value is Locale,
): DigestSubscriber | undefined => {
  const deliveries = policy[FilterKey.delivery] ?? [];
  const locale = policy[FilterKey.locale]?.[0];
  for (const value of deliveries) {
    const match = DigestDelivery.pattern.exec(value);
    if (!match || !locale || !isLocale(locale)) continue;
    const delivery = match[1] as string;
    return {
      id: match[3] as string,
      windowMinutes: Number(match[2]),
      critical: deliveries.includes(DigestDelivery.immediate(delivery)) ? 'immediate' : 'digest',
      delivery,
      digestDelivery: value,
      locale,
      policy,
    };
  }
  return undefined;
};

/**
 * Whether a subscriber's digest takes a crossing: it is one the subscriber would have been
 * sent at once (its policy, with its protocol in place of its digest), and not a critical alert
 * it was sent at once already.
 */
export const digestTakes = (
  subscriber: DigestSubscriber,
  attributes: Record<string, string | readonly string[]>,
  severity: Severity,
): boolean =>
  !(severity === 'critical' && subscriber.critical === 'immediate') &&
  matchesFilterPolicy(
    { ...subscriber.policy, [FilterKey.delivery]: [subscriber.delivery] },
    attributes,
  );

/**
 * The filter attributes of a subscriber's digest: its own policy's values, with its digest as
 * the delivery, so the digest matches its policy and no other (no other policy names its id).
 */
export const digestAttributesOf = (subscriber: DigestSubscriber): Record<string, string[]> => ({
  ...subscriber.policy,
  [FilterKey.delivery]: [subscriber.digestDelivery],
});

/** Why SNS would refuse this policy (too many keys, combinations or bytes), or undefined. */
export const filterPolicyProblem = (policy: FilterPolicy): string | undefined => {
  const keys = Object.keys(policy).length;
  if (keys > FilterPolicyLimits.keys)
    return `its filter policy has ${keys} keys; SNS allows ${FilterPolicyLimits.keys}`;
  const combinations = Object.values(policy).reduce(
    (product, values) => product * values.length,
    1,
  );
  if (combinations > FilterPolicyLimits.combinations) {
    const counts = Object.entries(policy)
      .filter(([, values]) => values.length > 1)
      .map(([key, values]) => `${key} ${values.length}`)
      .join(' × ');
    return `its filter policy has ${combinations} value combinations (${counts}); SNS allows ${FilterPolicyLimits.combinations}: subscribe it to fewer locations or categories, or split it into several subscriptions`;
  }
  const bytes = Buffer.byteLength(JSON.stringify(policy));
  if (bytes > FilterPolicyLimits.bytes)
    return `its filter policy is ${bytes} bytes; SNS allows ${FilterPolicyLimits.bytes}`;
  return undefined;
};

/**
 * Whether SNS would deliver a message with these attributes under `policy`: every policy key
 * must match; a String.Array attribute matches when any of its elements is allowed.
 */
export const matchesFilterPolicy = (
  policy: FilterPolicy,
  attributes: Record<string, string | readonly string[]>,
): boolean =>
  Object.entries(policy).every(([name, allowed]) => {
    const value = attributes[name];
    if (value === undefined) return false;
    const values = typeof value === 'string' ? [value] : value;
    return values.some((v) => allowed.includes(v));
  });
