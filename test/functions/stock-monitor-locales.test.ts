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
  process.env[EnvName.alertLocales] = 'en,zh-CN';
  process.env[EnvName.currencyCode] = 'EUR';
});

afterEach(() => {
  control.mock.reset();
  process.env = { ...saved };
});

describe('stock-monitor alerts in the locales in use', () => {
  it('publishes each crossing once per locale, with its locale attribute, batched ten to a call', async () => {
    // Prepare: six items into low stock, in a shop that reads English and Chinese
    const records = Array.from({ length: 6 }, (_, i) =>
      quantityChange(`MUG-${i}`, 20, 5, { name: `马克杯 ${i}`, category: 'kitchen', price: 12.5 }),
    );
    const { handler, delivered } = monitorOverSandboxTransport();

    // Act
    const result = await handler(streamEvent(...records), context);

    // Assess
    expect(result.batchItemFailures).toEqual([]);
    expect(delivered).toHaveLength(12);
    const zh = delivered.filter((e) => e.attributes.locale?.value === 'zh-CN');
    expect(zh).toHaveLength(6);
    const body = JSON.parse(zh[0]?.message ?? '{}') as { email: string; sms: string };
    expect(body.email).toMatch(/^马克杯 \d \(MUG-\d\)（WH-1）库存不足。/);
    expect(body.email).toContain('€12.50');
    expect(body.sms).toMatch(/^库存不足：MUG-\d @ WH-1 数量 20 → 5/);
    expect(delivered.filter((e) => e.attributes.locale?.value === 'en')).toHaveLength(6);
  });
});
