import { describe, expect, it } from 'vitest';
import {
  parseRule,
  type Rule,
  resolveRule,
  ruleKeyOf,
  ruleKeysFor,
} from '../../../shared/domain/rules.js';
import { InvalidRuleError } from '../../../shared/errors.js';
import { aRule } from '../../support/factories.js';

describe('parseRule', () => {
  it('fills defaults', () => {
    const rule = parseRule({ scope: { default: true }, thresholds: { LOW_STOCK: 5 } });
    expect(rule).toMatchObject({
      hysteresis: 0,
      cooldownSeconds: 0,
      channels: ['email', 'sms'],
      strategies: {},
    });
  });

  it.each([
    [{ thresholds: { LOW_STOCK: 'ten' } }, 'thresholds.LOW_STOCK'],
    [
      { thresholds: { LOW_STOCK: 10, OVERSTOCK: 11 }, hysteresis: 2 },
      'thresholds.OVERSTOCK: must be above LOW_STOCK + hysteresis (12)',
    ],
    [{ thresholds: { LOW_STOCK: -1 } }, 'thresholds.LOW_STOCK: must be ≥ OUT_OF_STOCK (0)'],
    [
      {
        strategies: { OVERSTOCK: { type: 'reduce', downTo: 80, destination: { type: 'return' } } },
        thresholds: { LOW_STOCK: 5 },
      },
      'strategies.OVERSTOCK: needs thresholds.OVERSTOCK',
    ],
    [
      { strategies: { LOW_STOCK: { type: 'reprice', percent: 10, floor: 20, ceiling: 10 } } },
      'strategies.LOW_STOCK.floor: floor must not be above ceiling',
    ],
    [{ strategies: { LOW_STOCK: { type: 'teleport' } } }, 'strategies.LOW_STOCK'],
    [{ colour: 'red' }, "(root): unknown key 'colour' (expected one of 'scope', 'name',"],
    // Issue 15: a nested typo names its path and the key meant, without a second "missing".
    [
      {
        strategies: {
          LOW_STOCK: { type: 'purchase-order', quantity: { mode: 'fixed', unit: 50 } },
        },
      },
      "Rule default is invalid: strategies.LOW_STOCK.quantity: unknown key 'unit' (expected 'units')",
    ],
    [
      { scope: { catgory: 'toys' } },
      'Rule (invalid scope) is invalid: scope: expected one of {sku, location} | {sku} | {category} | {default: true}',
    ],
    [
      { strategies: { LOW_STOCK: { type: 'purchase-ordr' } } },
      "strategies.LOW_STOCK.type: Invalid discriminator value. Expected 'purchase-order' | 'direct-restock'",
    ],
    [
      // The README's own example once had this: a derived LOW_STOCK of up to 500 under
      // OVERSTOCK 400 could raise an order and an overstock reduce at once.
      {
        thresholds: { LOW_STOCK: 'auto', OVERSTOCK: 400 },
        demand: { leadTimeDays: 5, fallbackLowStock: 20, maxLowStock: 500 },
      },
      'demand.maxLowStock: must be below thresholds.OVERSTOCK − hysteresis (400 − 2 = 398)',
    ],
    [{ snoozeUntil: 'tomorrow' }, 'snoozeUntil'],
  ])('refuses %j naming the field', (patch, expected) => {
    expect(() => parseRule({ ...aRule(), ...patch })).toThrow(InvalidRuleError);
    expect(() => parseRule({ ...aRule(), ...patch })).toThrow(expected);
  });
});

describe('ruleKeysFor', () => {
  it('does not look up a category rule whose key DynamoDB could never store', () => {
    const keys = ruleKeysFor({ sku: 'S', location: 'L', category: 'c'.repeat(3000) });
    expect(keys).toEqual([
      ruleKeyOf({ sku: 'S', location: 'L' }),
      ruleKeyOf({ sku: 'S' }),
      'default',
    ]);
    expect(ruleKeysFor({ sku: 'S', location: 'L', category: 'toys' })).toContain('category#toys');
  });
});

describe('resolveRule', () => {
  const rules = new Map<string, Rule>(
    [
      aRule({ scope: { default: true }, name: 'default' }),
      aRule({ scope: { category: 'toys' }, name: 'toys' }),
      aRule({ scope: { sku: 'A' }, name: 'sku A' }),
      aRule({ scope: { sku: 'A', location: 'WH-2' }, name: 'A at WH-2' }),
    ].map((input) => {
      const rule = parseRule(input);
      return [ruleKeyOf(rule.scope), rule];
    }),
  );
  const lookup = (key: string) => rules.get(key);

  it.each([
    [{ sku: 'A', location: 'WH-2', category: 'toys' }, 'A at WH-2'],
    [{ sku: 'A', location: 'WH-1', category: 'toys' }, 'sku A'],
    [{ sku: 'B', location: 'WH-1', category: 'toys' }, 'toys'],
    [{ sku: 'B', location: 'WH-1' }, 'default'],
  ])('resolves %j most-specific-first to %s', (item, name) => {
    expect(resolveRule(item, lookup)?.rule.name).toBe(name);
  });

  it('returns undefined when no rule applies', () => {
    expect(resolveRule({ sku: 'B', location: 'WH-1' }, () => undefined)).toBeUndefined();
  });
});
