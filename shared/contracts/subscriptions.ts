import type { Level } from '../domain/levels.js';

/** E.164 phone numbers, as SNS SMS needs them: + then up to 15 digits. */
export const E164_PATTERN = /^\+[1-9]\d{6,14}$/;
export const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** A subscriber's wishes: which alerts reach it. Empty or absent lists mean all. */
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
 * The SNS filter policy of a subscriber: its levels, locations, categories, and its protocol
 * among the rule's `channels`, so a rule that alerts by e-mail only sends no SMS. The stack
 * deploys it and the local sandbox evaluates it: one definition.
 */
export const filterPolicyOf = (
  protocol: 'email' | 'sms',
  filter: SubscriberFilter,
): FilterPolicy => {
  const policy: FilterPolicy = { channels: [protocol] };
  if (filter.levels?.length) policy.level = [...filter.levels];
  if (filter.locations?.length) policy.location = [...filter.locations];
  if (filter.categories?.length) policy.category = [...filter.categories];
  if (!filter.resolved) policy.transition = ['TRIGGERED'];
  return policy;
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
