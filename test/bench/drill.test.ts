import { afterEach, describe, expect, inject, it, vi } from 'vitest';
import { orderingExamples, runDrills } from '../../bench/drill.js';
import { Sandbox } from '../../sandbox/sandbox.js';
import { DIGEST_TICK_MINUTES } from '../../shared/contracts/subscriptions.js';

/**
 * Puts the wall clock `beforeMs` before the next digest tick at the first stock adjustment, the
 * clock running on from there: a tick falls while the drill sells down, as it does by chance in
 * some runs (a few seconds of every 15 minutes).
 */
const tickDuringSellDown = (beforeMs: number) => {
  const adjust = Sandbox.prototype.adjust;
  let first = true;
  vi.spyOn(Sandbox.prototype, 'adjust').mockImplementation(function (this: Sandbox, ...args) {
    if (first) {
      first = false;
      const tick = DIGEST_TICK_MINUTES * 60_000;
      vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true });
      vi.setSystemTime(Math.ceil(Date.now() / tick) * tick - beforeMs);
    }
    return adjust.apply(this, args);
  });
};

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

/** The reliability drills at a small size (npm run drill runs 10,000 changes). */
describe('reliability drills', () => {
  it('doubles nothing on redelivery, loses nothing under faults, isolates poison, raises one order in a race', async () => {
    const rows = await runDrills(inject('dynamoEndpoint'), 60, [
      'redelivery',
      'faults',
      'poison',
      'bad-input',
      'race',
    ]);
    for (const row of rows) {
      expect({ drill: row.drill, duplicates: row.duplicates, losses: row.losses }).toEqual({
        drill: row.drill,
        duplicates: 0,
        losses: 0,
      });
    }
    expect(rows.map((r) => r.drill)).toEqual([
      'redelivery: every batch 3×',
      'faults: 20 % of AWS calls fail',
      'poison catalogue',
      'bad-input catalogue',
      'race: executors on one item',
    ]);
    expect(rows[1]?.faultsInjected).toBeGreaterThan(0);
    // Demand is part of what must come out once: the scenario's sales were counted.
    expect(rows[0]?.detail).toMatch(/unitsSold [1-9]\d*\/[1-9]\d*/);
  }, 300_000);

  it('sends each digest subscriber one digest per window, however often and concurrently the window closes, and after its tick failed', async () => {
    tickDuringSellDown(300);
    const [row] = await runDrills(inject('dynamoEndpoint'), 12, ['digest']);
    expect(row).toMatchObject({ duplicates: 0, losses: 0 });
    // The failed tick's three attempts, and the concurrent closes refused as in progress.
    expect(row?.faultsInjected).toBeGreaterThanOrEqual(3);
    expect(row?.detail).toMatch(
      /^crossings per digest 12, 16 \(due 12, 16\); the window's tick failed 3×/,
    );
  }, 120_000);

  it('never lets a late or reordered event, a rule edit or a batching undo newer state', async () => {
    const [row] = await runDrills(inject('dynamoEndpoint'), 200, ['ordering']);
    // The drill really shuffled deliveries and edited rules while they were in flight.
    expect(row?.reordered).toBeGreaterThan(0);
    expect(row?.ruleEdits).toBeGreaterThan(0);
    // Each kind of violation with its first example, so a failure says what broke.
    expect(Object.fromEntries(orderingExamples())).toEqual({});
    expect(row?.violations).toBe(0);
  }, 300_000);
});
