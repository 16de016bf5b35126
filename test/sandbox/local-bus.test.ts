import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { IN_ORDER, LocalBus, type LocalRule } from '../../sandbox/local-bus.js';
import type { WireEvent } from '../../sandbox/local-transport.js';

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

const entry = (n: number): WireEvent =>
  ({
    Source: 'inventory.alerts',
    DetailType: 'StockLevelTriggered',
    Detail: JSON.stringify({ n }),
  }) as WireEvent;

/** A bus with one rule whose target notes each delivery as `n` and when it started (fake ms). */
const busOf = (disorder: ConstructorParameters<typeof LocalBus>[2], concurrency = 1) => {
  const delivered: { n: number; at: number }[] = [];
  const rule: LocalRule = {
    name: 'Rule',
    pattern: { source: ['inventory.alerts'] },
    target: async (event) => {
      delivered.push({ n: (event.detail as { n: number }).n, at: Date.now() });
      await new Promise((r) => setTimeout(r, 1));
    },
    retryAttempts: 0,
    concurrency,
  };
  const bus = new LocalBus([rule], { onEvent: () => {}, onDeadLetter: () => {} }, disorder);
  return { bus, delivered };
};

/** Puts `count` events one at a time, then runs every timer until the bus is idle. */
const putAndDrain = async (bus: LocalBus, count: number) => {
  bus.put(Array.from({ length: count }, (_, n) => entry(n)));
  while (!bus.idle) await vi.runAllTimersAsync();
};

describe('LocalBus', () => {
  it('delivers in put order, once, when told to keep order', async () => {
    // Prepare
    const { bus, delivered } = busOf(IN_ORDER);
    // Act
    await putAndDrain(bus, 20);
    // Assess
    expect(delivered.map((d) => d.n)).toEqual(Array.from({ length: 20 }, (_, n) => n));
    expect({ reordered: bus.reordered, redelivered: bus.redelivered }).toEqual({
      reordered: 0,
      redelivered: 0,
    });
  });

  it('lets later events overtake earlier ones, also on a single environment', async () => {
    // Prepare
    const { bus, delivered } = busOf({ maxDelayMs: 100, seed: 42 }, 1);
    // Act
    await putAndDrain(bus, 30);
    // Assess
    const order = delivered.map((d) => d.n);
    expect(order).not.toEqual([...order].sort((a, b) => a - b));
    expect([...order].sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, n) => n));
    expect(bus.reordered).toBeGreaterThan(0);
    // Every overtaking counted: a delivery is reordered when an earlier put had not started yet.
    const overtaking = order.filter((n, i) => order.slice(i + 1).some((later) => later < n));
    expect(bus.reordered).toBe(new Set(overtaking).size);
    expect(bus.redelivered).toBe(0);
  });

  it('gives the same order for the same seed', async () => {
    const first = busOf({ maxDelayMs: 100, redeliveryRate: 0.3, seed: 7 }, 3);
    await putAndDrain(first.bus, 25);
    const second = busOf({ maxDelayMs: 100, redeliveryRate: 0.3, seed: 7 }, 3);
    await putAndDrain(second.bus, 25);
    const relative = (ds: { n: number; at: number }[]) =>
      ds.map((d) => ({ n: d.n, at: d.at - (ds[0]?.at ?? 0) }));
    expect(relative(second.delivered)).toEqual(relative(first.delivered));
  });

  it('delivers a share of events again, late, after their first delivery', async () => {
    // Prepare
    const { bus, delivered } = busOf(
      { maxDelayMs: 20, redeliveryRate: 0.25, redeliveryDelayMs: 1000, seed: 3 },
      2,
    );
    // Act
    await putAndDrain(bus, 40);
    // Assess
    expect(bus.redelivered).toBeGreaterThan(0);
    expect(delivered).toHaveLength(40 + bus.redelivered);
    const byEvent = new Map<number, { n: number; at: number }[]>();
    for (const d of delivered) byEvent.set(d.n, [...(byEvent.get(d.n) ?? []), d]);
    const again = [...byEvent.values()].filter((ds) => ds.length === 2);
    expect(again).toHaveLength(bus.redelivered);
    for (const [original, late] of again as unknown as [{ at: number }, { at: number }][]) {
      // Late enough that every first delivery (at most 20 ms of jitter) is long done.
      expect(late.at - original.at).toBeGreaterThanOrEqual(1000);
    }
    expect(
      Math.max(...delivered.filter((d) => byEvent.get(d.n)?.length === 1).map((d) => d.at)),
    ).toBeLessThan(Math.min(...again.map(([, late]) => late?.at ?? 0)));
  });
});
