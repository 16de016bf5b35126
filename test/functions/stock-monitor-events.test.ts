import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { lambdaContext } from '../../sandbox/local-handlers.js';
import type { WireEvent } from '../../sandbox/local-transport.js';
import { putEventsEntryBytes } from '../../shared/adapters/event-publisher.js';
import {
  CATEGORY_MAX_BYTES,
  LEVEL_EVENT_MAX_BYTES,
  levelEventCategory,
  type StockLevelDetail,
  StockLevelDetailSchema,
} from '../../shared/contracts/events.js';
import { ControlKeys } from '../../shared/contracts/tables.js';
import { DISPLAY_BYTES } from '../../shared/domain/messages.js';
import { ruleKeyFits, ruleKeyOf } from '../../shared/domain/rules.js';
import { type mockControlTable, mockControlTableWith } from '../support/control-table-fake.js';
import { aRule, quantityChange, streamEvent } from '../support/factories.js';
import { monitorOverSandboxTransport } from '../support/monitor-over-sandbox.js';

const context = lambdaContext('stock-monitor');
let control: ReturnType<typeof mockControlTable>;

const detailOf = (event: WireEvent) => JSON.parse(event.Detail) as StockLevelDetail;

beforeEach(() => {
  control = mockControlTableWith(aRule({ name: 'Standard' }));
});

afterEach(() => control.mock.reset());

describe('stock-monitor events and EventBridge limits', () => {
  it('delivers an item with a 300 KB category next to nine ordinary items: ten events', async () => {
    // Prepare: a catalogue category of 300 KB (DynamoDB items may hold 400 KB), multi-byte
    const longCategory = 'Küche & Haushalt ☕ '.repeat(15_000);
    expect(Buffer.byteLength(longCategory)).toBeGreaterThanOrEqual(300_000);
    const records = [
      quantityChange('BIG-1', 20, 5, { name: 'Mug', category: longCategory }),
      ...Array.from({ length: 9 }, (_, i) =>
        quantityChange(`MUG-${i}`, 20, 5, { name: `Mug ${i}`, category: 'kitchen' }),
      ),
    ];
    const { handler, events } = monitorOverSandboxTransport();

    // Act
    const result = await handler(streamEvent(...records), context);

    // Assess
    expect(result.batchItemFailures).toEqual([]);
    expect(events.map((e) => detailOf(e).sku).sort()).toEqual(
      ['BIG-1', ...Array.from({ length: 9 }, (_, i) => `MUG-${i}`)].sort(),
    );
    for (const event of events) {
      expect(putEventsEntryBytes(event)).toBeLessThanOrEqual(LEVEL_EVENT_MAX_BYTES);
      expect(StockLevelDetailSchema.safeParse(detailOf(event)).success).toBe(true);
    }
    const big = detailOf(events.find((e) => detailOf(e).sku === 'BIG-1') as WireEvent);
    // The category is cut, says so, and never passes for the item's category.
    expect(big.category).toMatch(/^Küche & Haushalt ☕ Küche .*…$/);
    expect(big.categoryTruncated).toBe(true);
    // Identifiers are whole.
    expect(big).toMatchObject({ sku: 'BIG-1', location: 'WH-1', ruleKey: 'default' });
    const ordinary = detailOf(events.find((e) => detailOf(e).sku === 'MUG-0') as WireEvent);
    expect(ordinary.category).toBe('kitchen');
    expect(ordinary).not.toHaveProperty('categoryTruncated');
  });
  it('keeps every level change within its budget at the worst of every field', async () => {
    // Quotes and backslashes double when JSON-escaped, control characters take six bytes; keys
    // at the inventory contract's 256 code units; the longest category a rule can name, with
    // that category rule in force (its key the longest ruleKey).
    for (const ch of ['"', '\\', '\u0001', '😀', 'é']) {
      const { handler, events } = monitorOverSandboxTransport();
      // The longest such category a rule can be stored under (a `\\` doubles in the key).
      let category = ch.repeat(Math.floor(CATEGORY_MAX_BYTES / Buffer.byteLength(ch)));
      while (!ruleKeyFits(ruleKeyOf({ category }))) category = category.slice(ch.length);
      control.putRule(aRule({ scope: { category }, name: 'Worst case' }));
      const sku = ch.repeat(256 / ch.length);
      const location = `${ch.repeat(256 / ch.length - 1)}L`;

      const result = await handler(
        streamEvent(quantityChange(sku, 20, 5, { category }, location)),
        context,
      );

      expect(result.batchItemFailures).toEqual([]);
      expect(events).toHaveLength(1);
      const detail = detailOf(events[0] as WireEvent);
      expect(detail).toMatchObject({ sku, location, category, ruleKey: ruleKeyOf({ category }) });
      expect(detail).not.toHaveProperty('categoryTruncated');
      expect(putEventsEntryBytes(events[0] as WireEvent)).toBeLessThanOrEqual(
        LEVEL_EVENT_MAX_BYTES,
      );
    }
  });

  it('carries every category a rule can name whole, and cuts only those no rule can name', () => {
    // The longest category that fits a rule's partition key is CATEGORY_MAX_BYTES long.
    const longest = 'c'.repeat(CATEGORY_MAX_BYTES);
    expect(Buffer.byteLength(ControlKeys.rule(ruleKeyOf({ category: longest })).pk)).toBe(2048);
    expect(levelEventCategory(longest)).toEqual({ category: longest });
    expect(levelEventCategory('ü'.repeat(CATEGORY_MAX_BYTES / 2))).toEqual({
      category: 'ü'.repeat(CATEGORY_MAX_BYTES / 2),
    });
    expect(levelEventCategory(undefined)).toEqual({});

    const cut = levelEventCategory(`${longest}c`);
    expect(cut.categoryTruncated).toBe(true);
    expect(cut.category).toMatch(/^c+…$/);
    expect(Buffer.byteLength(cut.category ?? '')).toBeLessThanOrEqual(DISPLAY_BYTES.category);
  });
});
