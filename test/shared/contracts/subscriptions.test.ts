import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  alertTagsOf,
  deliveryOf,
  FilterPolicyLimits,
  filterPolicyOf,
  filterPolicyProblem,
  matchesFilterPolicy,
  WEBHOOK_DELIVERY,
} from '../../../shared/contracts/subscriptions.js';
import { LEVELS } from '../../../shared/domain/levels.js';
import { LOCALES } from '../../../shared/domain/locales.js';

const protocols = fc.constantFrom('email', 'sms', 'https', 'http') as fc.Arbitrary<
  'email' | 'sms' | 'https' | 'http'
>;
const names = (prefix: string) =>
  fc.uniqueArray(
    fc.integer({ min: 0, max: 5 }).map((i) => `${prefix}${i}`),
    { maxLength: 4 },
  );

describe('filter policies', () => {
  it('deliver exactly what the subscriber chose, with at most five keys whatever it chose', () => {
    fc.assert(
      fc.property(
        protocols,
        fc.record({
          levels: fc.subarray([...LEVELS]),
          locations: names('WH-'),
          categories: names('c'),
          resolved: fc.boolean(),
        }),
        fc.constantFrom(...LOCALES),
        fc.record({
          level: fc.constantFrom(...LEVELS),
          transition: fc.constantFrom('TRIGGERED', 'RESOLVED') as fc.Arbitrary<
            'TRIGGERED' | 'RESOLVED'
          >,
          locale: fc.constantFrom(...LOCALES),
          channels: fc.subarray(['email', 'sms']),
          location: fc.integer({ min: 0, max: 5 }).map((i) => `WH-${i}`),
          category: fc.integer({ min: 0, max: 5 }).map((i) => `c${i}`),
        }),
        (protocol, filter, locale, message) => {
          const policy = filterPolicyOf(protocol, filter, locale);
          expect(Object.keys(policy).length).toBeLessThanOrEqual(FilterPolicyLimits.keys);
          const attributes = {
            level: message.level,
            transition: message.transition,
            location: message.location,
            category: message.category,
            locale: message.locale,
            delivery: [...message.channels, WEBHOOK_DELIVERY],
            alert: alertTagsOf(message.level, message.transition),
          };
          const wanted =
            message.locale === locale &&
            attributes.delivery.includes(deliveryOf(protocol)) &&
            (filter.levels.length === 0 || filter.levels.includes(message.level)) &&
            (filter.resolved || message.transition === 'TRIGGERED') &&
            (filter.locations.length === 0 || filter.locations.includes(message.location)) &&
            (filter.categories.length === 0 || filter.categories.includes(message.category));
          expect(matchesFilterPolicy(policy, attributes)).toBe(wanted);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('cost one value for any choice of levels and transitions: only locations × categories count', () => {
    const policy = filterPolicyOf(
      'sms',
      {
        levels: ['OUT_OF_STOCK', 'LOW_STOCK', 'OVERSTOCK'],
        locations: ['A', 'B', 'C'],
        categories: ['x', 'y'],
        resolved: false,
      },
      'zh-CN',
    );
    expect(policy).toEqual({
      locale: ['zh-CN'],
      delivery: ['sms'],
      alert: ['OUT_OF_STOCK+LOW_STOCK+OVERSTOCK:TRIGGERED'],
      location: ['A', 'B', 'C'],
      category: ['x', 'y'],
    });
    expect(filterPolicyProblem(policy)).toBeUndefined();
    expect(alertTagsOf('LOW_STOCK', 'RESOLVED')).toEqual([
      'LOW_STOCK',
      'OUT_OF_STOCK+LOW_STOCK',
      'LOW_STOCK+OVERSTOCK',
      'OUT_OF_STOCK+LOW_STOCK+OVERSTOCK',
    ]);
  });

  it('name the limit a policy breaks', () => {
    const sixKeys = { a: ['1'], b: ['1'], c: ['1'], d: ['1'], e: ['1'], f: ['1'] };
    expect(filterPolicyProblem(sixKeys)).toBe('its filter policy has 6 keys; SNS allows 5');
    const wide = { location: ['1', '2', '3', '4', '5', '6'], category: Array(26).fill('c') };
    expect(filterPolicyProblem(wide)).toMatch(/^its filter policy has 156 value combinations/);
  });
});
