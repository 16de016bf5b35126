import { createHash } from 'node:crypto';
import { utcDaysBetween } from '../domain/days.js';
import { InvalidKeyError } from '../errors.js';
import { itemKeyOf, itemOfKey } from './inventory.js';
import { encodeKeyParts, escapeKeyPart } from './keys.js';

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
 * | item               | pk                          | sk                                     |
 * |--------------------|-----------------------------|----------------------------------------|
 * | rule               | `RULE#<ruleKey>`            | `RULE`                                 |
 * | rules directory    | `RULEDIR`                   | `HEAD`, `SHARD#<n>`                    |
 * | alert state        | `ITEM#<sku>#<location>`     | `ALERTS`                               |
 * | demand per day     | `ITEM#<sku>#<location>`     | `DEMAND#<yyyy-mm-dd>`                  |
 * | demand journal     | `DEMANDLOG#<day>#<bucket>`  | `<first seq>#<last seq>#<part>`        |
 * | demand roll-up     | `DEMANDROLLUP`              | `MARKER`                               |
 * | open-order lock    | `ITEM#<sku>#<location>`     | `OPEN_ORDER`                           |
 * | reprice counter    | `ITEM#<sku>#<location>`     | `REPRICE#<period start>`               |
 * | ledger entry       | `ITEM#<sku>#<location>`     | `LEDGER#<alertId>#<transition>#<what>` |
 * | digest buffer      | `ITEM#<sku>#<location>`     | `DIGEST#<alertId>#<transition>`        |
 * | purchase order     | `ORDER#<orderId>`           | `ORDER`                                |
 *
 * Every sku, location and category in a key is escaped by contracts/keys.ts (`#` as `\#`,
 * `\` as `\\`; `<ruleKey>` is `default`, `category#<category>`, `sku#<sku>` or
 * `sku#<sku>#location#<location>`), so distinct items and scopes never share a partition.
 *
 * A ledger entry is keyed by what it is about, never by when: one entry per alert, transition
 * and strategy (the executor's effects), which is what makes each effect once-only. Entries
 * the operator's commands write use the same scheme with their own deterministic ids (an
 * order's receipt, cancellation and expiry under the alert that raised it; an applied
 * threshold suggestion under {@link operatorEntryId}). A purchase order lives under its own id
 * (`PO-<alertId>`), so `orders receive <orderId>` reads it by key.
 *
 * The `byKind` index lists one kind across items in time order (`at`). Its partition values
 * are write-sharded (see {@link ControlIndex}): `RULE`; `ALERTS#<shard>` on alert states with
 * an alert open (the index is sparse: a state with none open carries no index attributes);
 * `ORDER#<yyyy-mm-dd>#<shard>`, `LEDGER#<yyyy-mm-dd>#<shard>` and `DIGEST#<yyyy-mm-dd>#<shard>`
 * by the UTC day of `at`.
 * Expiring items carry `expiresAt` (TTL).
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

/**
 * Partitions of a day's demand journal: an entry of a full batch is up to ~100 write units,
 * and one partition takes about 1,000 a second, so a busy day's batches are spread over 8 (the
 * roll-up reads all 8: 8 queries a day).
 */
export const DEMAND_JOURNAL_BUCKETS = 8;

/** How every demand journal partition key begins (the demand-recorder may write only there). */
export const DEMAND_JOURNAL_PREFIX = 'DEMANDLOG#';

/** The partition of the digest windows' marks: all the digest-sender writes to the table. */
export const DIGEST_WINDOW_PARTITION = 'DIGESTWINDOW';

/** Control-table keys. */
export const ControlKeys = {
  rule: (ruleKey: string) => ({ pk: `RULE#${ruleKey}`, sk: 'RULE' }),
  /** The item-scoped rule keys that exist (adapters/rules-directory.ts): its head, its shards. */
  rulesDirectoryHead: () => ({ pk: 'RULEDIR', sk: 'HEAD' }),
  rulesDirectoryShard: (shard: number) => ({ pk: 'RULEDIR', sk: `SHARD#${shard}` }),
  alertState: (sku: string, location: string) => ({ pk: itemPk(sku, location), sk: 'ALERTS' }),
  demandDay: (sku: string, location: string, day: string) => ({
    pk: itemPk(sku, location),
    sk: `DEMAND#${day}`,
  }),
  /**
   * A journal entry: a stream batch's demand deltas of one UTC day (part `part` of them),
   * under one of {@link DEMAND_JOURNAL_BUCKETS} partitions of the day, chosen by the sort key.
   */
  demandJournal: (day: string, bucket: number, sk: string) => ({
    pk: `${DEMAND_JOURNAL_PREFIX}${day}#${bucket}`,
    sk,
  }),
  /** The last UTC day whose journal was rolled up into demand days. */
  demandRollup: () => ({ pk: 'DEMANDROLLUP', sk: 'MARKER' }),
  openOrder: (sku: string, location: string) => ({ pk: itemPk(sku, location), sk: 'OPEN_ORDER' }),
  order: (orderId: string) => ({ pk: `ORDER#${escapeKeyPart(orderId)}`, sk: 'ORDER' }),
  /** A stream record that can never succeed, kept for 14 days (`dlq list`, `dlq replay`). */
  quarantine: (day: string, eventId: string) => ({ pk: `QUARANTINE#${day}`, sk: eventId }),
  repriceCounter: (sku: string, location: string, periodStart: string) => ({
    pk: itemPk(sku, location),
    sk: `REPRICE#${periodStart}`,
  }),
  /** The one ledger key: once per (alert, transition, strategy) of an item. */
  ledger: (sku: string, location: string, alertId: string, transition: string, what: string) => ({
    pk: itemPk(sku, location),
    sk: `LEDGER#${encodeKeyParts([alertId, transition, what])}`,
  }),
  /** A digest window a tick is done with (sent or skipped): later ticks do not close it again. */
  digestWindow: (minutes: number, until: string) => ({
    pk: DIGEST_WINDOW_PARTITION,
    sk: `${minutes}#${until}`,
  }),
  /** An announced crossing kept for digests until its TTL: once per (alert, transition). */
  digestEntry: (sku: string, location: string, alertId: string, transition: string) => ({
    pk: itemPk(sku, location),
    sk: `DIGEST#${encodeKeyParts([alertId, transition])}`,
  }),
} as const;

/**
 * The id under which an operator's command ledgers a change that no alert caused (an applied
 * threshold suggestion): the same input always gives the same id, so a retried write of the
 * same change finds its entry instead of writing a second.
 */
export const operatorEntryId = (what: string, ...parts: readonly string[]): string =>
  `${what}-${createHash('sha256').update(encodeKeyParts(parts, '\u0000')).digest('base64url').slice(0, 22)}`;

/** How the `byKind` index is written and read; per environment (infra/config). */
export interface ControlIndexSettings {
  /** Partition values per kind and day (ALERTS: in all); raise it, never lower it. */
  readonly shards: number;
  /** An open order older than this no longer blocks a new one for the same item. */
  readonly openOrderMaxAgeDays: number;
}

/**
 * 8 shards: about 8,000 ledger entries a second sustained per kind, far above what the
 * pipeline writes at the configured stream concurrency, for 8 queries per day read.
 */
export const DEFAULT_INDEX_SHARDS = 8;
/** Two weeks: longer than a supplier's usual lead time, short enough that a lost order does not block restocking for long. */
export const DEFAULT_OPEN_ORDER_MAX_AGE_DAYS = 14;
export const MAX_INDEX_SHARDS = 64;

export const DEFAULT_CONTROL_INDEX: ControlIndexSettings = {
  shards: DEFAULT_INDEX_SHARDS,
  openOrderMaxAgeDays: DEFAULT_OPEN_ORDER_MAX_AGE_DAYS,
};

/** The kinds the `byKind` index lists. */
export type IndexedKind = 'RULE' | 'ALERTS' | 'ORDER' | 'LEDGER' | 'DIGEST';

/**
 * The write-sharded partition values of the `byKind` index. One partition value takes about
 * 1,000 write units a second, and a throttled index throttles the base-table write: so each
 * item's index entry goes to one of `shards` values chosen by a hash of its table key, and
 * dated kinds start a new set of values every UTC day. Readers query every shard of each day
 * of their window in parallel and merge by `at`.
 */
export const ControlIndex = {
  name: 'byKind',
  /** The shard of a table key: stable, so rewriting an item keeps it in its shard. */
  shardOf: (key: { pk: string; sk: string }, shards: number): number =>
    createHash('sha256').update(`${key.pk}\u0000${key.sk}`).digest().readUInt32BE(0) % shards,
  /** The index attributes of an item of `kind` at `at` (ISO-8601). */
  attributes: (
    kind: Exclude<IndexedKind, 'RULE'>,
    key: { pk: string; sk: string },
    at: string,
    shards: number,
  ): { kind: string; at: string } => {
    const shard = ControlIndex.shardOf(key, shards);
    return {
      kind: kind === 'ALERTS' ? `ALERTS#${shard}` : `${kind}#${at.slice(0, 10)}#${shard}`,
      at,
    };
  },
  /** Every partition value holding items of `kind` whose `at` lies in [since, until]. */
  partitions: (
    kind: IndexedKind,
    shards: number,
    window?: { since: string; until: string },
  ): string[] => {
    if (kind === 'RULE') return ['RULE'];
    const all = Array.from({ length: shards }, (_, shard) => shard);
    if (kind === 'ALERTS') return all.map((shard) => `ALERTS#${shard}`);
    if (!window) throw new RangeError(`${kind} is read by time window: give since and until`);
    return utcDaysBetween(window.since, window.until).flatMap((day) =>
      all.map((shard) => `${kind}#${day}#${shard}`),
    );
  },
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
