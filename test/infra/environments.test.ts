import { describe, expect, it } from 'vitest';
import {
  digestsEnabled,
  ENVIRONMENTS,
  loadEnvironment,
  localesInUse,
  type Subscriber,
  subscriberPolicyOf,
} from '../../infra/config/environments.js';
import {
  DEFAULT_INDEX_SHARDS,
  DEFAULT_OPEN_ORDER_MAX_AGE_DAYS,
} from '../../shared/contracts/tables.js';
import { InvalidEnvironmentConfigError } from '../../shared/errors.js';

describe('environment configuration', () => {
  it.each(Object.keys(ENVIRONMENTS))('%s validates', (name) => {
    expect(loadEnvironment(name).name).toBe(name);
  });

  it('has dev, staging and prod', () => {
    expect(Object.keys(ENVIRONMENTS)).toEqual(expect.arrayContaining(['dev', 'staging', 'prod']));
  });

  it('prices in US dollars with 2 decimals unless an environment names its currency', () => {
    expect(loadEnvironment('dev').currency).toEqual({ code: 'USD', decimals: 2 });
    const yen = { shop: { ...ENVIRONMENTS.dev, currency: { code: 'JPY', decimals: 0 } } };
    expect(loadEnvironment('shop', yen).currency).toEqual({ code: 'JPY', decimals: 0 });
  });

  it('refuses an unknown environment, listing the known ones', () => {
    expect(() => loadEnvironment('qa')).toThrow(InvalidEnvironmentConfigError);
    expect(() => loadEnvironment('qa')).toThrow(
      'Unknown environment "qa". Choose one of: dev, staging, prod',
    );
  });

  it.each([
    [
      { streamConsumer: { ...ENVIRONMENTS.dev?.streamConsumer, batchSize: 0 } },
      'streamConsumer.batchSize',
    ],
    [
      { subscribers: [{ protocol: 'sms', endpoint: '0170 1234567' }] },
      'subscribers.0.endpoint: must be an E.164 phone number',
    ],
    [
      { subscribers: [{ protocol: 'email', endpoint: 'not-an-address' }] },
      'subscribers.0.endpoint: must be an e-mail address',
    ],
    [
      { inventoryTable: { mode: 'import', tableName: 'shop-inventory', streamArn: 'nope' } },
      'inventoryTable.streamArn: must be a DynamoDB stream ARN',
    ],
    [
      { deletionProtection: true },
      'deletionProtection: cannot protect tables whose removalPolicy is destroy',
    ],
    [{ logRetentionDays: 8 }, 'logRetentionDays'],
    [
      { currency: { code: 'usd', decimals: 2 } },
      'currency.code: must be an ISO 4217 code of three capital letters',
    ],
    [
      { currency: { code: 'EUR', decimals: 5 } },
      'currency.decimals: must be a whole number from 0 to 4',
    ],
    [{ currency: { code: 'EUR', decimals: 1.5 } }, 'currency.decimals: must be a whole number'],
    [{ currency: { code: 'EUR' } }, 'currency.decimals: must be a whole number'],
    [
      { currency: { code: 'JPY', decimals: 2 } },
      'currency.decimals: JPY has 0 decimal(s) in ISO 4217, not 2',
    ],
    [{ cacheMaxEntries: 0 }, 'cacheMaxEntries'],
    [{ indexShards: 0 }, 'indexShards'],
    [{ indexShards: 65 }, 'indexShards'],
    [{ openOrderMaxAgeDays: 0 }, 'openOrderMaxAgeDays'],
    [{ openOrderMaxAgeDays: 1.5 }, 'openOrderMaxAgeDays'],
    [{ cacheMaxEntries: 1_000_000 }, 'cacheMaxEntries'],
    [
      { cacheMaxEntries: 50 },
      'cacheMaxEntries: must hold at least one batch of distinct items (streamConsumer.batchSize 100)',
    ],
  ])('refuses a broken config naming the field (%j)', (patch, field) => {
    const broken = { broken: { ...ENVIRONMENTS.dev, ...patch } };
    expect(() => loadEnvironment('broken', broken)).toThrow(
      `Environment "broken" is invalid: ${field}`,
    );
  });

  it('bounds the per-container caches by default, and keeps a bound that is set', () => {
    expect(loadEnvironment('dev').cacheMaxEntries).toBe(20_000);
    const sized = { sized: { ...ENVIRONMENTS.dev, cacheMaxEntries: 5_000 } };
    expect(loadEnvironment('sized', sized).cacheMaxEntries).toBe(5_000);
  });

  it('shards the control index and ages open orders by the defaults the sandbox and the CLI read with', () => {
    // The sandbox's functions and the CLI fall back to these when nothing sets them.
    expect(loadEnvironment('dev')).toMatchObject({
      indexShards: DEFAULT_INDEX_SHARDS,
      openOrderMaxAgeDays: DEFAULT_OPEN_ORDER_MAX_AGE_DAYS,
    });
    const busy = { busy: { ...ENVIRONMENTS.dev, indexShards: 16, openOrderMaxAgeDays: 30 } };
    expect(loadEnvironment('busy', busy)).toMatchObject({
      indexShards: 16,
      openOrderMaxAgeDays: 30,
    });
  });
});

describe('subscribers in the environment configuration', () => {
  const withSubscribers = (subscribers: unknown[], extra: Record<string, unknown> = {}) => ({
    shop: { ...ENVIRONMENTS.dev, subscribers, ...extra },
  });

  it('gives every subscriber a locale (en by default) and publishes in the locales in use', () => {
    const config = loadEnvironment(
      'shop',
      withSubscribers([
        { protocol: 'email', endpoint: 'a@example.com' },
        { protocol: 'email', endpoint: 'b@example.com', locale: 'zh-CN' },
      ]),
    );
    expect(config.subscribers.map((s) => s.locale)).toEqual(['en', 'zh-CN']);
    expect(localesInUse(config.subscribers, config.alertLocales)).toEqual(['en', 'zh-CN']);
    expect(localesInUse([], [])).toEqual(['en']);
    expect(localesInUse([{ locale: 'zh-CN' }], [])).toEqual(['zh-CN']);
    expect(localesInUse([], ['zh-CN', 'en'])).toEqual(['en', 'zh-CN']);
  });

  it('refuses an unknown locale and an http:// webhook', () => {
    expect(() =>
      loadEnvironment(
        'shop',
        withSubscribers([{ protocol: 'email', endpoint: 'a@example.com', locale: 'fr' }]),
      ),
    ).toThrow('subscribers.0.locale: must be one of en, zh-CN');
    expect(() =>
      loadEnvironment(
        'shop',
        withSubscribers([{ protocol: 'https', endpoint: 'http://hooks.example.com/x' }]),
      ),
    ).toThrow('SNS would send alerts in clear; use https://');
  });

  it('takes digests per subscriber, keeps crossings for them, and counts a digest subscriber’s two deliveries against SNS’s limit', () => {
    // Prepare
    const digestSms = (locations: number) => ({
      protocol: 'sms',
      endpoint: '+15555550100',
      filter: { locations: Array.from({ length: locations }, (_, i) => `WH-${i}`), resolved: true },
      digest: { window: '15m' },
    });

    // Act
    const config = loadEnvironment('shop', withSubscribers([digestSms(75)]));

    // Assess
    expect(config.subscribers[0]?.digest).toEqual({ window: 15, critical: 'immediate' });
    expect(digestsEnabled(config)).toBe(true);
    expect(subscriberPolicyOf(config.subscribers[0] as Subscriber).delivery).toHaveLength(2);
    expect(digestsEnabled(loadEnvironment('shop', withSubscribers([], { digests: false })))).toBe(
      false,
    );
    expect(digestsEnabled(loadEnvironment('staging'))).toBe(false);
    expect(digestsEnabled(loadEnvironment('shop', withSubscribers([], { digests: true })))).toBe(
      true,
    );
    expect(() => loadEnvironment('shop', withSubscribers([digestSms(76)]))).toThrow(
      'subscribers.0.filter: subscriber sms +15555550100: its filter policy has 152 value combinations (delivery 2 × location 76); SNS allows 150',
    );
    expect(() =>
      loadEnvironment('shop', withSubscribers([{ ...digestSms(1), digest: { window: '20m' } }])),
    ).toThrow(
      'subscribers.0.digest.window: a digest window is a multiple of 15m that divides a day',
    );
  });

  it('refuses, naming the subscriber, a filter policy over SNS’s 150 combinations', () => {
    const many = (prefix: string, n: number) =>
      Array.from({ length: n }, (_, i) => `${prefix}${i}`);
    const subscriber = (locations: number, categories: number) => ({
      protocol: 'sms',
      endpoint: '+15555550100',
      filter: {
        levels: ['OUT_OF_STOCK', 'LOW_STOCK', 'OVERSTOCK'],
        locations: many('WH-', locations),
        categories: many('c', categories),
        resolved: false,
      },
    });
    // Three levels × ten locations × six categories: 180 under one key per choice, 60 here.
    expect(loadEnvironment('shop', withSubscribers([subscriber(10, 6)])).subscribers).toHaveLength(
      1,
    );
    expect(() => loadEnvironment('shop', withSubscribers([subscriber(10, 16)]))).toThrow(
      'subscribers.0.filter: subscriber sms +15555550100: its filter policy has 160 value combinations (location 10 × category 16); SNS allows 150',
    );
  });
});
