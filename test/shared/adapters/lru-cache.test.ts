import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LruCache } from '../../../shared/adapters/lru-cache.js';

type Operation =
  | { readonly op: 'get'; readonly key: number }
  | { readonly op: 'set'; readonly key: number; readonly value: number }
  | { readonly op: 'delete'; readonly key: number };

const operation: fc.Arbitrary<Operation> = fc.oneof(
  fc.record({ op: fc.constant('get' as const), key: fc.nat(12) }),
  fc.record({ op: fc.constant('set' as const), key: fc.nat(12), value: fc.integer() }),
  fc.record({ op: fc.constant('delete' as const), key: fc.nat(12) }),
);

/** The reference: a list from least to most recently used, as the definition of LRU reads. */
class ListModel {
  entries: [number, number][] = [];
  constructor(readonly max: number) {}
  get(key: number) {
    const index = this.entries.findIndex(([k]) => k === key);
    if (index < 0) return undefined;
    const [entry] = this.entries.splice(index, 1) as [[number, number]];
    this.entries.push(entry);
    return entry[1];
  }
  set(key: number, value: number) {
    this.entries = this.entries.filter(([k]) => k !== key);
    this.entries.push([key, value]);
    if (this.entries.length > this.max) this.entries.shift();
  }
  delete(key: number) {
    const before = this.entries.length;
    this.entries = this.entries.filter(([k]) => k !== key);
    return this.entries.length < before;
  }
}

describe('LruCache', () => {
  it('behaves as a least-recently-used list of at most maxEntries, for any sequence of uses', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.array(operation, { maxLength: 200 }),
        (max, ops) => {
          const cache = new LruCache<number, number>(max);
          const model = new ListModel(max);
          for (const step of ops) {
            if (step.op === 'get') expect(cache.get(step.key)).toBe(model.get(step.key));
            else if (step.op === 'set') {
              cache.set(step.key, step.value);
              model.set(step.key, step.value);
            } else expect(cache.delete(step.key)).toBe(model.delete(step.key));
            expect(cache.size).toBeLessThanOrEqual(max);
            expect([...cache.keys()]).toEqual(model.entries.map(([k]) => k));
          }
        },
      ),
    );
  });

  it('keeps a stored undefined apart from a missing key', () => {
    const cache = new LruCache<string, number | undefined>(2);
    cache.set('no-rule', undefined).set('a', 1).get('no-rule');
    cache.set('b', 2);
    expect([...cache.keys()]).toEqual(['no-rule', 'b']);
  });

  it.each([0, -1, 1.5, Number.NaN])('refuses a bound of %s', (max) => {
    expect(() => new LruCache(max)).toThrow(RangeError);
  });
});
