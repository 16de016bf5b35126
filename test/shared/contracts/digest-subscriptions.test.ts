import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  alertTagsOf,
  DIGEST_WINDOWS,
  type DigestChoice,
  deliveriesOf,
  digestAttributesOf,
  digestSubscriberOf,
  digestTakes,
  digestWindowProblem,
  FilterPolicyLimits,
  filterPolicyOf,
  matchesFilterPolicy,
  parseWindow,
  subscriberIdOf,
} from '../../../shared/contracts/subscriptions.js';
import { LEVELS, SEVERITIES } from '../../../shared/domain/levels.js';
import { isLocale, LOCALES } from '../../../shared/domain/locales.js';

const protocols = fc.constantFrom('email', 'sms', 'https') as fc.Arbitrary<
  'email' | 'sms' | 'https'
>;
const names = (prefix: string) =>
  fc.uniqueArray(
    fc.integer({ min: 0, max: 5 }).map((i) => `${prefix}${i}`),
    { maxLength: 3 },
  );
const filters = fc.record({
  levels: fc.subarray([...LEVELS]),
  locations: names('WH-'),
  categories: names('c'),
  resolved: fc.boolean(),
});
const choices: fc.Arbitrary<DigestChoice> = fc.record({
  windowMinutes: fc.constantFrom(...DIGEST_WINDOWS),
  critical: fc.constantFrom('immediate', 'digest') as fc.Arbitrary<'immediate' | 'digest'>,
});
const alerts = fc.record({
  level: fc.constantFrom(...LEVELS),
  transition: fc.constantFrom('TRIGGERED', 'RESOLVED') as fc.Arbitrary<'TRIGGERED' | 'RESOLVED'>,
  severity: fc.constantFrom(...SEVERITIES),
  locale: fc.constantFrom(...LOCALES),
  channels: fc.subarray(['email', 'sms']),
  location: fc.integer({ min: 0, max: 5 }).map((i) => `WH-${i}`),
  category: fc.integer({ min: 0, max: 5 }).map((i) => `c${i}`),
});

/** The filter attributes an immediate message of `alert` carries. */
const attributesOf = (
  alert: typeof alerts extends fc.Arbitrary<infer A> ? A : never,
  options = { digestsKept: true },
) => ({
  locale: alert.locale,
  location: alert.location,
  category: alert.category,
  delivery: deliveriesOf(alert.channels, alert.severity, options),
  alert: alertTagsOf(alert.level, alert.transition),
});

/** A digest subscriber's policy, and its immediate twin's (same endpoint, no digest). */
const twinPolicies = (
  protocol: 'email' | 'sms' | 'https',
  filter: Parameters<typeof filterPolicyOf>[1],
  locale: (typeof LOCALES)[number],
  choice: DigestChoice,
) => {
  const id = subscriberIdOf(protocol, 'endpoint');
  return {
    id,
    digestPolicy: filterPolicyOf(protocol, filter, locale, { ...choice, id }),
    immediatePolicy: filterPolicyOf(protocol, filter, locale),
  };
};

describe('digest subscribers in filter policies', () => {
  it('get at once exactly the critical alerts they keep immediate, and read back from their policy', () => {
    fc.assert(
      fc.property(
        protocols,
        filters,
        fc.constantFrom(...LOCALES),
        choices,
        alerts,
        (protocol, filter, locale, choice, alert) => {
          // Prepare
          const { id, digestPolicy, immediatePolicy } = twinPolicies(
            protocol,
            filter,
            locale,
            choice,
          );
          const attributes = attributesOf(alert);
          // Act
          const subscriber = digestSubscriberOf(digestPolicy, isLocale);
          const atOnce = matchesFilterPolicy(digestPolicy, attributes);
          // Assess
          expect(Object.keys(digestPolicy).length).toBeLessThanOrEqual(FilterPolicyLimits.keys);
          expect(subscriber).toMatchObject({ ...choice, id, locale });
          const wouldImmediately = matchesFilterPolicy(immediatePolicy, attributes);
          expect(atOnce).toBe(
            wouldImmediately && alert.severity === 'critical' && choice.critical === 'immediate',
          );
          // What it would have had at once and did not get goes to its digest, nothing else.
          if (subscriber && alert.locale === locale)
            expect(digestTakes(subscriber, attributes, alert.severity)).toBe(
              wouldImmediately && !atOnce,
            );
          expect(digestSubscriberOf(immediatePolicy, isLocale)).toBeUndefined();
        },
      ),
    );
  });

  it('get every alert at once, as their immediate twin would, where no digests are kept', () => {
    // A deploy that turns digests off leaves the subscriptions `subscribe --digest` made: no
    // buffer, no sender, so each must then take at once what it would have had in a digest.
    fc.assert(
      fc.property(
        protocols,
        filters,
        fc.constantFrom(...LOCALES),
        choices,
        alerts,
        (protocol, filter, locale, choice, alert) => {
          const { digestPolicy, immediatePolicy } = twinPolicies(protocol, filter, locale, choice);
          const attributes = attributesOf(alert, { digestsKept: false });
          expect(matchesFilterPolicy(digestPolicy, attributes)).toBe(
            matchesFilterPolicy(immediatePolicy, attributes),
          );
          expect(digestPolicy.delivery?.length).toBeLessThanOrEqual(2);
        },
      ),
    );
  });

  it('receive their own digest and no other subscriber does', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            protocols,
            fc.string({ minLength: 1 }),
            filters,
            fc.constantFrom(...LOCALES),
            fc.option(choices, { nil: undefined }),
          ),
          { minLength: 1, maxLength: 6 },
        ),
        (subscribers) => {
          const policies = new Map(
            subscribers.map(([protocol, endpoint, filter, locale, choice]) => [
              subscriberIdOf(protocol, endpoint),
              filterPolicyOf(
                protocol,
                filter,
                locale,
                choice && { ...choice, id: subscriberIdOf(protocol, endpoint) },
              ),
            ]),
          );
          for (const [id, policy] of policies) {
            const subscriber = digestSubscriberOf(policy, isLocale);
            if (!subscriber) continue;
            const attributes = digestAttributesOf(subscriber);
            const receivers = [...policies].filter(([, p]) => matchesFilterPolicy(p, attributes));
            expect(receivers.map(([receiver]) => receiver)).toEqual([id]);
          }
        },
      ),
    );
  });

  it('take windows that tile a day in 15-minute ticks', () => {
    expect(parseWindow('15m')).toBe(15);
    expect(parseWindow('2h')).toBe(120);
    expect(parseWindow('soon')).toBeUndefined();
    expect(digestWindowProblem(15)).toBeUndefined();
    expect(digestWindowProblem(1440)).toBeUndefined();
    expect(digestWindowProblem(20)).toMatch(
      /multiple of 15m that divides a day \(15m, 30m, 45m, 1h/,
    );
    expect(digestWindowProblem(105)).toMatch(/got 105m/);
  });
});
