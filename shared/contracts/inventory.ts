import * as z from 'zod';

/**
 * An inventory table item (the contract with the shop's write path). Keys and quantity are
 * required; price, category and name are optional; other attributes are kept and ignored.
 * `lowStockThreshold` and `overstockThreshold` on the item override the rule's thresholds.
 */
export const InventoryItemSchema = z.looseObject({
  sku: z.string().min(1, 'sku must not be empty').max(256),
  location: z.string().min(1, 'location must not be empty').max(256),
  quantity: z.number({ error: 'quantity must be a number (N)' }).finite(),
  price: z.number().finite().nonnegative('price must not be negative').optional(),
  category: z.string().min(1).optional(),
  name: z.string().optional(),
  listed: z.boolean().optional(),
  lowStockThreshold: z.number().finite().nonnegative().optional(),
  overstockThreshold: z.number().finite().positive().optional(),
});
export type InventoryItem = z.infer<typeof InventoryItemSchema>;

/** The identity of an item: one row per (sku, location). */
export const itemKeyOf = (item: { sku: string; location: string }): string =>
  `${item.sku}#${item.location}`;
