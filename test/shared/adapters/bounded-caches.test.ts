import type { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createDemandThresholds, createRulesRepository } from '../../../functions/commons/rules.js';
import { DemandThresholds } from '../../../shared/adapters/demand-repository.js';
import { RulesRepository } from '../../../shared/adapters/rules-repository.js';
import type { DemandPolicy } from '../../../shared/domain/demand.js';
import { mockControlTable } from '../../support/control-table-fake.js';
import { aRule } from '../../support/factories.js';

const BOUND = 100;
const itemNumber = (i: number) => ({
  itemKey: `SKU-${i}#WH-1`,
  item: { sku: `SKU-${i}`, location: 'WH-1', category: `cat-${i % 7}` },
});

let control: ReturnType<typeof mockControlTable>;
afterEach(() => control?.mock.reset());

/** A repository over the fake control table, with a fixed clock and the given bound. */
const boundedRules = (bound: number) => {
  control = mockControlTable();
  control.putRule(aRule({ name: 'Default', scope: { default: true } }));
  return new RulesRepository(
    DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-west-1' })),
    'control',
    60_000,
    () => {},
    () => 0,
    bound,
  );
};

describe('RulesRepository caches', () => {
  it('stay within their bound after many distinct items', async () => {
    // Prepare
    const rules = boundedRules(BOUND);

    // Act: 50 batches of 100 distinct items, as a container on a large catalog sees them.
    for (let batch = 0; batch < 50; batch++)
      await rules.resolveMany(Array.from({ length: 100 }, (_, i) => itemNumber(batch * 100 + i)));

    // Assess
    expect(rules.cacheSizes).toEqual({ rules: BOUND, resolutions: BOUND });
  });

  it('drop the least recently used item first', async () => {
    // Prepare: room for two resolutions.
    const rules = boundedRules(2);
    const [a, b, c] = [itemNumber(1), itemNumber(2), itemNumber(3)];
    await rules.resolveMany([a, b]);
    await rules.resolveMany([a]);

    // Act: c pushes out the least recently used, b.
    await rules.resolveMany([c]);
    control.mock.resetHistory();
    await rules.resolveMany([a, c]);
    const afterFresh = control.mock.commandCalls(BatchGetCommand).length;
    await rules.resolveMany([b]);

    // Assess
    expect(afterFresh).toBe(0);
    expect(control.mock).toHaveReceivedCommandTimes(BatchGetCommand, 1);
  });

  it('resolve a batch with more items than the bound as an unbounded cache would', async () => {
    // Prepare
    const rules = boundedRules(2);
    const items = Array.from({ length: 6 }, (_, i) => itemNumber(i));
    for (const { item } of items)
      control.putRule(aRule({ name: item.sku, scope: { sku: item.sku } }));

    // Act
    const resolved = await rules.resolveMany(items);

    // Assess
    expect(items.map(({ itemKey }) => resolved.get(itemKey)?.rule.name)).toEqual(
      items.map(({ item }) => item.sku),
    );
    expect(rules.cacheSizes).toEqual({ rules: 2, resolutions: 2 });
  });
});

describe('DemandThresholds cache', () => {
  it('stays within its bound after many distinct items', async () => {
    // Prepare
    const mock = mockClient(DynamoDBDocumentClient);
    mock.on(QueryCommand).resolves({ Items: [] });
    mock.on(BatchGetCommand).resolves({}); // no roll-up marker
    const thresholds = new DemandThresholds(
      DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-west-1' })),
      'control',
      15 * 60_000,
      () => 0,
      BOUND,
    );
    const policy = {
      leadTimeDays: 7,
      serviceLevel: 0.95,
      orderingCost: 10,
      holdingCostPerUnitYear: 1,
      orderMultiple: 1,
      minLowStock: 0,
      maxLowStock: 1000,
      windowDays: 28,
      minHistoryDays: 14,
      fallbackLowStock: 5,
    } satisfies DemandPolicy;

    // Act
    for (let batch = 0; batch < 20; batch++)
      await thresholds.get(
        Array.from({ length: 50 }, (_, i) => ({
          sku: `SKU-${batch * 50 + i}`,
          location: 'WH-1',
          policy,
        })),
      );

    // Assess
    expect(thresholds.cacheSize).toBe(BOUND);
    mock.reset();
  });
});

describe('the cache bound in a function', () => {
  afterEach(() => vi.unstubAllEnvs());
  const doc = () => DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-west-1' }));
  const logger = { error: () => {} } as unknown as Logger;

  it('comes from CACHE_MAX_ENTRIES, as the stack sets it', async () => {
    // Prepare
    vi.stubEnv('CACHE_MAX_ENTRIES', '3');
    control = mockControlTable();
    const rules = createRulesRepository(doc(), 'control', logger);

    // Act
    await rules.resolveMany(Array.from({ length: 10 }, (_, i) => itemNumber(i)));

    // Assess
    expect(rules.cacheSizes).toEqual({ rules: 3, resolutions: 3 });
  });

  it('refuses a bound of 0, naming the variable', () => {
    vi.stubEnv('CACHE_MAX_ENTRIES', '0');
    expect(() => createDemandThresholds(doc(), 'control')).toThrow(
      'Environment variable CACHE_MAX_ENTRIES must be at least 1, got 0',
    );
  });
});
