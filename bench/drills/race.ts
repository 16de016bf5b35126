/** The race drill: concurrent strategy-executor environments acting on one item. */

import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { listKind } from '../../cli/control-items.js';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../sandbox/dynamodb-local.js';
import { LocalRequestHandler } from '../../sandbox/local-transport.js';
import { Sandbox } from '../../sandbox/sandbox.js';
import { busEnvelope, levelDetail, openAlertsItem } from '../../test/support/factories.js';
import { controlTarget, type DrillRow, drillContext, lastDay, via } from './common.js';

/** The race's item with its low and out-of-stock alerts both open, each level's strategy ordering. */
const raceSandbox = async (endpoint: string) => {
  const sandbox = await Sandbox.create({
    endpoint,
    prefix: `race-${Date.now()}-`,
    pollIntervalMs: 50,
  });
  // Low and out of stock open at once, each level's strategy ordering: only one order may exist.
  const order = { type: 'purchase-order', quantity: { mode: 'fixed', units: 40 } } as const;
  await sandbox.putRule({
    scope: { sku: 'RACE-1' },
    thresholds: { LOW_STOCK: 10 },
    strategies: { LOW_STOCK: order, OUT_OF_STOCK: order },
  });
  await sandbox.putItem({ sku: 'RACE-1', location: 'WH-1', quantity: 50 });
  await sandbox.settle();
  const alerts = ['race-low', 'race-out'] as const;
  await sandbox.doc.send(
    new PutCommand({
      TableName: sandbox.tables.control,
      Item: openAlertsItem('RACE-1', 'WH-1', { LOW_STOCK: alerts[0], OUT_OF_STOCK: alerts[1] }),
    }),
  );
  return { sandbox, alerts };
};

/** `executors` strategy-executor environments, each handed one of the two alerts, all at once. */
const raceExecutors = async (
  endpoint: string,
  executors: number,
  alerts: readonly [string, string],
) => {
  const { createHandler } = await import('../../functions/strategy-executor/handler.js');
  const transport = new LocalRequestHandler({ publish: () => {}, putEvents: () => {} });
  const overrides = {
    dynamodb: { endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS },
    eventBridge: via(transport),
  };
  const context = drillContext('race', 30_000);
  // Each environment gets one of the two alerts; deliveries of one alert race each other too
  // (the idempotency layer refuses a concurrent duplicate, which EventBridge would retry).
  return Promise.allSettled(
    Array.from({ length: executors }, (_, i) =>
      createHandler(overrides)(
        busEnvelope(
          'StockLevelTriggered',
          levelDetail({
            alertId: alerts[i % 2],
            sku: 'RACE-1',
            level: i % 2 === 0 ? 'LOW_STOCK' : 'OUT_OF_STOCK',
          }),
        ),
        context,
      ),
    ),
  );
};

/** Concurrent executors, each its own execution environment, all on one item. */
export const raceDrill = async (endpoint: string, executors: number): Promise<DrillRow> => {
  const { sandbox, alerts } = await raceSandbox(endpoint);
  const results = await raceExecutors(endpoint, executors, alerts);
  const orders = (await listKind(controlTarget(sandbox), 'ORDER', lastDay())).filter(
    (o) => o.sku === 'RACE-1',
  ).length;
  await sandbox.stop();
  const applied = results.filter(
    (r) =>
      r.status === 'fulfilled' &&
      r.value.status === 'done' &&
      r.value.applied.outcome === 'applied',
  ).length;
  return {
    drill: 'race: executors on one item',
    load: `${executors} concurrent executors`,
    faultsInjected: 0,
    duplicates: Math.max(0, orders - 1),
    losses: orders === 0 ? 1 : 0,
    detail: `${orders} order(s) raised (${applied} applied), the other deliveries skipped or refused as duplicates`,
  };
};
