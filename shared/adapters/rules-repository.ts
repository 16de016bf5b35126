import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { itemKeyOf } from '../contracts/inventory.js';
import { ControlKeys } from '../contracts/tables.js';
import {
  parseRule,
  parseRuleOverlay,
  type ResolvedRule,
  type Rule,
  type RuleInput,
  type RuleOverlay,
  resolveRule,
  ruleKeyOf,
  ruleKeysFor,
} from '../domain/rules.js';
import { InvalidRuleError, OverlayChangedError } from '../errors.js';
import { batchGetAll } from './batch-get.js';
import { DEFAULT_CACHE_MAX_ENTRIES, LruCache } from './lru-cache.js';
import {
  DIRECTORY_SHARDS,
  isItemScoped,
  RulesDirectoryReader,
  sendWithDirectory,
} from './rules-directory.js';
import type { TransactItems } from './transact.js';

/** What is stored at one scope: its rule and its overlay, either or both absent. */
interface CacheEntry {
  readonly rule: Rule | undefined;
  readonly overlay?: RuleOverlay | undefined;
  /** When the rule was last written: its version, as open alerts record it. */
  readonly ruleAt?: string | undefined;
  readonly overlayVersion?: number | undefined;
  readonly expiresAt: number;
}

/**
 * Overlays per transaction: DynamoDB allows 100 items per TransactWriteItems, and the rules
 * directory may take one per shard and its head.
 */
export const OVERLAY_TRANSACTION_LIMIT = 100 - DIRECTORY_SHARDS - 1;

/** What a scope with nothing stored holds, for keys the rules directory does not name. */
const NOTHING_STORED = { rule: undefined } as const;

/** An overlay as stored, with what a conditional write of its successor needs. */
export interface StoredOverlay {
  readonly overlay: RuleOverlay | undefined;
  /** Absent when the scope has never held an overlay. */
  readonly version: number | undefined;
  /** Whether the scope's item also holds a rule (then it must never expire). */
  readonly holdsRule: boolean;
}

/** An overlay to write over what was read, so that a change made since is not overwritten. */
export interface OverlayWrite {
  readonly overlay: RuleOverlay;
  readonly read: StoredOverlay;
}

/** An item to resolve a rule for, with its item key (`sku#location`). */
export interface RuleSubject {
  readonly itemKey: string;
  readonly item: { sku: string; location: string; category?: string | undefined };
}

/**
 * Rules in the control table, with a per-container cache: one batched read per batch for the
 * keys not cached (including keys known to have no rule), none while the cache is fresh. The
 * caches hold at most `maxEntries` each, least recently used out first, so a container that
 * sees a large catalog keeps a bounded working set instead of every item it ever saw.
 *
 * Item-scoped keys (sku, sku+location) are read only when the rules directory names them
 * (rules-directory.ts): most items have no rule of their own, and reading their two keys at
 * each change was most of the monitor's reads. Every write here keeps the directory in step,
 * in the same transaction.
 */
export class RulesRepository {
  private readonly cache: LruCache<string, CacheEntry>;
  private readonly directory: RulesDirectoryReader;
  /** Each item's resolution, valid until the first of the rules it consulted expires. */
  private readonly resolutions: LruCache<
    string,
    { readonly value: ResolvedRule | undefined; readonly expiresAt: number }
  >;

  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly ttlMs: number,
    private readonly onInvalid: (error: InvalidRuleError) => void = () => {},
    private readonly clock: () => number = Date.now,
    maxEntries = DEFAULT_CACHE_MAX_ENTRIES,
  ) {
    this.cache = new LruCache(maxEntries);
    this.resolutions = new LruCache(maxEntries);
    this.directory = new RulesDirectoryReader(doc, tableName, ttlMs, clock);
  }

  /** Entries held by each cache (for tests and metrics). */
  get cacheSizes(): { readonly rules: number; readonly resolutions: number } {
    return { rules: this.cache.size, resolutions: this.resolutions.size };
  }

  /** Rules stored under `keys` (undefined where none), reading only what is not cached. */
  async getMany(keys: Iterable<string>): Promise<Map<string, Rule | undefined>> {
    const entries = await this.load(keys);
    return new Map([...entries].map(([key, entry]) => [key, entry.rule]));
  }

  /**
   * The cache entries of `keys`, reading those not fresh in one batched read. Callers use the
   * entries returned, not the cache: a batch with more keys than the bound evicts some of its
   * own before it is done.
   */
  private async load(keys: Iterable<string>): Promise<Map<string, CacheEntry>> {
    const now = this.clock();
    const result = new Map<string, CacheEntry>();
    const missing: string[] = [];
    for (const key of new Set(keys)) {
      const cached = this.cache.get(key);
      if (cached && cached.expiresAt > now) result.set(key, cached);
      else missing.push(key);
    }
    if (missing.length === 0) return result;
    // Eventually consistent: what is cached for a TTL can also be read a second stale, at half
    // the read units (the monitor reads an item's rules at nearly every change).
    const items = await batchGetAll(
      this.doc,
      this.tableName,
      missing.map((key) => ControlKeys.rule(key)),
      { consistent: false },
    );
    const byKey = new Map(items.map((item) => [String(item.ruleKey), item]));
    for (const key of missing) {
      const item = byKey.get(key);
      const entry = {
        rule: this.decode(key, item),
        overlay: this.decodeOverlay(key, item),
        ruleAt: typeof item?.at === 'string' ? item.at : undefined,
        overlayVersion: typeof item?.overlayVersion === 'number' ? item.overlayVersion : undefined,
        expiresAt: now + this.ttlMs,
      };
      this.cache.set(key, entry);
      result.set(key, entry);
    }
    return result;
  }

  /**
   * The rule in force for each item (most specific first, with the overlays of its chain laid
   * over it), by item key. One lookup per item while its resolution is fresh: the stock-monitor
   * resolves every record, and four key lookups per record were its largest cost on quiet
   * batches. Overlays live on the same items as the rules, so they cost no extra read.
   */
  async resolveMany(
    subjects: Iterable<RuleSubject>,
  ): Promise<Map<string, ResolvedRule | undefined>> {
    const now = this.clock();
    const result = new Map<string, ResolvedRule | undefined>();
    const pending = new Map<string, RuleSubject>();
    for (const subject of subjects) {
      if (result.has(subject.itemKey) || pending.has(subject.itemKey)) continue;
      const known = this.resolutions.get(subject.itemKey);
      if (known && known.expiresAt > now) result.set(subject.itemKey, known.value);
      else pending.set(subject.itemKey, subject);
    }
    if (pending.size === 0) return result;
    const keysOf = new Map([...pending].map(([itemKey, s]) => [itemKey, ruleKeysFor(s.item)]));
    const directory = await this.directory.current();
    const named = (key: string) => !directory || !isItemScoped(key) || directory.mayHold(key);
    const entries = await this.load([...keysOf.values()].flat().filter(named));
    // A key the directory does not name holds nothing, for as long as the directory is fresh.
    const entryOf = (key: string) =>
      entries.get(key) ?? { ...NOTHING_STORED, expiresAt: directory?.expiresAt ?? now };
    for (const [itemKey, keys] of keysOf) {
      const value = resolveRule(
        (pending.get(itemKey) as RuleSubject).item,
        (key) => entryOf(key).rule,
        keys,
        (key) => entryOf(key).overlay,
      );
      if (value?.refused) this.onInvalid(value.refused);
      const expiresAt = Math.min(...keys.map((key) => entryOf(key).expiresAt));
      const versioned = value && { ...value, version: versionOf(value, entries) };
      this.resolutions.set(itemKey, { value: versioned, expiresAt });
      result.set(itemKey, versioned);
    }
    return result;
  }

  /** The rule in force for one item: what {@link resolveMany} gives, for callers with one item. */
  async resolve(item: RuleSubject['item']): Promise<ResolvedRule | undefined> {
    const itemKey = itemKeyOf(item);
    return (await this.resolveMany([{ itemKey, item }])).get(itemKey);
  }

  /**
   * What `item` would resolve to with `overlay` in place of the one stored at its scope.
   * Throws {@link InvalidRuleError}, naming the fields, when the overlay's thresholds would
   * contradict the rule they are laid over: such an overlay must not be written.
   */
  async resolveWithOverlay(
    item: RuleSubject['item'],
    overlay: RuleOverlay,
  ): Promise<ResolvedRule | undefined> {
    const overlayKey = ruleKeyOf(overlay.scope);
    const keys = ruleKeysFor(item);
    const entries = await this.load(keys);
    const resolved = resolveRule(
      item,
      (key) => entries.get(key)?.rule,
      keys,
      (key) => (key === overlayKey ? overlay : entries.get(key)?.overlay),
    );
    if (resolved?.refused) throw resolved.refused;
    return resolved;
  }

  /** The overlays stored at `ruleKeys`, read consistently with what a later write needs. */
  async readOverlays(ruleKeys: Iterable<string>): Promise<Map<string, StoredOverlay>> {
    const keys = [...new Set(ruleKeys)];
    const items = await batchGetAll(
      this.doc,
      this.tableName,
      keys.map((key) => ControlKeys.rule(key)),
    );
    const byKey = new Map(items.map((item) => [String(item.ruleKey), item]));
    return new Map(
      keys.map((key) => {
        const item = byKey.get(key);
        return [
          key,
          {
            overlay: this.decodeOverlay(key, item),
            version: typeof item?.overlayVersion === 'number' ? item.overlayVersion : undefined,
            holdsRule: item?.rule !== undefined,
          },
        ];
      }),
    );
  }

  /**
   * Writes up to {@link OVERLAY_TRANSACTION_LIMIT} overlays in one transaction: all of them or,
   * when any changed since it was read, none ({@link OverlayChangedError}). Each is validated
   * first. An overlay that only snoozes, at a scope that holds no rule, expires (TTL) when its
   * snooze ends; one with thresholds, or beside a rule, never does.
   */
  async writeOverlays(writes: readonly OverlayWrite[], updatedBy = 'operator'): Promise<void> {
    if (writes.length === 0) return;
    if (writes.length > OVERLAY_TRANSACTION_LIMIT)
      throw new RangeError(
        `At most ${OVERLAY_TRANSACTION_LIMIT} overlays per transaction, got ${writes.length}`,
      );
    const at = new Date(this.clock()).toISOString();
    const updates = writes.map(({ overlay, read }) =>
      this.overlayUpdate(overlay, read, at, updatedBy),
    );
    try {
      await sendWithDirectory(
        this.doc,
        this.tableName,
        updates.map((Update) => ({ Update })),
        writes.map(({ overlay }) => ruleKeyOf(overlay.scope)),
        'ADD',
      );
    } catch (error) {
      if (error instanceof TransactionCanceledException) {
        // The reasons past the overlays are the directory's: not an overlay that changed.
        const reasons = (error.CancellationReasons ?? []).slice(0, writes.length);
        const changed = reasons.flatMap((reason, index) =>
          reason.Code === 'ConditionalCheckFailed'
            ? [ruleKeyOf((writes[index] as OverlayWrite).overlay.scope)]
            : [],
        );
        if (changed.length > 0) throw new OverlayChangedError(changed);
      }
      throw error;
    } finally {
      this.forget(writes.map(({ overlay }) => ruleKeyOf(overlay.scope)));
    }
  }

  private overlayUpdate(overlay: RuleOverlay, read: StoredOverlay, at: string, updatedBy: string) {
    const checked = parseRuleOverlay(overlay);
    const ruleKey = ruleKeyOf(checked.scope);
    const expires =
      !read.holdsRule && checked.thresholds === undefined && checked.snoozeUntil !== undefined
        ? Math.ceil(Date.parse(checked.snoozeUntil) / 1000)
        : undefined;
    const conditions = [
      read.version === undefined
        ? 'attribute_not_exists(overlayVersion)'
        : 'overlayVersion = :readVersion',
      // An expiring overlay must not land beside a rule written since the read: TTL would
      // delete the rule with it.
      ...(expires !== undefined ? ['attribute_not_exists(#rule)'] : []),
    ];
    return {
      TableName: this.tableName,
      Key: ControlKeys.rule(ruleKey),
      UpdateExpression: `SET #overlay = :overlay, overlayVersion = :version, overlayAt = :at, overlayBy = :by, ruleKey = :ruleKey${
        expires !== undefined ? ', expiresAt = :expiresAt' : ''
      }${expires === undefined && !read.holdsRule ? ' REMOVE expiresAt' : ''}`,
      ConditionExpression: conditions.join(' AND '),
      ExpressionAttributeNames: {
        '#overlay': 'overlay',
        ...(expires !== undefined ? { '#rule': 'rule' } : {}),
      },
      ExpressionAttributeValues: {
        ':overlay': checked,
        ':version': (read.version ?? 0) + 1,
        ':at': at,
        ':by': updatedBy,
        ':ruleKey': ruleKey,
        ...(read.version !== undefined ? { ':readVersion': read.version } : {}),
        ...(expires !== undefined ? { ':expiresAt': expires } : {}),
      },
    };
  }

  /**
   * Validates and stores a rule; an invalid rule throws {@link InvalidRuleError} and writes
   * nothing. The scope's overlay, stored on the same item, is kept, and the item never expires.
   */
  async put(input: RuleInput, updatedBy = 'operator'): Promise<Rule> {
    const rule = parseRule(input);
    const ruleKey = ruleKeyOf(rule.scope);
    const at = new Date(this.clock()).toISOString();
    const update = {
      TableName: this.tableName,
      Key: ControlKeys.rule(ruleKey),
      UpdateExpression:
        'SET #rule = :rule, kind = :kind, #at = :at, ruleKey = :ruleKey, updatedBy = :by REMOVE expiresAt',
      ExpressionAttributeNames: { '#rule': 'rule', '#at': 'at' },
      ExpressionAttributeValues: {
        ':rule': rule,
        ':kind': 'RULE',
        ':at': at,
        ':ruleKey': ruleKey,
        ':by': updatedBy,
      },
    };
    if (isItemScoped(ruleKey))
      await sendWithDirectory(this.doc, this.tableName, [{ Update: update }], [ruleKey], 'ADD');
    else await this.doc.send(new UpdateCommand(update));
    this.forget([ruleKey]);
    return rule;
  }

  /**
   * Deletes the rule at a scope; an overlay at the same scope stays in force. An item left
   * empty leaves the rules directory in the same transaction.
   */
  async delete(ruleKey: string): Promise<void> {
    const key = ControlKeys.rule(ruleKey);
    const remove: TransactItems = [
      {
        Delete: {
          TableName: this.tableName,
          Key: key,
          ConditionExpression: 'attribute_not_exists(#overlay)',
          ExpressionAttributeNames: { '#overlay': 'overlay' },
        },
      },
    ];
    try {
      await sendWithDirectory(this.doc, this.tableName, remove, [ruleKey], 'DELETE');
    } catch (error) {
      const overlayStays =
        error instanceof TransactionCanceledException &&
        error.CancellationReasons?.[0]?.Code === 'ConditionalCheckFailed';
      if (!overlayStays) throw error;
      // The overlay keeps the item, and its key in the directory.
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key,
          UpdateExpression: 'REMOVE #rule, kind, #at, updatedBy',
          ExpressionAttributeNames: { '#rule': 'rule', '#at': 'at' },
        }),
      );
    } finally {
      this.forget([ruleKey]);
    }
  }

  /**
   * Forgets what a write through this repository changed: the keys written, every resolution,
   * and the directory's head, so that this container sees its own write at once.
   */
  private forget(ruleKeys: readonly string[]): void {
    for (const key of ruleKeys) this.cache.delete(key);
    this.resolutions.clear();
    this.directory.invalidate();
  }

  private decode(key: string, item: Record<string, unknown> | undefined): Rule | undefined {
    // An item holding only an overlay has no rule to decode.
    if (!item || (item.rule === undefined && item.overlay !== undefined)) return undefined;
    try {
      return parseRule(item.rule, key);
    } catch (error) {
      // A broken rule must not stop the pipeline: fall back to the next, less specific rule.
      if (error instanceof InvalidRuleError) {
        this.onInvalid(error);
        return undefined;
      }
      throw error;
    }
  }

  private decodeOverlay(
    key: string,
    item: Record<string, unknown> | undefined,
  ): RuleOverlay | undefined {
    if (item?.overlay === undefined) return undefined;
    try {
      return parseRuleOverlay(item.overlay, key);
    } catch (error) {
      // A broken overlay must not stop the pipeline: the rule applies without it.
      if (error instanceof InvalidRuleError) {
        this.onInvalid(error);
        return undefined;
      }
      throw error;
    }
  }
}

/**
 * The version of a resolution: when its rule was written, and the version of each overlay laid
 * over it. An open alert records it, so the audit can tell which edit it was opened under.
 */
const versionOf = (resolved: ResolvedRule, entries: ReadonlyMap<string, CacheEntry>): string =>
  [
    entries.get(resolved.key)?.ruleAt ?? 'unversioned',
    ...(resolved.overlays ?? []).map(
      (key) => `${key} overlay v${entries.get(key)?.overlayVersion ?? 0}`,
    ),
  ].join(' + ');
