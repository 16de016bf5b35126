import * as z from 'zod/mini';
import { InvalidKeyError } from '../errors.js';
import { lazySchema } from '../lazy-schema.js';
import '../zod-messages.js';
import { decodeKeyParts, encodeKeyParts } from './keys.js';

/**
 * An inventory table item (the contract with the shop's write path). Keys and quantity are
 * required; price, category and name are optional; other attributes are kept and ignored.
 * `lowStockThreshold` and `overstockThreshold` on the item override the rule's thresholds.
 */
export const InventoryItemSchema = lazySchema(() =>
  z.looseObject({
    sku: z.string().check(z.minLength(1, 'sku must not be empty'), z.maxLength(256)),
    location: z.string().check(z.minLength(1, 'location must not be empty'), z.maxLength(256)),
    // zod's numbers are finite: NaN and ±Infinity are refused.
    quantity: z.number({ error: 'quantity must be a number (N)' }),
    price: z.optional(z.number().check(z.nonnegative('price must not be negative'))),
    category: z.optional(z.string().check(z.minLength(1))),
    name: z.optional(z.string()),
    listed: z.optional(z.boolean()),
    lowStockThreshold: z.optional(z.number().check(z.nonnegative())),
    overstockThreshold: z.optional(z.number().check(z.positive())),
  }),
);
export type InventoryItem = z.infer<typeof InventoryItemSchema>;

/**
 * The identity of an item: one row per (sku, location), as one string for maps and caches.
 * Encoded by {@link encodeKeyParts}, so distinct items never share it: `MUG-1#WH-1`, `A\#B#C`.
 */
export const itemKeyOf = (item: { sku: string; location: string }): string =>
  encodeKeyParts([item.sku, item.location]);

/** The (sku, location) an {@link itemKeyOf} key was made from. */
export const itemOfKey = (itemKey: string): { sku: string; location: string } => {
  const [sku, location, ...rest] = decodeKeyParts(itemKey);
  if (location === undefined || rest.length > 0 || sku === undefined)
    throw new InvalidKeyError(
      `${JSON.stringify(itemKey)} is not an item key: expected <sku>#<location>, with "#" and "\\" in either written as "\\#" and "\\\\"`,
    );
  return { sku, location };
};
