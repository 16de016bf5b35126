import * as z from 'zod/mini';
import { config } from 'zod/mini';
import en from 'zod/v4/locales/en.js';
import { closest } from './suggest.js';

/**
 * zod/mini carries no messages of its own ("Invalid input" for everything): give it the
 * English ones classic zod sets, so a bad record or rule reads the same whichever API checked
 * it. Imported for its effect by every module that defines schemas with zod/mini.
 */
config(en());

/**
 * The error of a strict object: an unknown key is named with the key it is probably a typo of
 * (`unknown key 'unit' (expected 'units')`), or the keys the object takes.
 */
export const unknownKeyError =
  (keys: readonly string[]) =>
  (issue: { code?: string; keys?: readonly string[]; input?: unknown }): string | undefined => {
    if (issue.code !== 'unrecognized_keys') return undefined;
    const given = Object.keys((issue.input ?? {}) as object);
    const missing = keys.filter((key) => !given.includes(key));
    return (issue.keys ?? [])
      .map((key) => {
        const match = closest(key, missing) ?? closest(key, keys);
        const expected = match ? `'${match}'` : `one of ${keys.map((k) => `'${k}'`).join(', ')}`;
        return `unknown key '${key}' (expected ${expected})`;
      })
      .join('; ');
  };

/** A strict object whose unknown keys are reported by {@link unknownKeyError}. */
export const strictObjectOf = <Shape extends z.core.$ZodLooseShape>(shape: Shape) =>
  z.strictObject(shape, { error: unknownKeyError(Object.keys(shape)) });
