import { describe, expect, it, vi } from 'vitest';
import * as z from 'zod/mini';
import { lazySchema } from '../../shared/lazy-schema.js';

describe('lazySchema', () => {
  it('builds the schema on first use only, once', () => {
    const build = vi.fn(() => z.object({ n: z.number() }));
    const schema = lazySchema(build);
    expect(build).not.toHaveBeenCalled();
    expect(schema.parse({ n: 1 })).toEqual({ n: 1 });
    expect(schema.safeParse({ n: 'x' }).success).toBe(false);
    expect(build).toHaveBeenCalledTimes(1);
  });

  it('composes into other schemas, and validates as the schema it stands for', () => {
    const inner = z.strictObject({ sku: z.string().check(z.minLength(1)) });
    const lazyInner = lazySchema(() => z.strictObject({ sku: z.string().check(z.minLength(1)) }));
    for (const input of [
      { item: { sku: 'A' } },
      { item: { sku: '' } },
      { item: { sku: 'A', x: 1 } },
    ]) {
      const eager = z.object({ item: z.optional(inner) }).safeParse(input);
      const lazy = lazySchema(() => z.object({ item: z.optional(lazyInner) })).safeParse(input);
      expect(lazy.success).toBe(eager.success);
      expect(lazy.error?.issues).toEqual(eager.error?.issues);
    }
  });

  it('answers reflection as the built schema does', () => {
    const built = z.string();
    const schema = lazySchema(() => built);
    expect('parse' in schema).toBe(true);
    expect(Object.keys(schema)).toEqual(Object.keys(built));
    expect(Object.getPrototypeOf(schema)).toBe(Object.getPrototypeOf(built));
    expect(schema['~standard'].validate('a')).toEqual({ value: 'a' });
  });
});
