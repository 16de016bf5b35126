import { LEVELS, type Level } from '../domain/levels.js';
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

/**
 * The SNS filter policy of a subscriber: its locale, its protocol among the message's
 * deliveries (so a rule that alerts by e-mail only sends no SMS), its level set and
 * transitions, its locations and categories. The stack deploys it, `subscribe` creates it, and
 * the local sandbox evaluates it: one definition.
 */
export const filterPolicyOf = (
  protocol: SubscriberProtocol,
  filter: SubscriberFilter,
  locale: Locale,
): FilterPolicy => {
  const policy: FilterPolicy = {
    [FilterKey.locale]: [locale],
    [FilterKey.delivery]: [deliveryOf(protocol)],
  };
  const alert = alertTagOf(filter);
  if (alert) policy[FilterKey.alert] = [alert];
  if (filter.locations?.length) policy[FilterKey.location] = [...new Set(filter.locations)];
  if (filter.categories?.length) policy[FilterKey.category] = [...new Set(filter.categories)];
  return policy;
};

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
