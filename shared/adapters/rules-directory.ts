import { createHash, randomUUID } from 'node:crypto';
import {
  ConditionalCheckFailedException,
  TransactionCanceledException,
  TransactionConflictException,
} from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  ScanCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { ControlKeys } from '../contracts/tables.js';
import {
  RulesDirectoryContendedError,
  RulesDirectoryFullError,
  RulesReindexIncompleteError,
} from '../errors.js';
import { batchGetAll } from './batch-get.js';
import type { TransactItems } from './transact.js';

/**
 * The rules directory (issue #18): the set of item-scoped rule keys (`sku#…` and
 * `sku#…#location#…`) whose control item holds a rule or an overlay, so that a reader skips
 * the item keys it does not name instead of reading them at every change. It is a superset:
 * every write that can create such an item adds its key in the same transaction, a delete that
 * empties the item removes it, and an overlay that expires by TTL stays named until the next
 * `rules reindex` (a wasted read, never a missed rule).
 *
 * Stored as a head item (state, shard count, each shard's version) and {@link DIRECTORY_SHARDS}
 * shard items holding a string set each, by key hash: a shard is one DynamoDB item, bounded by
 * its 400 KB limit, and a reader reloads only the shards whose version moved.
 */

/** Shard items of the directory: 8 × 400 KB, some 80,000 item keys of 40 bytes. */
export const DIRECTORY_SHARDS = 8;

/** Whether a rule key is scoped to an item (sku, or sku and location): the keys the directory holds. */
export const isItemScoped = (ruleKey: string): boolean => ruleKey.startsWith('sku#');

/** The shard a key lives in: a stable hash, so every writer and reader agrees. */
export const shardOf = (ruleKey: string, shards = DIRECTORY_SHARDS): number =>
  createHash('sha256').update(ruleKey).digest().readUInt32BE(0) % shards;

/** The head as stored: a reader trusts the directory only once it is `ready`. */
export interface DirectoryHead {
  readonly state: 'building' | 'ready';
  readonly shards: number;
  /** Each shard's version (0: never written, empty), as a map from its number. */
  readonly versions: Readonly<Record<string, number>>;
  /**
   * Random, set when the head is created: a directory deleted and built again restarts its
   * versions at 1, and a reader that cached shards of the old one must not trust them.
   * Absent on heads written before it existed.
   */
  readonly generation?: string;
}

/** How a rule write changes the directory: its keys added, or removed. */
export type DirectoryChange = 'ADD' | 'DELETE';

/** What a reader knows: whether a key may hold a rule or overlay, fresh until `expiresAt`. */
export interface DirectoryView {
  readonly mayHold: (ruleKey: string) => boolean;
  readonly expiresAt: number;
}

const isHead = (
  item: Record<string, unknown> | undefined,
): item is Record<string, unknown> & DirectoryHead =>
  item !== undefined &&
  (item.state === 'building' || item.state === 'ready') &&
  typeof item.shards === 'number' &&
  typeof item.versions === 'object';

/** Keys by the shard they live in. */
const groupByShard = (keys: Iterable<string>, shards: number): Map<number, string[]> => {
  const byShard = new Map<number, string[]>();
  for (const key of keys) {
    const shard = shardOf(key, shards);
    const inShard = byShard.get(shard);
    if (inShard) inShard.push(key);
    else byShard.set(shard, [key]);
  }
  return byShard;
};

/**
 * The items of a ready directory naming `ruleKeys` (its item-scoped ones), each shard at
 * version 1: what a table seeded with those rules holds after `rules reindex`.
 */
export const directoryItems = (ruleKeys: Iterable<string>): Record<string, unknown>[] => {
  const byShard = groupByShard([...ruleKeys].filter(isItemScoped), DIRECTORY_SHARDS);
  const versions = Array.from({ length: DIRECTORY_SHARDS }, (_, s) => [
    String(s),
    byShard.has(s) ? 1 : 0,
  ]);
  return [
    {
      ...ControlKeys.rulesDirectoryHead(),
      state: 'ready',
      shards: DIRECTORY_SHARDS,
      versions: Object.fromEntries(versions),
      generation: randomUUID(),
    },
    ...[...byShard].map(([shard, keys]) => ({
      ...ControlKeys.rulesDirectoryShard(shard),
      version: 1,
      keys: new Set(keys),
    })),
  ];
};

/** The head's attribute names for one shard's version (`versions.<n>`). */
const versionPath = (shard: number) => `#versions.#s${shard}`;

/**
 * Transaction items that keep the directory in step with a rule write: add (or remove) `keys`
 * in their shards and move those shards' versions in the head. With no head (a table written
 * by an earlier release) the write only checks that none appeared since it was read, so that a
 * `rules reindex` that starts meanwhile cannot miss it.
 */
export const directoryUpdates = (
  tableName: string,
  head: DirectoryHead | undefined,
  keys: readonly string[],
  change: DirectoryChange,
): TransactItems => {
  const itemKeys = [...new Set(keys.filter(isItemScoped))];
  if (itemKeys.length === 0) return [];
  if (!head)
    return [
      {
        ConditionCheck: {
          TableName: tableName,
          Key: ControlKeys.rulesDirectoryHead(),
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
    ];
  const byShard = groupByShard(itemKeys, head.shards);
  const shards = [...byShard.keys()];
  return [
    ...[...byShard].map(([shard, shardKeys]) => ({
      Update: {
        TableName: tableName,
        Key: ControlKeys.rulesDirectoryShard(shard),
        // One ADD clause at most: DynamoDB refuses two.
        UpdateExpression:
          change === 'ADD'
            ? 'ADD version :one, #keys :keys'
            : 'ADD version :one DELETE #keys :keys',
        ExpressionAttributeNames: { '#keys': 'keys' },
        ExpressionAttributeValues: { ':one': 1, ':keys': new Set(shardKeys) },
      },
    })),
    {
      Update: {
        TableName: tableName,
        Key: ControlKeys.rulesDirectoryHead(),
        UpdateExpression: `SET ${shards.map((s) => `${versionPath(s)} = ${versionPath(s)} + :one`).join(', ')}`,
        // A head rebuilt with another shard count since it was read: read it again.
        ConditionExpression: 'shards = :shards',
        ExpressionAttributeNames: {
          '#versions': 'versions',
          ...Object.fromEntries(shards.map((s) => [`#s${s}`, String(s)])),
        },
        ExpressionAttributeValues: { ':one': 1, ':shards': head.shards },
      },
    },
  ];
};

/** The index of the transaction item that would pass DynamoDB's 400 KB item limit, or -1. */
const tooLargeAt = (error: TransactionCanceledException): number =>
  (error.CancellationReasons ?? []).findIndex((reason) =>
    /exceeded the maximum allowed size/i.test(reason.Message ?? ''),
  );

/** Reads the head strongly consistent: what a write that keeps the directory in step needs. */
export const readDirectoryHead = async (
  doc: DynamoDBDocumentClient,
  tableName: string,
): Promise<DirectoryHead | undefined> => {
  const { Item } = await doc.send(
    new GetCommand({
      TableName: tableName,
      Key: ControlKeys.rulesDirectoryHead(),
      ConsistentRead: true,
    }),
  );
  return isHead(Item) ? Item : undefined;
};

/**
 * Tries of a write to the directory before giving up: every item-scoped rule write updates
 * the one head item, so writers (an import, a snooze, a reindex) meet there.
 */
export const DIRECTORY_WRITE_ATTEMPTS = 8;

/**
 * Whether a write failed only on what trying again fixes, none of which the SDK retries:
 * another transaction holding one of its items (TransactionConflict, on a transaction or a
 * plain write), throttling inside a transaction, or, from index `directoryFrom` on, a
 * directory item that moved since the head was read.
 */
const worthRetrying = (error: unknown, directoryFrom = Number.POSITIVE_INFINITY): boolean => {
  if (error instanceof TransactionConflictException) return true;
  if (!(error instanceof TransactionCanceledException)) return false;
  const failed = (error.CancellationReasons ?? []).flatMap((reason, index) =>
    reason.Code && reason.Code !== 'None' ? [{ code: reason.Code, index }] : [],
  );
  return (
    failed.length > 0 &&
    failed.every(
      ({ code, index }) =>
        code === 'TransactionConflict' ||
        code === 'ThrottlingError' ||
        (code === 'ConditionalCheckFailed' && index >= directoryFrom),
    )
  );
};

/** Full jitter over an exponential ceiling: writers that met once do not meet again in step. */
const backOff = (attempt: number) =>
  new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(500, 10 * 2 ** attempt)));

/**
 * Runs `write` (which reads what it needs afresh each time) until it succeeds, again after a
 * jittered backoff while `retry` says so, at most {@link DIRECTORY_WRITE_ATTEMPTS} times; then
 * throws {@link RulesDirectoryContendedError} naming `keys`, none of them written.
 */
const withRetries = async <T>(
  keys: readonly string[],
  retry: (error: unknown) => boolean,
  write: () => Promise<T>,
): Promise<T> => {
  for (let attempt = 1; ; attempt++) {
    try {
      return await write();
    } catch (error) {
      if (!retry(error)) throw error;
      if (attempt >= DIRECTORY_WRITE_ATTEMPTS)
        throw new RulesDirectoryContendedError(keys, attempt, { cause: error });
      await backOff(attempt);
    }
  }
};

/**
 * Sends a rule write with its directory items (built from the head read first), and again,
 * reading the head afresh, when another writer held an item of it or a `rules reindex`
 * created or rebuilt the head in between. A shard past DynamoDB's item limit refuses the whole
 * transaction: {@link RulesDirectoryFullError}, nothing written.
 */
export const sendWithDirectory = async (
  doc: DynamoDBDocumentClient,
  tableName: string,
  own: TransactItems,
  keys: readonly string[],
  change: DirectoryChange,
): Promise<void> => {
  const directory = async () =>
    keys.some(isItemScoped)
      ? directoryUpdates(tableName, await readDirectoryHead(doc, tableName), keys, change)
      : [];
  await withRetries(
    keys,
    (error) => worthRetrying(error, own.length),
    async () => {
      try {
        const TransactItems = [...own, ...(await directory())];
        await doc.send(new TransactWriteCommand({ TransactItems }));
      } catch (error) {
        if (error instanceof TransactionCanceledException && tooLargeAt(error) >= own.length)
          throw new RulesDirectoryFullError(keys);
        throw error;
      }
    },
  );
};

/**
 * The directory as a reader sees it, cached for a TTL: one eventually consistent read of the
 * head per TTL, and of the shards whose version moved since they were read. Undefined when the
 * table has no ready directory: the reader then reads every item key, as before.
 */
export class RulesDirectoryReader {
  /** What the head read last said, until `expiresAt`: a view when it was ready, else none. */
  private cached:
    | { readonly view: DirectoryView | undefined; readonly expiresAt: number }
    | undefined;
  private readonly shards = new Map<number, { version: number; keys: ReadonlySet<string> }>();
  /** The head's generation the cached shards belong to. */
  private generation: string | undefined;

  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly ttlMs: number,
    private readonly clock: () => number,
  ) {}

  /** Forgets the head read, so the next {@link current} reads it again: after a write through this container. */
  invalidate(): void {
    this.cached = undefined;
  }

  async current(): Promise<DirectoryView | undefined> {
    const now = this.clock();
    if (this.cached && this.cached.expiresAt > now) return this.cached.view;
    // By BatchGetItem, which the functions' IAM policies grant (the monitor's has no GetItem).
    const [item] = await batchGetAll(this.doc, this.tableName, [ControlKeys.rulesDirectoryHead()], {
      consistent: false,
    });
    const head = isHead(item) ? item : undefined;
    const expiresAt = now + this.ttlMs;
    if (head?.state !== 'ready') {
      this.cached = { view: undefined, expiresAt };
      return undefined;
    }
    await this.reloadMoved(head);
    const shardCount = head.shards;
    const shards = this.shards;
    const view = {
      expiresAt,
      mayHold: (key: string) => shards.get(shardOf(key, shardCount))?.keys.has(key) ?? false,
    };
    this.cached = { view, expiresAt };
    return view;
  }

  /** Reads the shards whose version in the head differs from the one read last. */
  private async reloadMoved(head: DirectoryHead): Promise<void> {
    if (head.generation !== this.generation) this.shards.clear();
    this.generation = head.generation;
    for (const shard of this.shards.keys()) if (shard >= head.shards) this.shards.delete(shard);
    const moved: number[] = [];
    for (let shard = 0; shard < head.shards; shard++) {
      const version = head.versions[String(shard)] ?? 0;
      if (version === 0) this.shards.set(shard, { version: 0, keys: new Set() });
      else if (this.shards.get(shard)?.version !== version) moved.push(shard);
    }
    if (moved.length === 0) return;
    const items = await batchGetAll(
      this.doc,
      this.tableName,
      moved.map((shard) => ControlKeys.rulesDirectoryShard(shard)),
      { consistent: false },
    );
    const bySk = new Map(items.map((item) => [String(item.sk), item]));
    for (const shard of moved) {
      const item = bySk.get(ControlKeys.rulesDirectoryShard(shard).sk);
      // The shard's own version, not the head's: a stale replica is read again next time.
      this.shards.set(shard, {
        version: typeof item?.version === 'number' ? item.version : 0,
        keys: item?.keys instanceof Set ? (item.keys as Set<string>) : new Set(),
      });
    }
  }
}

/** What `rules reindex` found and wrote. */
export interface DirectoryBuild {
  readonly keys: number;
  readonly shards: number;
  /** Shards written by a rule write during the scan, merged instead of replaced. */
  readonly merged: number;
}

/**
 * Builds (or rebuilds) the directory from the rules and overlays stored, for `rules reindex`:
 * 1. create the head as `building` if there is none, so every rule write from now on keeps
 *    the shards in step while the scan runs (readers ignore it until it is ready);
 * 2. read each shard's version, then scan the control table's rule items, strongly consistent
 *    (a one-off migration: the pipeline itself never scans);
 * 3. replace each shard with what the scan found, conditional on its version: a shard that a
 *    rule write touched meanwhile gets the scan's keys added instead, so it stays a superset;
 * 4. mark the head `ready`.
 * A run that stops part-way (other writers conflicting through every retry, a shard full)
 * throws {@link RulesReindexIncompleteError}: the head stays as it was, or `building`.
 */
export const buildRulesDirectory = async (
  doc: DynamoDBDocumentClient,
  tableName: string,
): Promise<DirectoryBuild> => {
  try {
    const shards = (await readDirectoryHead(doc, tableName))?.shards ?? DIRECTORY_SHARDS;
    await createHeadIfMissing(doc, tableName);
    const before = await batchGetAll(
      doc,
      tableName,
      Array.from({ length: shards }, (_, shard) => ControlKeys.rulesDirectoryShard(shard)),
    );
    const versions = new Map(before.map((item) => [String(item.sk), Number(item.version ?? 0)]));
    const found = await scanItemScopedKeys(doc, tableName);
    const byShard = groupByShard(found, shards);
    let merged = 0;
    for (let shard = 0; shard < shards; shard++) {
      const version = versions.get(ControlKeys.rulesDirectoryShard(shard).sk) ?? 0;
      const keys = byShard.get(shard) ?? [];
      if (!(await replaceShard(doc, tableName, shard, version, keys))) {
        merged++;
        if (keys.length > 0) await sendWithDirectory(doc, tableName, [], keys, 'ADD');
      }
    }
    await markReady(doc, tableName);
    return { keys: found.size, shards, merged };
  } catch (error) {
    throw new RulesReindexIncompleteError(error);
  }
};

/** Retries a plain write of the head that met a transaction holding it. */
const retryOnHead = <T>(write: () => Promise<T>): Promise<T> =>
  withRetries([ControlKeys.rulesDirectoryHead().pk], (error) => worthRetrying(error), write);

const markReady = (doc: DynamoDBDocumentClient, tableName: string) =>
  retryOnHead(() =>
    doc.send(
      new UpdateCommand({
        TableName: tableName,
        Key: ControlKeys.rulesDirectoryHead(),
        UpdateExpression: 'SET #state = :ready',
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: { ':ready': 'ready' },
      }),
    ),
  );

const createHeadIfMissing = async (doc: DynamoDBDocumentClient, tableName: string) => {
  try {
    await retryOnHead(() =>
      doc.send(
        new PutCommand({
          TableName: tableName,
          Item: {
            ...ControlKeys.rulesDirectoryHead(),
            state: 'building',
            shards: DIRECTORY_SHARDS,
            versions: Object.fromEntries(
              Array.from({ length: DIRECTORY_SHARDS }, (_, shard) => [String(shard), 0]),
            ),
            generation: randomUUID(),
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    );
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
  }
};

/** The item-scoped keys whose control item holds a rule or an overlay. */
const scanItemScopedKeys = async (
  doc: DynamoDBDocumentClient,
  tableName: string,
): Promise<Set<string>> => {
  const keys = new Set<string>();
  let start: Record<string, unknown> | undefined;
  do {
    const page = await doc.send(
      new ScanCommand({
        TableName: tableName,
        ConsistentRead: true,
        ProjectionExpression: 'ruleKey',
        FilterExpression:
          'begins_with(pk, :prefix) AND sk = :rule AND (attribute_exists(#rule) OR attribute_exists(#overlay))',
        ExpressionAttributeNames: { '#rule': 'rule', '#overlay': 'overlay' },
        ExpressionAttributeValues: { ':prefix': 'RULE#sku#', ':rule': 'RULE' },
        ExclusiveStartKey: start,
      }),
    );
    for (const item of page.Items ?? [])
      if (typeof item.ruleKey === 'string' && isItemScoped(item.ruleKey)) keys.add(item.ruleKey);
    start = page.LastEvaluatedKey;
  } while (start);
  return keys;
};

/**
 * Replaces a shard's keys, if its version is still the one read before the scan, and sets its
 * version in the head; false when a rule write moved it meanwhile.
 */
const replaceShard = async (
  doc: DynamoDBDocumentClient,
  tableName: string,
  shard: number,
  version: number,
  keys: readonly string[],
): Promise<boolean> => {
  try {
    await withRetries(keys, worthRetrying, () =>
      doc.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: tableName,
                Key: ControlKeys.rulesDirectoryShard(shard),
                UpdateExpression: `SET version = :next${keys.length > 0 ? ', #keys = :keys' : ' REMOVE #keys'}`,
                ConditionExpression:
                  version === 0 ? 'attribute_not_exists(version)' : 'version = :version',
                ExpressionAttributeNames: { '#keys': 'keys' },
                ExpressionAttributeValues: {
                  ':next': version + 1,
                  ...(version === 0 ? {} : { ':version': version }),
                  ...(keys.length > 0 ? { ':keys': new Set(keys) } : {}),
                },
              },
            },
            {
              Update: {
                TableName: tableName,
                Key: ControlKeys.rulesDirectoryHead(),
                UpdateExpression: `SET ${versionPath(shard)} = :next`,
                ExpressionAttributeNames: {
                  '#versions': 'versions',
                  [`#s${shard}`]: String(shard),
                },
                ExpressionAttributeValues: { ':next': version + 1 },
              },
            },
          ],
        }),
      ),
    );
    return true;
  } catch (error) {
    if (error instanceof TransactionCanceledException) {
      if (tooLargeAt(error) >= 0) throw new RulesDirectoryFullError(keys);
      if (error.CancellationReasons?.[0]?.Code === 'ConditionalCheckFailed') return false;
    }
    throw error;
  }
};
