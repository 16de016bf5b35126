import { DeleteCommand, type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { ControlKeys } from '../contracts/tables.js';
import {
  parseRule,
  type Rule,
  type RuleInput,
  resolveRule,
  ruleKeyOf,
  ruleKeysFor,
} from '../domain/rules.js';
import { InvalidRuleError } from '../errors.js';
import { batchGetAll } from './batch-get.js';
import { DEFAULT_CACHE_MAX_ENTRIES, LruCache } from './lru-cache.js';

interface CacheEntry {
  readonly rule: Rule | undefined;
  readonly expiresAt: number;
}

/** The rule in force for an item and the key it is stored under. */
export type ResolvedRule = { readonly key: string; readonly rule: Rule };

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
 */
export class RulesRepository {
  private readonly cache: LruCache<string, CacheEntry>;
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
    const items = await batchGetAll(
      this.doc,
      this.tableName,
      missing.map((key) => ControlKeys.rule(key)),
    );
    const byKey = new Map(items.map((item) => [String(item.ruleKey), item]));
    for (const key of missing) {
      const entry = { rule: this.decode(key, byKey.get(key)), expiresAt: now + this.ttlMs };
      this.cache.set(key, entry);
      result.set(key, entry);
    }
    return result;
  }

  /**
   * The rule in force for each item (most specific first), by item key. One lookup per item
   * while its resolution is fresh: the stock-monitor resolves every record, and four key
   * lookups per record were its largest cost on quiet batches.
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
    const entries = await this.load([...keysOf.values()].flat());
    for (const [itemKey, keys] of keysOf) {
      const value = resolveRule(
        (pending.get(itemKey) as RuleSubject).item,
        (key) => entries.get(key)?.rule,
        keys,
      );
      const expiresAt = Math.min(...keys.map((key) => entries.get(key)?.expiresAt ?? now));
      this.resolutions.set(itemKey, { value, expiresAt });
      result.set(itemKey, value);
    }
    return result;
  }

  /** Validates and stores a rule; an invalid rule throws {@link InvalidRuleError} and writes nothing. */
  async put(input: RuleInput, updatedBy = 'operator'): Promise<Rule> {
    const rule = parseRule(input);
    const ruleKey = ruleKeyOf(rule.scope);
    const at = new Date(this.clock()).toISOString();
    await this.doc.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...ControlKeys.rule(ruleKey), kind: 'RULE', at, ruleKey, rule, updatedBy },
      }),
    );
    this.cache.delete(ruleKey);
    this.resolutions.clear();
    return rule;
  }

  async delete(ruleKey: string): Promise<void> {
    await this.doc.send(
      new DeleteCommand({ TableName: this.tableName, Key: ControlKeys.rule(ruleKey) }),
    );
    this.cache.delete(ruleKey);
    this.resolutions.clear();
  }

  private decode(key: string, item: Record<string, unknown> | undefined): Rule | undefined {
    if (!item) return undefined;
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
}
