import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadEnvironment } from '../../infra/config/environments.js';
import { Sandbox } from '../../sandbox/sandbox.js';
import { OrderStore } from '../../shared/adapters/order-store.js';

/**
 * Issue 14 §1 as a user met it in the sandbox: two items whose sku or location holds `#`
 * both dropped to low stock, and only one alert went out, because they shared one key.
 */
let sandbox: Sandbox;

beforeAll(async () => {
  sandbox = await Sandbox.create({
    endpoint: inject('dynamoEndpoint'),
    prefix: 'keys-',
    config: {
      ...loadEnvironment('dev'),
      streamConsumer: {
        batchSize: 100,
        maxBatchingWindowSeconds: 0,
        retryAttempts: 1,
        maxRecordAgeSeconds: 3600,
        parallelizationFactor: 1,
      },
    },
    rulesCacheTtlSeconds: 1,
    pollIntervalMs: 100,
  });
  await sandbox.putRule({
    scope: { default: true },
    thresholds: { LOW_STOCK: 10 },
    strategies: { LOW_STOCK: { type: 'purchase-order', quantity: { mode: 'fixed', units: 40 } } },
  });
});

afterAll(async () => {
  await sandbox?.stop();
});

describe('items whose names hold the key separator', () => {
  it('alert and order each on their own: (A#B, C) and (A, B#C)', async () => {
    const items = [
      { sku: 'A#B', location: 'C' },
      { sku: 'A', location: 'B#C' },
    ];
    for (const item of items) await sandbox.putItem({ ...item, quantity: 20 });
    for (const item of items) await sandbox.adjust(item.sku, item.location, -15);
    await sandbox.settle();

    const alerts = sandbox.outbox
      .filter((a) => a.attributes.locale === 'en')
      .map((a) => [a.attributes.sku, a.attributes.location]);
    expect(alerts).toEqual(expect.arrayContaining(items.map((i) => [i.sku, i.location])));
    expect(alerts).toHaveLength(2);
    for (const item of items) {
      const orders = (
        await new OrderStore(
          sandbox.doc,
          sandbox.tables.inventory,
          sandbox.tables.control,
        ).placedBetween({
          since: new Date(Date.now() - 86_400_000).toISOString(),
          until: new Date().toISOString(),
        })
      ).filter((o) => o.sku === item.sku && o.location === item.location);
      expect(orders).toEqual([expect.objectContaining({ ...item, status: 'OPEN' })]);
    }
  });
});
