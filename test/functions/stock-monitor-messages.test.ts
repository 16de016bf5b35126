import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { lambdaContext } from '../../sandbox/local-handlers.js';
import type { WirePublishEntry } from '../../sandbox/local-transport.js';
import { ALERT_MESSAGE_MAX_BYTES, snsMessageBytes } from '../../shared/adapters/alert-publisher.js';
import { type mockControlTable, mockControlTableWith } from '../support/control-table-fake.js';
import { aRule, quantityChange, streamEvent } from '../support/factories.js';
import { monitorOverSandboxTransport } from '../support/monitor-over-sandbox.js';

const context = lambdaContext('stock-monitor');
let control: ReturnType<typeof mockControlTable>;

const sizeOf = (entry: WirePublishEntry) =>
  snsMessageBytes({
    body: entry.message,
    subject: entry.subject,
    attributes: Object.entries(entry.attributes).map(([n, a]) => [n, a.dataType, a.value] as const),
  });

beforeEach(() => {
  control = mockControlTableWith(aRule({ name: 'Standard' }));
});

afterEach(() => control.mock.reset());

describe('stock-monitor alerts and SNS limits', () => {
  it('delivers an item with a 300 KB name next to nine ordinary alerts, each within the budget', async () => {
    // Prepare: a catalogue name of 300 KB (DynamoDB items may hold 400 KB), multi-byte
    const longName = 'Tasse Größe XL ☕ '.repeat(15_000);
    expect(Buffer.byteLength(longName)).toBeGreaterThanOrEqual(300_000);
    const records = [
      quantityChange('BIG-1', 20, 5, { name: longName, category: 'kitchen' }),
      ...Array.from({ length: 9 }, (_, i) =>
        quantityChange(`MUG-${i}`, 20, 5, { name: `Mug ${i}`, category: 'kitchen' }),
      ),
    ];
    const { handler, delivered, events } = monitorOverSandboxTransport();

    // Act
    const result = await handler(streamEvent(...records), context);

    // Assess
    expect(result.batchItemFailures).toEqual([]);
    expect(delivered.map((e) => e.attributes.sku?.value).sort()).toEqual(
      ['BIG-1', ...Array.from({ length: 9 }, (_, i) => `MUG-${i}`)].sort(),
    );
    for (const entry of delivered)
      expect(sizeOf(entry)).toBeLessThanOrEqual(ALERT_MESSAGE_MAX_BYTES);
    const big = delivered.find((e) => e.attributes.sku?.value === 'BIG-1');
    const bodies = JSON.parse(big?.message ?? '{}') as { default: string; email: string };
    expect(bodies.email).toContain('Item:       Tasse Größe XL ☕ Tasse Größe XL');
    expect(bodies.email).toMatch(/… \(BIG-1\) at WH-1\.\n/);
    expect(bodies.default).toMatch(/^Low stock: Tasse Größe XL ☕ .*… \(BIG-1\) at WH-1, /);
    expect(big?.subject).toMatch(/^\[WARNING\] Low stock: Tasse Gro\?e XL \? Tasse .*\.\.\.$/);
    expect(events).toHaveLength(10);
  });
});
