import { describe, expect, it } from 'vitest';
import { itemKeyOf } from '../../../shared/contracts/inventory.js';
import { ControlKeys } from '../../../shared/contracts/tables.js';
import { alertIdOf } from '../../../shared/domain/crossing.js';
import { ruleKeyOf } from '../../../shared/domain/rules.js';

describe('keys of items whose sku or location holds the separator (issue 14, section 1)', () => {
  // Both items are valid inventory rows; with `#` joins they shared one key.
  const first = { sku: 'A#B', location: 'C' };
  const second = { sku: 'A', location: 'B#C' };

  it('gives two items two item keys', () => {
    expect(itemKeyOf(first)).not.toBe(itemKeyOf(second));
  });

  it('gives two items two control-table partitions', () => {
    expect(ControlKeys.alertState(first.sku, first.location).pk).not.toBe(
      ControlKeys.alertState(second.sku, second.location).pk,
    );
  });

  it('gives a sku rule and a sku+location rule two keys', () => {
    expect(ruleKeyOf({ sku: 'A#location#B' })).not.toBe(ruleKeyOf({ sku: 'A', location: 'B' }));
    expect(ruleKeyOf({ sku: 'A#B', location: 'C#location#D' })).not.toBe(
      ruleKeyOf({ sku: 'A#B#location#C', location: 'D' }),
    );
  });

  it('gives the same crossing of two items two alert ids, even with NUL in a part', () => {
    const changeId = 'event-1';
    expect(alertIdOf({ sku: 'a\u0000b', location: 'c', changeId }, 'LOW_STOCK')).not.toBe(
      alertIdOf({ sku: 'a', location: 'b\u0000c', changeId }, 'LOW_STOCK'),
    );
  });
});
