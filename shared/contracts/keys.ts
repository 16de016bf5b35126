import { InvalidKeyError } from '../errors.js';
/**
 * The one encoding of keys built from free text (sku, location, category): distinct tuples of
 * parts never share a key, whatever characters the parts hold, and the parts come back from
 * the key.
 *
 * Each part is escaped (`\` becomes `\\`, the separator `#` becomes `\#`) and the parts are
 * joined with the separator. (Alert ids hash the same encoding with NUL as separator.) Escaping rather than length prefixes keeps
 * keys readable: a part with neither character reads as it is, so an operator still sees
 * `MUG-1#WH-1`, while `A#B` at `C` is `A\#B#C` and `A` at `B#C` is `A#B\#C`. It also leaves
 * the keys of such ordinary items as they were before this encoding existed.
 *
 * How many parts a key has is fixed by what the key is for: `[]` and `['']` both encode to
 * the empty string.
 */

/** The separator of stored and cached keys. */
export const KEY_SEPARATOR = '#';

const ESCAPE = '\\';

const checked = (separator: string): string => {
  if (separator.length !== 1 || separator === ESCAPE)
    throw new RangeError(`A key separator is one character other than "${ESCAPE}"`);
  return separator;
};

/** One part, escaped so that it holds no bare separator. */
export const escapeKeyPart = (part: string, separator = KEY_SEPARATOR): string =>
  part.includes(ESCAPE) || part.includes(checked(separator))
    ? part.replaceAll(ESCAPE, ESCAPE + ESCAPE).replaceAll(separator, ESCAPE + separator)
    : part;

/** The key of a tuple of parts. */
export const encodeKeyParts = (parts: readonly string[], separator = KEY_SEPARATOR): string =>
  parts.map((part) => escapeKeyPart(part, separator)).join(separator);

/**
 * The parts a key was encoded from. Throws {@link InvalidKeyError} when an escape is followed
 * by anything but the escape or the separator, so every key has exactly one reading.
 */
export const decodeKeyParts = (key: string, separator = KEY_SEPARATOR): string[] => {
  checked(separator);
  const parts: string[] = [];
  let part = '';
  for (let index = 0; index < key.length; index += 1) {
    const char = key.charAt(index);
    if (char === separator) {
      parts.push(part);
      part = '';
    } else if (char !== ESCAPE) {
      part += char;
    } else {
      const escaped = key.charAt(index + 1);
      if (escaped !== ESCAPE && escaped !== separator)
        throw new InvalidKeyError(
          `${JSON.stringify(key)} is not a key: write "${ESCAPE}" in a name as "${ESCAPE}${ESCAPE}" and "${separator}" as "${ESCAPE}${separator}"`,
        );
      part += escaped;
      index += 1;
    }
  }
  parts.push(part);
  return parts;
};
