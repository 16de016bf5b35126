import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  changeByPercent,
  clampMinorUnits,
  divideHalfEven,
  formatMinorUnits,
  fromMinorUnits,
  toMinorUnits,
} from '../../../shared/domain/money.js';

const RUNS = { numRuns: 10_000 };

/**
 * Reference rounding written differently from the implementation: of the two integers around
 * n / d (d > 0), take the nearer one, and the even one on a tie.
 */
const nearestTiesToEven = (n: bigint, d: bigint): bigint => {
  let below = n / d;
  if (below * d > n) below -= 1n; // BigInt division truncates; make it a floor.
  const above = below + 1n;
  const distanceBelow = n - below * d;
  const distanceAbove = above * d - n;
  if (distanceBelow < distanceAbove) return below;
  if (distanceAbove < distanceBelow) return above;
  return below % 2n === 0n ? below : above;
};

describe('toMinorUnits', () => {
  it.each([
    [1.15, 2, 115n],
    [1.035, 2, 104n],
    [1.045, 2, 104n],
    [0.5, 0, 0n],
    [1.5, 0, 2n],
    [2.5, 0, 2n],
    [19.99, 3, 19_990n],
    [12, 4, 120_000n],
    [1e-7, 2, 0n],
    [1e21, 2, 10n ** 23n],
    [-1.005, 2, -100n],
    ['7.125', 2, 712n],
  ])('%s with %i decimals is %s', (price, decimals, expected) => {
    expect(toMinorUnits(price, decimals)).toBe(expected);
  });

  it.each([
    [Number.NaN, 2, 'finite'],
    [Number.POSITIVE_INFINITY, 2, 'finite'],
    ['1,5', 2, 'not a finite decimal'],
    [1, 5, 'currency decimals must be an integer from 0 to 4'],
    [1, 1.5, 'currency decimals'],
  ])('refuses %s with %s decimals', (price, decimals, message) => {
    expect(() => toMinorUnits(price, decimals)).toThrow(message);
  });
});

describe('formatMinorUnits and fromMinorUnits', () => {
  it.each([
    [500n, 2, '5.00', 5],
    [104n, 2, '1.04', 1.04],
    [7n, 3, '0.007', 0.007],
    [42n, 0, '42', 42],
    [-5n, 2, '-0.05', -0.05],
  ])('%s with %i decimals is "%s", %s', (amount, decimals, text, value) => {
    expect(formatMinorUnits(amount, decimals)).toBe(text);
    expect(fromMinorUnits(amount, decimals)).toBe(value);
  });

  it('refuses an amount a number cannot hold exactly', () => {
    expect(() => fromMinorUnits(10n ** 15n, 2)).toThrow('too large to be written exactly');
  });
});

describe('changeByPercent', () => {
  it.each([
    [115n, 10, 'down', 104n], // 103.5: half-even up to the even 104
    [125n, 10, 'down', 112n], // 112.5: half-even down to the even 112
    [200n, 7.5, 'up', 215n],
    [1000n, 12.345, 'up', 1123n], // 1123.45
    [3n, 50, 'down', 2n], // 1.5 → 2
    [5n, 50, 'down', 2n], // 2.5 → 2
    [100n, 0, 'up', 100n],
  ] as const)('%s changed by %s percent %s is %s', (amount, percent, direction, expected) => {
    expect(changeByPercent(amount, percent, direction)).toBe(expected);
  });

  it.each([-1, Number.NaN])('refuses a percent of %s', (percent) => {
    expect(() => changeByPercent(100n, percent, 'up')).toThrow('percent must be');
  });
});

describe('clampMinorUnits', () => {
  it.each([
    [5n, 10n, 20n, 10n],
    [25n, 10n, 20n, 20n],
    [15n, 10n, 20n, 15n],
  ])('%s within [%s, %s] is %s', (amount, floor, ceiling, expected) => {
    expect(clampMinorUnits(amount, floor, ceiling)).toBe(expected);
  });
});

describe('money properties', () => {
  it('divides half-even like the reference', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(10n ** 18n), max: 10n ** 18n }),
        fc.bigInt({ min: 1n, max: 10n ** 9n }),
        (n, d) => {
          expect(divideHalfEven(n, d)).toBe(nearestTiesToEven(n, d));
        },
      ),
      RUNS,
    );
  });

  it('changes by a decimal percent with one half-even rounding of the exact result', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 10n ** 12n }),
        // percent = hundredths / 100, e.g. 750 → 7.5
        fc.integer({ min: 0, max: 9000 }),
        fc.constantFrom('up' as const, 'down' as const),
        (amount, hundredths, direction) => {
          const sign = direction === 'up' ? 1n : -1n;
          const exact = amount * (10_000n + sign * BigInt(hundredths));
          expect(changeByPercent(amount, hundredths / 100, direction)).toBe(
            nearestTiesToEven(exact, 10_000n),
          );
        },
      ),
      RUNS,
    );
  });

  it('converts decimal text with more decimals than the currency by one half-even rounding', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(10n ** 15n), max: 10n ** 15n }),
        fc.integer({ min: 0, max: 8 }),
        fc.integer({ min: 0, max: 4 }),
        (digits, scale, decimals) => {
          // digits × 10^-scale written out as text, e.g. 1035n, 3 → "1.035"
          const text = formatWithScale(digits, scale);
          const expected =
            decimals >= scale
              ? digits * 10n ** BigInt(decimals - scale)
              : nearestTiesToEven(digits, 10n ** BigInt(scale - decimals));
          expect(toMinorUnits(text, decimals)).toBe(expected);
        },
      ),
      RUNS,
    );
  });

  it('round-trips minor units through a number unchanged', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(10n ** 15n - 1n), max: 10n ** 15n - 1n }),
        fc.integer({ min: 0, max: 4 }),
        (amount, decimals) => {
          const price = fromMinorUnits(amount, decimals);
          expect(toMinorUnits(price, decimals)).toBe(amount);
          // An exact decimal: never more fractional digits than the currency has (no 1.0349999).
          expect((String(price).split('.')[1] ?? '').length).toBeLessThanOrEqual(decimals);
        },
      ),
      RUNS,
    );
  });
});

const formatWithScale = (digits: bigint, scale: number): string => {
  const magnitude = (digits < 0n ? -digits : digits).toString().padStart(scale + 1, '0');
  const whole = magnitude.slice(0, magnitude.length - scale);
  const fraction = magnitude.slice(magnitude.length - scale);
  return `${digits < 0n ? '-' : ''}${whole}${scale > 0 ? `.${fraction}` : ''}`;
};
