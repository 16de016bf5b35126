/**
 * How many entries each per-container cache keeps by default: rules by key, rule resolutions
 * and demand-derived thresholds by item. At about 0.5 KB an entry, 20,000 is about 10 MB a
 * cache, well inside a 512 MB function, and more items than a container sees within a TTL.
 */
export const DEFAULT_CACHE_MAX_ENTRIES = 20_000;

/**
 * A map bounded by count: setting a new key when full drops the least recently used entry,
 * and reading an entry makes it the most recently used. A `Map` iterates in insertion order,
 * so moving a key to the end on each use is all the bookkeeping LRU needs. Expiry stays with
 * the caller (its entries carry `expiresAt`): an expired entry is replaced when next read and
 * otherwise ages out like any other.
 *
 * Written here rather than taken from the `lru-cache` package, which adds about 19 KB to each
 * function bundle (and about 3 ms to loading it) for features these caches do not use.
 */
export class LruCache<K, V> {
  readonly #entries = new Map<K, V>();

  constructor(readonly maxEntries: number) {
    if (!Number.isInteger(maxEntries) || maxEntries < 1)
      throw new RangeError(`A cache must hold at least 1 entry, got maxEntries ${maxEntries}`);
  }

  get size(): number {
    return this.#entries.size;
  }

  /** The value under `key`, now the most recently used; undefined when absent. */
  get(key: K): V | undefined {
    if (!this.#entries.has(key)) return undefined;
    const value = this.#entries.get(key) as V;
    this.#entries.delete(key);
    this.#entries.set(key, value);
    return value;
  }

  /** Stores `value` as the most recently used, dropping the least recently used when full. */
  set(key: K, value: V): this {
    this.#entries.delete(key);
    this.#entries.set(key, value);
    if (this.#entries.size > this.maxEntries) {
      const oldest = this.#entries.keys().next();
      if (!oldest.done) this.#entries.delete(oldest.value);
    }
    return this;
  }

  delete(key: K): boolean {
    return this.#entries.delete(key);
  }

  clear(): void {
    this.#entries.clear();
  }

  /** Keys from least to most recently used. */
  keys(): IterableIterator<K> {
    return this.#entries.keys();
  }
}
