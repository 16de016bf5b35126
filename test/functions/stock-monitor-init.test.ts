import type { Context } from 'aws-lambda';
import { afterAll, describe, expect, it, vi } from 'vitest';

/**
 * What the stock-monitor's module init leaves for later (#18, cold start): no zod schema and no
 * grapheme segmenter is built when its handler module loads; each is built on first use. Nor,
 * where tracing is off (outside Lambda here), are the Tracer's modules loaded at all: in the
 * deployed asset they are a file apart (test/infra/tracer-asset.test.ts).
 * Counted at zod/mini's schema constructors, at Intl.Segmenter and at the Tracer's modules,
 * before anything loads.
 */
const built = vi.hoisted(() => {
  const counts = { schemas: 0, segmenters: 0, tracers: 0 };
  const intl = Intl as { Segmenter: typeof Intl.Segmenter };
  const Original = intl.Segmenter;
  intl.Segmenter = class extends Original {
    constructor(...args: ConstructorParameters<typeof Intl.Segmenter>) {
      super(...args);
      counts.segmenters++;
    }
  };
  const restore = () => {
    intl.Segmenter = Original;
  };
  return { counts, restore };
});

vi.mock('zod/mini', async (importOriginal) => {
  const z = await importOriginal<typeof import('zod/mini')>();
  const counted =
    <A extends unknown[], R>(construct: (...args: A) => R) =>
    (...args: A): R => {
      built.counts.schemas++;
      return construct(...args);
    };
  return {
    ...z,
    object: counted(z.object),
    strictObject: counted(z.strictObject),
    looseObject: counted(z.looseObject),
    union: counted(z.union),
    discriminatedUnion: counted(z.discriminatedUnion),
    string: counted(z.string),
    number: counted(z.number),
  };
});

vi.mock('../../functions/commons/tracer-modules.js', async (importOriginal) => {
  built.counts.tracers++;
  return importOriginal();
});

afterAll(() => built.restore());

describe('stock-monitor module init', () => {
  it('builds no schema and no grapheme segmenter, and loads no Tracer, when the handler module loads', async () => {
    const { handler } = await import('../../functions/stock-monitor/handler.js');
    expect(handler).toBeTypeOf('function');
    expect(built.counts).toEqual({ schemas: 0, segmenters: 0, tracers: 0 });
  });

  it('where tracing is off, loads no Tracer on its first invocation either', async () => {
    const { handler } = await import('../../functions/stock-monitor/handler.js');
    const context = { functionName: 'stock-monitor', awsRequestId: 'r' } as Context;
    expect(await handler({ Records: [] }, context)).toEqual({ batchItemFailures: [] });
    expect(built.counts.tracers).toBe(0);
  });

  it('the Tracer modules count when loaded (the count is live)', async () => {
    const { loadTracerModules } = await import('../../functions/commons/powertools.js');
    await loadTracerModules();
    expect(built.counts.tracers).toBe(1);
  });

  it('builds a schema on its first use, once, and validates as before', async () => {
    const { InventoryItemSchema } = await import('../../shared/contracts/inventory.js');
    expect(InventoryItemSchema.safeParse({ sku: 'A', location: 'X', quantity: 3 }).success).toBe(
      true,
    );
    const afterFirst = built.counts.schemas;
    expect(afterFirst).toBeGreaterThan(0);
    expect(
      InventoryItemSchema.safeParse({ sku: '', location: 'X', quantity: 3 }).error?.message,
    ).toContain('sku must not be empty');
    expect(built.counts.schemas).toBe(afterFirst);
  });

  it('builds the segmenter on the first cut of a text, once', async () => {
    const { clip } = await import('../../shared/domain/messages.js');
    expect(clip('é'.repeat(400), 16)).toBe(`${'é'.repeat(6)}…`);
    expect(clip('ü'.repeat(400), 16)).toBe(`${'ü'.repeat(6)}…`);
    expect(built.counts.segmenters).toBe(1);
  });
});
