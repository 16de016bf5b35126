import { InvalidKeyError } from '../errors.js';
import { itemKeyOf, itemOfKey } from './inventory.js';

/**
 * Table definitions: the one source for the stack, the local sandbox and the tests.
 */
export interface KeyAttribute {
  readonly name: string;
  readonly type: 'S' | 'N';
}

export interface TableDefinition {
  readonly partitionKey: KeyAttribute;
  readonly sortKey?: KeyAttribute;
  readonly stream?: 'NEW_AND_OLD_IMAGES';
  readonly timeToLiveAttribute?: string;
  readonly globalSecondaryIndexes?: readonly {
    readonly indexName: string;
    readonly partitionKey: KeyAttribute;
    readonly sortKey: KeyAttribute;
  }[];
}

/** Inventory: one row per (sku, location); the stream is what the stock-monitor consumes. */
export const INVENTORY_TABLE: TableDefinition = {
  partitionKey: { name: 'sku', type: 'S' },
  sortKey: { name: 'location', type: 'S' },
  stream: 'NEW_AND_OLD_IMAGES',
};

/**
 * Control: rules, alert state, demand, purchase orders and the audit ledger in one table.
 *
 * | item               | pk                          | sk                         |
 * |--------------------|-----------------------------|----------------------------|
 * | rule               | `RULE#<ruleKey>`            | `RULE`                     |
 * | alert state        | `ITEM#<sku>#<location>`     | `ALERTS`                   |
 * | demand per day     | `ITEM#<sku>#<location>`     | `DEMAND#<yyyy-mm-dd>`      |
 * | open-order lock    | `ITEM#<sku>#<location>`     | `OPEN_ORDER`               |
 * | purchase order     | `ITEM#<sku>#<location>`     | `ORDER#<orderId>`          |
 * | reprice counter    | `ITEM#<sku>#<location>`     | `REPRICE#<period start>`   |
 * | ledger entry       | `ITEM#<sku>#<location>`     | `LEDGER#<at>#<alertId>#…`  |
 *
 * Every sku, location and category in a key is escaped by contracts/keys.ts (`#` as `\#`,
 * `\` as `\\`; `<ruleKey>` is `default`, `category#<category>`, `sku#<sku>` or
 * `sku#<sku>#location#<location>`), so distinct items and scopes never share a partition.
 *
 * The `byKind` index lists one kind across items (`kind` = RULE, ORDER, LEDGER, ALERTS) in
 * time order, for the operator CLI and reports. Expiring items carry `expiresAt` (TTL).
 */
export const CONTROL_TABLE: TableDefinition = {
  partitionKey: { name: 'pk', type: 'S' },
  sortKey: { name: 'sk', type: 'S' },
  timeToLiveAttribute: 'expiresAt',
  globalSecondaryIndexes: [
    {
      indexName: 'byKind',
      partitionKey: { name: 'kind', type: 'S' },
      sortKey: { name: 'at', type: 'S' },
    },
  ],
};

/** Idempotency records of the strategy-executor (Powertools persistence layout). */
export const IDEMPOTENCY_TABLE: TableDefinition = {
  partitionKey: { name: 'id', type: 'S' },
  timeToLiveAttribute: 'expiration',
};

/** Control-table keys. */
export const ControlKeys = {
  rule: (ruleKey: string) => ({ pk: `RULE#${ruleKey}`, sk: 'RULE' }),
  alertState: (sku: string, location: string) => ({ pk: itemPk(sku, location), sk: 'ALERTS' }),
  demandDay: (sku: string, location: string, day: string) => ({
    pk: itemPk(sku, location),
    sk: `DEMAND#${day}`,
  }),
  openOrder: (sku: string, location: string) => ({ pk: itemPk(sku, location), sk: 'OPEN_ORDER' }),
  order: (sku: string, location: string, orderId: string) => ({
    pk: itemPk(sku, location),
    sk: `ORDER#${orderId}`,
  }),
  /** A stream record that can never succeed, kept for 14 days (`dlq list`, `dlq replay`). */
  quarantine: (day: string, eventId: string) => ({ pk: `QUARANTINE#${day}`, sk: eventId }),
  repriceCounter: (sku: string, location: string, periodStart: string) => ({
    pk: itemPk(sku, location),
    sk: `REPRICE#${periodStart}`,
  }),
  ledger: (sku: string, location: string, at: string, alertId: string, suffix: string) => ({
    pk: itemPk(sku, location),
    sk: `LEDGER#${at}#${alertId}#${suffix}`,
  }),
} as const;

const ITEM_PREFIX = 'ITEM#';

/** The control-table partition of an item: `ITEM#` and its {@link itemKeyOf} key. */
export const itemPk = (sku: string, location: string): string =>
  `${ITEM_PREFIX}${itemKeyOf({ sku, location })}`;

/** The (sku, location) whose partition an {@link itemPk} key is. */
export const itemOfPk = (pk: string): { sku: string; location: string } => {
  if (!pk.startsWith(ITEM_PREFIX))
    throw new InvalidKeyError(
      `${JSON.stringify(pk)} is not an item partition: it starts with ITEM#`,
    );
  return itemOfKey(pk.slice(ITEM_PREFIX.length));
};
