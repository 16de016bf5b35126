import { PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { lambdaContext } from '../../sandbox/local-handlers.js';
import { EnvName } from '../../shared/contracts/env.js';
import { type mockControlTable, mockControlTableWith } from '../support/control-table-fake.js';
import { aRule, quantityChange, streamEvent } from '../support/factories.js';
import { monitorOverSandboxTransport } from '../support/monitor-over-sandbox.js';

const context = lambdaContext('stock-monitor');
let control: ReturnType<typeof mockControlTable>;
const saved = { ...process.env };

beforeEach(() => {
  control = mockControlTableWith(aRule({ name: 'Standard' }));
});

afterEach(() => {
  control.mock.reset();
  process.env = { ...saved };
});

/** The actions of every state transaction the monitor sent. */
const transactItems = () =>
  control.mock
    .commandCalls(TransactWriteCommand)
    .flatMap((call) => call.args[0].input.TransactItems ?? []);

describe('stock-monitor digest buffer', () => {
  it('keeps each announced crossing, only if absent and before its state commit, with a TTL, when the environment has digests', async () => {
    // Prepare: two items into low stock, one quantity change that crosses nothing
    process.env[EnvName.digestBuffer] = 'on';
    const { handler } = monitorOverSandboxTransport();

    // Act
    const result = await handler(
      streamEvent(
        quantityChange('MUG-1', 20, 5, { name: 'Blue mug' }),
        quantityChange('MUG-2', 20, 4),
        quantityChange('MUG-3', 30, 25),
      ),
      context,
    );

    // Assess: a conditional put per crossing, then one transaction of the states
    expect(result.batchItemFailures).toEqual([]);
    const puts = control.mock
      .commandCalls(PutCommand)
      .filter((call) => String(call.args[0].input.Item?.sk).startsWith('DIGEST#'));
    expect(puts.map((call) => call.args[0].input.Item?.attributes.sku)).toEqual(['MUG-1', 'MUG-2']);
    for (const put of puts)
      expect(put.args[0].input.ConditionExpression).toBe('attribute_not_exists(pk)');
    const [transaction] = control.mock.commandCalls(TransactWriteCommand);
    expect(transactItems().map((a) => a.Put?.Item?.sk)).toEqual(['ALERTS', 'ALERTS']);
    for (const put of puts)
      expect(transaction && put.calledBefore(transaction as never)).toBe(true);
    const buffered = puts.map((call) => ({ Put: call.args[0].input }));
    const first = buffered[0]?.Put?.Item ?? {};
    expect(first.kind).toMatch(/^DIGEST#\d{4}-\d{2}-\d{2}#\d+$/);
    // Indexed and expiring by the commit's time (`at`), which a closed window never holds.
    expect(first.expiresAt).toBe(Math.floor(Date.parse(first.at) / 1000) + 2 * 86_400);
    expect(first.item).toMatchObject({
      sku: 'MUG-1',
      name: 'Blue mug',
      previousQuantity: 20,
      quantity: 5,
    });
    expect(first.attributes).toMatchObject({ level: 'LOW_STOCK', transition: 'TRIGGERED' });
  });

  it('writes no buffer without digest subscribers', async () => {
    const { handler } = monitorOverSandboxTransport();
    await handler(streamEvent(quantityChange('MUG-1', 20, 5)), context);
    expect(transactItems().map((a) => a.Put?.Item?.sk)).toEqual(['ALERTS']);
  });

  it("marks every alert for digest subscribers' immediate delivery where no digests are kept", async () => {
    // Digest subscribers made with `subscribe --digest` outlive a deploy that turns digests off:
    // with no buffer and no sender, each alert must reach them at once instead (docs/subscribers.md).
    const deliveryOf = async () => {
      const { handler, delivered } = monitorOverSandboxTransport();
      await handler(streamEvent(quantityChange('MUG-1', 20, 5)), context);
      return JSON.parse(delivered[0]?.attributes.delivery?.value ?? '[]') as string[];
    };
    const without = await deliveryOf();
    expect(without).toEqual(expect.arrayContaining(['email.digest', 'email.undigested']));
    control.mock.reset();
    control = mockControlTableWith(aRule({ name: 'Standard' }));
    process.env[EnvName.digestBuffer] = 'on';
    const kept = await deliveryOf();
    expect(kept.some((d) => d.endsWith('.digest') || d.endsWith('.undigested'))).toBe(false);
    expect(kept).toContain('email');
  });
});
