import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  overlayRule,
  parseRule,
  parseRuleOverlay,
  type Rule,
  type RuleOverlay,
  RuleSchema,
  resolveRule,
  ruleKeyOf,
  ruleKeysFor,
} from '../../../shared/domain/rules.js';
import { InvalidRuleError } from '../../../shared/errors.js';
import { aRule } from '../../support/factories.js';

const item = { sku: 'MUG-1', location: 'WH-1', category: 'kitchen' };
const [itemKey, skuKey, categoryKey] = ruleKeysFor(item) as [string, string, string];
const inFuture = (hours: number) =>
  new Date(Date.UTC(2030, 0, 1) + hours * 3_600_000).toISOString();

describe('parseRuleOverlay', () => {
  it('accepts a snooze, thresholds, or both', () => {
    expect(
      parseRuleOverlay({ scope: { sku: 'MUG-1' }, snoozeUntil: inFuture(1) }).snoozeUntil,
    ).toBe(inFuture(1));
    expect(
      parseRuleOverlay({ scope: { sku: 'MUG-1', location: 'WH-1' }, thresholds: { LOW_STOCK: 7 } })
        .thresholds,
    ).toEqual({ LOW_STOCK: 7 });
  });

  it.each([
    [{ scope: { sku: 'MUG-1' } }, 'sets nothing'],
    [{ scope: { sku: 'MUG-1' }, thresholds: {} }, 'sets nothing'],
    [{ scope: { sku: 'MUG-1' }, thresholds: { LOW_STOCK: 'auto' } }, 'thresholds.LOW_STOCK'],
    [{ scope: { sku: 'MUG-1' }, snoozeUntil: 'tomorrow' }, 'snoozeUntil'],
    [{ scope: { sku: 'MUG-1' }, snoozeUntil: inFuture(1), hysteresis: 3 }, 'hysteresis'],
  ])('refuses %j naming the field', (document, expected) => {
    expect(() => parseRuleOverlay(document)).toThrow(InvalidRuleError);
    expect(() => parseRuleOverlay(document)).toThrow(expected);
    expect(() => parseRuleOverlay(document)).toThrow('Rule sku#MUG-1 (overlay) is invalid');
  });
});

describe('resolveRule with overlays', () => {
  const category = parseRule(
    aRule({ scope: { category: 'kitchen' }, thresholds: { LOW_STOCK: 10, OVERSTOCK: 100 } }),
  );
  const rules = new Map<string, Rule>([[categoryKey, category]]);

  it('lays an item overlay over the category rule the item resolves to', () => {
    const overlays = new Map<string, RuleOverlay>([
      [
        itemKey,
        parseRuleOverlay({
          scope: { sku: 'MUG-1', location: 'WH-1' },
          thresholds: { LOW_STOCK: 20 },
        }),
      ],
      [skuKey, parseRuleOverlay({ scope: { sku: 'MUG-1' }, snoozeUntil: inFuture(2) })],
    ]);
    const resolved = resolveRule(
      item,
      (k) => rules.get(k),
      undefined,
      (k) => overlays.get(k),
    );
    expect(resolved).toEqual({
      key: categoryKey,
      rule: {
        ...category,
        thresholds: { LOW_STOCK: 20, OVERSTOCK: 100 },
        snoozeUntil: inFuture(2),
      },
      overlays: [itemKey, skuKey],
    });
  });

  it('snoozes until the latest snooze covering the item, whether it is past or not', () => {
    const snoozed = overlayRule({ ...category, snoozeUntil: inFuture(5) }, [
      {
        key: itemKey,
        overlay: { scope: { sku: 'MUG-1', location: 'WH-1' }, snoozeUntil: inFuture(-1) },
      },
      { key: skuKey, overlay: { scope: { sku: 'MUG-1' }, snoozeUntil: inFuture(3) } },
    ]);
    expect(snoozed.rule.snoozeUntil).toBe(inFuture(5));
  });

  it('sets aside overlay thresholds that contradict the rule, keeping the snooze, and says why', () => {
    const layered = overlayRule(category, [
      {
        key: itemKey,
        overlay: {
          scope: { sku: 'MUG-1', location: 'WH-1' },
          snoozeUntil: inFuture(1),
          thresholds: { LOW_STOCK: 99 },
        },
      },
    ]);
    expect(layered.rule).toEqual({ ...category, snoozeUntil: inFuture(1) });
    expect(layered.refused?.message).toContain(
      'thresholds.OVERSTOCK: must be above LOW_STOCK + hysteresis (101)',
    );
    expect(layered.refused?.ruleKey).toBe(`${itemKey} (overlay)`);
  });

  it('monitors nothing when only an overlay covers the item', () => {
    const overlay = parseRuleOverlay({ scope: { sku: 'MUG-1' }, thresholds: { LOW_STOCK: 3 } });
    expect(
      resolveRule(
        item,
        () => undefined,
        undefined,
        () => overlay,
      ),
    ).toBeUndefined();
  });
});

/** Valid rules: LOW_STOCK, then OVERSTOCK above LOW_STOCK + hysteresis, or none. */
const ruleArbitrary = (scope: Rule['scope']) =>
  fc
    .record({
      low: fc.option(fc.integer({ min: 0, max: 50 }), { nil: undefined }),
      gap: fc.option(fc.integer({ min: 1, max: 50 }), { nil: undefined }),
      hysteresis: fc.integer({ min: 0, max: 5 }),
      snoozeUntil: fc.option(fc.integer({ min: -48, max: 48 }).map(inFuture), { nil: undefined }),
      cooldownSeconds: fc.nat(600),
    })
    .map(({ low, gap, hysteresis, snoozeUntil, cooldownSeconds }) =>
      parseRule({
        scope,
        thresholds: {
          ...(low !== undefined ? { LOW_STOCK: low } : {}),
          ...(gap !== undefined ? { OVERSTOCK: (low ?? 0) + hysteresis + gap } : {}),
        },
        hysteresis,
        cooldownSeconds,
        ...(snoozeUntil ? { snoozeUntil } : {}),
      }),
    );

const overlayArbitrary = (scope: Rule['scope']) =>
  fc
    .record({
      snoozeUntil: fc.option(fc.integer({ min: -48, max: 48 }).map(inFuture), { nil: undefined }),
      LOW_STOCK: fc.option(fc.integer({ min: 0, max: 120 }), { nil: undefined }),
      OVERSTOCK: fc.option(fc.integer({ min: 0, max: 120 }), { nil: undefined }),
    })
    .filter((o) => Object.values(o).some((v) => v !== undefined))
    .map(({ snoozeUntil, LOW_STOCK, OVERSTOCK }) =>
      parseRuleOverlay({
        scope,
        ...(snoozeUntil ? { snoozeUntil } : {}),
        ...(LOW_STOCK !== undefined || OVERSTOCK !== undefined
          ? {
              thresholds: {
                ...(LOW_STOCK !== undefined ? { LOW_STOCK } : {}),
                ...(OVERSTOCK !== undefined ? { OVERSTOCK } : {}),
              },
            }
          : {}),
      }),
    );

const scopes: Rule['scope'][] = [
  { sku: item.sku, location: item.location },
  { sku: item.sku },
  { category: item.category },
  { default: true },
];

/** Some rules and some overlays on the scopes of the item's chain, by rule key. */
const chainArbitrary = fc.record({
  rules: fc.tuple(...scopes.map((s) => fc.option(ruleArbitrary(s), { nil: undefined }))),
  overlays: fc.tuple(...scopes.map((s) => fc.option(overlayArbitrary(s), { nil: undefined }))),
});

const byKey = <T>(values: readonly (T | undefined)[]) =>
  new Map(scopes.flatMap((s, i) => (values[i] ? [[ruleKeyOf(s), values[i] as T] as const] : [])));

/** Resolution as it was before overlays existed: the first rule found, as stored. */
const firstRuleFound = (rules: Map<string, Rule>) => {
  const key = ruleKeysFor(item).find((k) => rules.has(k));
  return key === undefined ? undefined : { key, rule: rules.get(key) as Rule };
};

describe('resolveRule, for any rules and overlays on the chain', () => {
  it('without overlays, is the first rule found as stored', () => {
    fc.assert(
      fc.property(chainArbitrary, ({ rules }) => {
        const stored = byKey(rules);
        const expected = firstRuleFound(stored);
        expect(resolveRule(item, (k) => stored.get(k))).toEqual(expected);
        expect(
          resolveRule(
            item,
            (k) => stored.get(k),
            undefined,
            () => undefined,
          ),
        ).toEqual(expected);
      }),
    );
  });

  it('keeps the rule found and everything but snooze and thresholds; the result is always a valid rule', () => {
    fc.assert(
      fc.property(chainArbitrary, ({ rules, overlays }) => {
        const stored = byKey(rules);
        const laid = byKey(overlays);
        const base = firstRuleFound(stored);
        const resolved = resolveRule(
          item,
          (k) => stored.get(k),
          undefined,
          (k) => laid.get(k),
        );
        if (!base || !resolved) {
          expect(resolved).toEqual(base);
          return;
        }
        expect(resolved.key).toBe(base.key);
        const { thresholds, snoozeUntil, ...rest } = resolved.rule;
        const { thresholds: _t, snoozeUntil: _s, ...baseRest } = base.rule;
        expect(rest).toEqual(baseRest);
        expect(RuleSchema.safeParse(resolved.rule).success).toBe(true);
        // Each threshold is the most specific overlay's, else the rule's (unless set aside).
        if (!resolved.refused) {
          for (const level of ['LOW_STOCK', 'OVERSTOCK'] as const) {
            const fromOverlay = ruleKeysFor(item)
              .map((k) => laid.get(k)?.thresholds?.[level])
              .find((v) => v !== undefined);
            expect(thresholds[level]).toBe(fromOverlay ?? base.rule.thresholds[level]);
          }
        } else expect(thresholds).toEqual(base.rule.thresholds);
        // Snoozed until the latest snooze of the rule and the overlays.
        const snoozes = [base.rule.snoozeUntil, ...[...laid.values()].map((o) => o.snoozeUntil)]
          .filter((s): s is string => s !== undefined)
          .sort();
        expect(snoozeUntil).toBe(snoozes.at(-1));
      }),
    );
  });
});
