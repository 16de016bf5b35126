import { describe, expect, it } from 'vitest';
import { matchesPattern } from '../../sandbox/event-pattern.js';
import { STRATEGY_EXECUTOR_PATTERN } from '../../shared/contracts/events.js';
import { busEnvelope, levelDetail } from '../support/factories.js';

const pattern = STRATEGY_EXECUTOR_PATTERN as unknown as Record<string, unknown>;

describe('matchesPattern', () => {
  it.each([
    ['a level trigger', busEnvelope('StockLevelTriggered', levelDetail()), true],
    ['a level resolve', busEnvelope('StockLevelResolved', levelDetail()), true],
    ['a strategy outcome', busEnvelope('StrategyApplied', levelDetail()), false],
    [
      'another source',
      { ...busEnvelope('StockLevelTriggered', levelDetail()), source: 'shop.orders' },
      false,
    ],
    [
      'a future detail version',
      busEnvelope('StockLevelTriggered', levelDetail({ version: '2' })),
      false,
    ],
  ])('routes %s to the strategy-executor: %s', (_, event, expected) => {
    expect(matchesPattern(pattern, event as unknown as Record<string, unknown>)).toBe(expected);
  });

  it('supports prefix, exists, anything-but and array-valued fields', () => {
    const event = { source: 'inventory.alerts', detail: { sku: 'MUG-1', tags: ['a', 'b'] } };
    expect(matchesPattern({ detail: { sku: [{ prefix: 'MUG' }] } }, event)).toBe(true);
    expect(matchesPattern({ detail: { location: [{ exists: false }] } }, event)).toBe(true);
    expect(matchesPattern({ detail: { sku: [{ 'anything-but': ['MUG-1'] }] } }, event)).toBe(false);
    expect(matchesPattern({ detail: { tags: ['b'] } }, event)).toBe(true);
  });

  it('matches exists on leaf values only, as EventBridge does', () => {
    // "Comparison operators only work on leaf nodes, with the exception of $or and anything-but."
    const event = { detail: { category: { code: 'toys' }, sku: 'MUG-1', tags: ['a'] } };
    expect(matchesPattern({ detail: { category: [{ exists: true }] } }, event)).toBe(false);
    expect(matchesPattern({ detail: { category: [{ exists: false }] } }, event)).toBe(true);
    expect(matchesPattern({ detail: { category: { code: [{ exists: true }] } } }, event)).toBe(
      true,
    );
    expect(matchesPattern({ detail: { sku: [{ exists: true }] } }, event)).toBe(true);
    expect(matchesPattern({ detail: { tags: [{ exists: true }] } }, event)).toBe(true);
  });

  it('refuses operators it does not implement rather than guessing', () => {
    expect(() =>
      matchesPattern(
        { detail: { quantity: [{ numeric: ['<', 5] }] } },
        { detail: { quantity: 1 } },
      ),
    ).toThrow('not supported');
  });
});
