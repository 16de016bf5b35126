import { describe, expect, it } from 'vitest';
import { decodeRecord } from '../../../shared/adapters/stream-records.js';
import { PoisonRecordError } from '../../../shared/errors.js';
import { quantityChange, streamRecord } from '../../support/factories.js';
import { POISON_CATALOGUE } from '../../support/poison.js';

describe('decodeRecord', () => {
  it('decodes a modify into a change with old and new quantity', () => {
    const decoded = decodeRecord(
      quantityChange('SKU-1', 12, 8, { category: 'kitchen', lowStockThreshold: 9 }),
    );
    expect(decoded.change).toMatchObject({
      sku: 'SKU-1',
      location: 'WH-1',
      previousQuantity: 12,
      quantity: 8,
    });
    expect(decoded.item.category).toBe('kitchen');
    expect(decoded.overrides).toEqual({ LOW_STOCK: 9 });
    expect(decoded.adjustedBySystem).toBe(false);
  });

  it('knows a strategy write from a shop write', () => {
    const record = streamRecord({
      old: { sku: 'S', location: 'L', quantity: 100, lastAdjustmentId: 'a' },
      new: { sku: 'S', location: 'L', quantity: 80, lastAdjustmentId: 'b' },
    });
    expect(decodeRecord(record).adjustedBySystem).toBe(true);
  });

  it('accepts a valid item whose previous image was broken', () => {
    const record = streamRecord({
      old: { sku: 'S', location: 'L', quantity: 'x' },
      new: { sku: 'S', location: 'L', quantity: 4 },
    });
    expect(decodeRecord(record).change.previousQuantity).toBeUndefined();
  });

  it.each(POISON_CATALOGUE)('refuses a record with %s, saying why', (_, make, reason) => {
    expect(() => decodeRecord(make())).toThrow(PoisonRecordError);
    expect(() => decodeRecord(make())).toThrow(reason);
  });
});
