import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { itemKeyOf, itemOfKey } from '../../../shared/contracts/inventory.js';
import { decodeKeyParts, encodeKeyParts } from '../../../shared/contracts/keys.js';
import { ControlKeys, itemOfPk, itemPk } from '../../../shared/contracts/tables.js';
import { alertIdOf } from '../../../shared/domain/crossing.js';
import { type RuleScope, ruleKeyOf, ruleScopeOf } from '../../../shared/domain/rules.js';
import { InvalidKeyError } from '../../../shared/errors.js';

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

/** Characters that broke or could break a joined key, and ones that look like nothing. */
const awkward = [
  '#',
  '\\',
  '|',
  '\u0000',
  '\u200d', // zero-width joiner
  '\u200b', // zero-width space
  '\u0301', // combining acute accent
  '\ufeff', // byte-order mark
  'location',
  'sku',
  'a',
];
/** A name as the inventory contract allows it: 1 to 256 characters of anything. */
const name = fc.oneof(
  fc.string({ unit: 'binary', minLength: 1, maxLength: 256 }),
  fc.string({ unit: fc.constantFrom(...awkward), minLength: 1, maxLength: 12 }),
  fc.string({ unit: fc.constantFrom(...awkward), minLength: 1, maxLength: 256 }),
  fc.string({ unit: fc.constantFrom('#', '\\'), minLength: 256, maxLength: 256 }),
);
const item = fc.record({ sku: name, location: name });
/** Short names from few characters, so that two of them often collide when joined. */
const shortName = fc.string({
  unit: fc.constantFrom('#', '\\', '\u0000', 'a'),
  minLength: 1,
  maxLength: 4,
});
/**
 * Two items, often ones whose joined names are the same text cut in another place: the pairs
 * that shared a key when keys were plain joins.
 */
const twoItems = fc.oneof(
  fc.tuple(item, item),
  fc.tuple(
    fc.record({ sku: shortName, location: shortName }),
    fc.record({ sku: shortName, location: shortName }),
  ),
  fc.tuple(name, name, name, fc.constantFrom('#', '\u0000', '\\#')).map(([x, y, z, cut]) => [
    { sku: `${x}${cut}${y}`, location: z },
    { sku: x, location: `${y}${cut}${z}` },
  ]),
);
const scope: fc.Arbitrary<RuleScope> = fc.oneof(
  fc.constant({ default: true as const }),
  fc.record({ category: name }),
  fc.record({ sku: name }),
  fc.record({ sku: name, location: name }),
);
/** Two scopes, often a sku rule whose sku reads like a sku+location rule's key, or the like. */
const twoScopes = fc.oneof(
  fc.tuple(scope, scope),
  fc
    .tuple(name, name)
    .map(([x, y]): [RuleScope, RuleScope] => [
      { sku: `${x}#location#${y}` },
      { sku: x, location: y },
    ]),
  fc.tuple(name, name, name).map(([x, y, z]): [RuleScope, RuleScope] => [
    { sku: `${x}#location#${y}`, location: z },
    { sku: x, location: `${y}#location#${z}` },
  ]),
  name.map((x): [RuleScope, RuleScope] => [{ category: `location#${x}` }, { sku: x }]),
);
const sameItem = (a: { sku: string; location: string }, b: { sku: string; location: string }) =>
  a.sku === b.sku && a.location === b.location;
const runs = { numRuns: 500 };

describe('the key encoding', () => {
  it('reads the parts back from any tuple of strings, with either separator', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ unit: 'binary' }), { minLength: 1, maxLength: 5 }),
        fc.constantFrom('#', '\u0000'),
        (parts, separator) => {
          expect(decodeKeyParts(encodeKeyParts(parts, separator), separator)).toEqual(parts);
        },
      ),
      runs,
    );
  });

  it('leaves names without "#" or "\\" as they are, so ordinary keys did not change', () => {
    expect(itemKeyOf({ sku: 'MUG-1', location: 'WH-1' })).toBe('MUG-1#WH-1');
    expect(ControlKeys.alertState('MUG-1', 'WH-1')).toEqual({
      pk: 'ITEM#MUG-1#WH-1',
      sk: 'ALERTS',
    });
    expect(ruleKeyOf({ sku: 'MUG-1', location: 'WH-1' })).toBe('sku#MUG-1#location#WH-1');
    expect(ruleKeyOf({ category: 'toys' })).toBe('category#toys');
    const oldAlertId = createHash('sha256')
      .update('MUG-1\u0000WH-1\u0000LOW_STOCK\u0000event-1')
      .digest('base64url')
      .slice(0, 22);
    expect(alertIdOf({ sku: 'MUG-1', location: 'WH-1', changeId: 'event-1' }, 'LOW_STOCK')).toBe(
      oldAlertId,
    );
  });

  it('escapes the separator and the escape, readably', () => {
    expect(itemKeyOf({ sku: 'A#B', location: 'C' })).toBe('A\\#B#C');
    expect(itemKeyOf({ sku: 'A', location: 'B#C' })).toBe('A#B\\#C');
    expect(itemKeyOf({ sku: 'A\\', location: '#C' })).toBe('A\\\\#\\#C');
    expect(ruleKeyOf({ category: 'a#b' })).toBe('category#a\\#b');
  });

  it.each([
    ['A\\B#C', /not a key/],
    ['A#C\\', /not a key/],
    ['A', /not an item key/],
    ['A#B#C', /not an item key/],
  ])('refuses %j as an item key', (key, message) => {
    expect(() => itemOfKey(key)).toThrow(InvalidKeyError);
    expect(() => itemOfKey(key)).toThrow(message);
  });

  it.each([
    'sku',
    'sku#',
    'category#a#b',
    'sku#A#place#B',
    'default#x',
    'sku#A#location#',
    'brand#x',
  ])('refuses %j as a rule key', (key) => {
    expect(() => ruleScopeOf(key)).toThrow(InvalidKeyError);
  });
});

describe.each([
  ['item key', itemKeyOf, itemOfKey],
  [
    'control-table partition',
    (i: { sku: string; location: string }) => ControlKeys.openOrder(i.sku, i.location).pk,
    itemOfPk,
  ],
  ['item partition', (i: { sku: string; location: string }) => itemPk(i.sku, i.location), itemOfPk],
] as const)('the %s of an item', (_, encode, decode) => {
  it('differs for distinct items, whatever characters they hold', () => {
    fc.assert(
      fc.property(twoItems, ([a, b]) => {
        expect(encode(a) === encode(b)).toBe(sameItem(a, b));
      }),
      runs,
    );
  });

  it('gives the item back', () => {
    fc.assert(
      fc.property(twoItems, ([i]) => {
        expect(decode(encode(i))).toEqual(i);
      }),
      runs,
    );
  });
});

describe('rule keys', () => {
  it('differ for distinct scopes and give the scope back', () => {
    fc.assert(
      fc.property(twoScopes, ([a, b]) => {
        expect(ruleKeyOf(a) === ruleKeyOf(b)).toBe(JSON.stringify(a) === JSON.stringify(b));
        expect(ruleScopeOf(ruleKeyOf(a))).toEqual(a);
        expect(ruleScopeOf(ruleKeyOf(b))).toEqual(b);
      }),
      runs,
    );
  });
});

describe('alert ids', () => {
  it('differ for the same crossing of distinct items', () => {
    fc.assert(
      fc.property(twoItems, ([a, b]) => {
        fc.pre(!sameItem(a, b));
        const id = (i: typeof a) => alertIdOf({ ...i, changeId: 'event-1' }, 'LOW_STOCK');
        expect(id(a)).not.toBe(id(b));
      }),
      runs,
    );
  });
});
