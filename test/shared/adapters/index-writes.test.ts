import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateBatches } from '../../../bench/throughput.js';
import { createHandler } from '../../../functions/stock-monitor/handler.js';
import { lambdaContext } from '../../../sandbox/local-handlers.js';
import { DEFAULT_INDEX_SHARDS } from '../../../shared/contracts/tables.js';
import { type mockControlTable, mockControlTableWith } from '../../support/control-table-fake.js';
import { aRule } from '../../support/factories.js';
import { mockAlertsTopic, mockInventoryBus } from '../../support/publish-fakes.js';

/**
 * Issue 14 §3, counted: the alert-state index writes of the bench's load (1,000 changes, 5 %
 * of them sales into low stock), and how many land on one index partition value. The README's
 * table of index writes per 1,000 changes comes from this count.
 */
const context = lambdaContext('stock-monitor');
let sns: ReturnType<typeof mockAlertsTopic>;
let eventBridge: ReturnType<typeof mockInventoryBus>;
let control: ReturnType<typeof mockControlTable>;

beforeEach(() => {
  control = mockControlTableWith(
    aRule({ scope: { default: true }, thresholds: { LOW_STOCK: 10, OVERSTOCK: 1000 } }),
  );
  sns = mockAlertsTopic();
  eventBridge = mockInventoryBus();
});

afterEach(() => {
  control.mock.reset();
  sns.reset();
  eventBridge.reset();
});

describe('index writes of alert state per 1,000 changes', () => {
  it('writes the index once per alert opened, spread over the shards', async () => {
    // Act
    const handler = createHandler();
    for (const batch of generateBatches(1000, 100, 0.05)) await handler(batch, context);

    // Assess: every alert-state write that carries index attributes, by partition value.
    const perPartition = new Map<string, number>();
    for (const call of control.mock.commandCalls(TransactWriteCommand))
      for (const action of call.args[0].input.TransactItems ?? []) {
        const kind = action.Put?.Item?.kind;
        if (kind !== undefined) perPartition.set(kind, (perPartition.get(kind) ?? 0) + 1);
      }
    const writes = [...perPartition.values()].reduce((a, b) => a + b, 0);
    expect(writes).toBe(50);
    for (const kind of perPartition.keys()) expect(kind).toMatch(/^ALERTS#\d+$/);
    expect(perPartition.size).toBe(DEFAULT_INDEX_SHARDS);
    expect(Math.max(...perPartition.values())).toBeLessThanOrEqual(2 * (50 / DEFAULT_INDEX_SHARDS));
  });
});
