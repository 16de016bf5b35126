/**
 * Money as integer minor units (cents for 2 decimals, yen for 0, fils for 3) of the configured
 * currency. Floating point cannot hold 1.035 or 1.15 × 0.9 exactly, so a price is converted
 * once from its decimal text, changed with BigInt arithmetic, rounded half-even once per
 * change, and only turned back into a number to be written to the inventory table.
 */

/** An amount in integer minor units of the currency (e.g. 115n for 1.15 with 2 decimals). */
export type MinorUnits = bigint;

/** The most decimals an ISO-4217 currency has (CLF, UYW); most have 2, some 0 or 3. */
export const MAX_CURRENCY_DECIMALS = 4;

/** Decimals used when the environment names no currency (USD, EUR, …). */
export const DEFAULT_CURRENCY_DECIMALS = 2;

// A double holds every decimal of up to 15 significant digits exactly in its shortest form, so
// amounts below 10^15 minor units survive the trip to a number and back unchanged.
const MAX_EXACT_MINOR = 10n ** 15n - 1n;

const DECIMAL = /^([+-]?)(\d+)(?:\.(\d*))?(?:e([+-]?\d+))?$/i;

const pow10 = (exponent: number): bigint => 10n ** BigInt(exponent);

const assertDecimals = (decimals: number): void => {
  if (!Number.isInteger(decimals) || decimals < 0 || decimals > MAX_CURRENCY_DECIMALS) {
    throw new RangeError(
      `currency decimals must be an integer from 0 to ${MAX_CURRENCY_DECIMALS}, got ${decimals}`,
    );
  }
};

/**
 * Parses decimal text (as `String(number)` writes it, exponent included) into an integer
 * coefficient and a power of ten: `"1.15"` → `{ coefficient: 115n, exponent: -2 }`.
 */
const parseDecimal = (text: string): { coefficient: bigint; exponent: number } => {
  const match = DECIMAL.exec(text.trim());
  if (!match) throw new RangeError(`"${text}" is not a finite decimal number`);
  const [, sign = '', whole = '', fraction = '', exponent = '0'] = match;
  const coefficient = BigInt(`${whole}${fraction}`);
  return {
    coefficient: sign === '-' ? -coefficient : coefficient,
    exponent: Number(exponent) - fraction.length,
  };
};

/**
 * `numerator / denominator` rounded to the nearest integer, ties to the even neighbour
 * (banker's rounding), so that repeated changes do not drift up or down on average.
 * @throws RangeError when `denominator` is not positive.
 */
export const divideHalfEven = (numerator: bigint, denominator: bigint): bigint => {
  if (denominator <= 0n) throw new RangeError('denominator must be positive');
  // BigInt division truncates toward zero; work on the magnitude and put the sign back.
  const magnitude = numerator < 0n ? -numerator : numerator;
  let quotient = magnitude / denominator;
  const twiceRemainder = (magnitude % denominator) * 2n;
  if (twiceRemainder > denominator || (twiceRemainder === denominator && quotient % 2n === 1n)) {
    quotient += 1n;
  }
  return numerator < 0n ? -quotient : quotient;
};

/**
 * Converts a price in major units (as stored: a number, or its decimal text) to minor units,
 * from its decimal representation rather than by multiplying floats. A value with more
 * decimals than the currency has is rounded half-even once: 1.035 → 104n with 2 decimals.
 * @throws RangeError when the price is not a finite number or `decimals` is not 0–4.
 */
export const toMinorUnits = (price: number | string, decimals: number): MinorUnits => {
  assertDecimals(decimals);
  if (typeof price === 'number' && !Number.isFinite(price)) {
    throw new RangeError(`price must be a finite number, got ${price}`);
  }
  const { coefficient, exponent } = parseDecimal(String(price));
  const shift = exponent + decimals;
  return shift >= 0 ? coefficient * pow10(shift) : divideHalfEven(coefficient, pow10(-shift));
};

/**
 * Writes minor units as decimal text in major units with all the currency's decimals:
 * 500n with 2 decimals → `"5.00"`. For reasons and logs, where "5" would hide the currency.
 */
export const formatMinorUnits = (amount: MinorUnits, decimals: number): string => {
  assertDecimals(decimals);
  const magnitude = (amount < 0n ? -amount : amount).toString().padStart(decimals + 1, '0');
  const whole = magnitude.slice(0, magnitude.length - decimals);
  const fraction = magnitude.slice(magnitude.length - decimals);
  return `${amount < 0n ? '-' : ''}${whole}${decimals > 0 ? `.${fraction}` : ''}`;
};

/**
 * Converts minor units back to a number in major units, the inventory table's contract:
 * 104n with 2 decimals → 1.04 (the double whose shortest form is exactly "1.04").
 * @throws RangeError beyond 15 significant digits, where a double would no longer be exact.
 */
export const fromMinorUnits = (amount: MinorUnits, decimals: number): number => {
  if (amount > MAX_EXACT_MINOR || amount < -MAX_EXACT_MINOR) {
    throw new RangeError(`amount ${amount} minor units is too large to be written exactly`);
  }
  return Number(formatMinorUnits(amount, decimals));
};

/**
 * Changes an amount by `percent` % up or down, exactly (a decimal percent such as 7.5 is taken
 * as the fraction 75/1000, not as a float) and rounded half-even once:
 * 115n down 10 % → 103.5 → 104n.
 * @throws RangeError when `percent` is negative or not finite.
 */
export const changeByPercent = (
  amount: MinorUnits,
  percent: number,
  direction: 'up' | 'down',
): MinorUnits => {
  if (!Number.isFinite(percent) || percent < 0) {
    throw new RangeError(`percent must be a non-negative finite number, got ${percent}`);
  }
  // percent = coefficient × 10^exponent; over a common denominator of 100 × 10^scale.
  const { coefficient, exponent } = parseDecimal(String(percent));
  const scale = Math.max(0, -exponent);
  const change = coefficient * pow10(exponent + scale);
  const whole = 100n * pow10(scale);
  const factor = direction === 'up' ? whole + change : whole - change;
  return divideHalfEven(amount * factor, whole);
};

/** `amount` held within [floor, ceiling] (Math.min and Math.max do not take BigInts). */
export const clampMinorUnits = (
  amount: MinorUnits,
  floor: MinorUnits,
  ceiling: MinorUnits,
): MinorUnits => {
  if (amount < floor) return floor;
  if (amount > ceiling) return ceiling;
  return amount;
};
