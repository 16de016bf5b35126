import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { loadEnvironment } from '../../infra/config/environments.js';
import { Sandbox } from '../../sandbox/sandbox.js';
import type { RuleInput } from '../../shared/domain/rules.js';

/**
 * Races and late events on DynamoDB Local, through the real stream, monitor, bus and
 * executors: the conditions that make them safe are DynamoDB's, so they are tested on it.
 */
let sandbox: Sandbox | undefined;

afterEach(async () => {
  await sandbox?.stop();
  sandbox = undefined;
});

const start = async (rule: RuleInput, executorConcurrency = 1) => {
  sandbox = await Sandbox.create({
    endpoint: inject('dynamoEndpoint'),
    prefix: `reorder-${Date.now()}-`,
    config: loadEnvironment('dev'),
    rulesCacheTtlSeconds: 0,
    pollIntervalMs: 50,
    executorConcurrency,
  });
  await sandbox.putRule(rule);
  return sandbox;
};

const itemOf = async (s: Sandbox, sku: string) =>
  (
    await s.doc.send(
      new GetCommand({ TableName: s.tables.inventory, Key: { sku, location: 'WH-1' } }),
    )
  ).Item;

describe('reordering and races on DynamoDB Local', () => {
  it('restocks up to max once when out of stock and low stock both restock at the same time', async () => {
    const restock = { type: 'direct-restock', quantity: { mode: 'up-to-max', max: 40 } } as const;
    const s = await start(
      {
        scope: { default: true },
        thresholds: { LOW_STOCK: 10, OVERSTOCK: 100 },
        strategies: { OUT_OF_STOCK: restock, LOW_STOCK: restock },
      },
      2,
    );
    await s.putItem({ sku: 'RACE-R', location: 'WH-1', quantity: 20 });
    await s.settle();
    await s.adjust('RACE-R', 'WH-1', -20);
    await s.settle();

    expect((await itemOf(s, 'RACE-R'))?.quantity).toBe(40);
    const restocks = s.effects.filter((e) => e.sku === 'RACE-R' && e.outcome === 'applied');
    expect(restocks).toHaveLength(1);
  });

  it('judges an alert opened under an old threshold by the new one, in separate batches', async () => {
    const s = await start({
      scope: { default: true },
      thresholds: { LOW_STOCK: 40, OVERSTOCK: 100 },
    });
    await s.putItem({ sku: 'MOVE-1', location: 'WH-1', quantity: 50 });
    await s.adjust('MOVE-1', 'WH-1', -15); // 35: low under 40
    await s.settle();
    await s.putRule({ scope: { default: true }, thresholds: { LOW_STOCK: 20, OVERSTOCK: 100 } });
    await s.adjust('MOVE-1', 'WH-1', 3); // 38: clear of 20
    await s.settle();
    await s.adjust('MOVE-1', 'WH-1', -23); // 15: low under 20
    await s.settle();

    const transitions = s.outbox
      .filter((a) => a.attributes.sku === 'MOVE-1' && a.attributes.locale === 'en')
      .map((a) => `${a.attributes.transition} ${a.attributes.level}`);
    expect(transitions).toEqual([
      'TRIGGERED LOW_STOCK',
      'RESOLVED LOW_STOCK',
      'TRIGGERED LOW_STOCK',
    ]);
  });
});
