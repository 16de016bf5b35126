import { describe, expect, inject, it } from 'vitest';
import { runDrills } from '../../bench/drill.js';

/** The reliability drills at a small size (npm run drill runs 10,000 changes). */
describe('reliability drills', () => {
  it('doubles nothing on redelivery, loses nothing under faults, isolates poison, raises one order in a race', async () => {
    const rows = await runDrills(inject('dynamoEndpoint'), 120);
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
      'race: executors on one item',
    ]);
    expect(rows[1]?.faultsInjected).toBeGreaterThan(0);
    // Demand is part of what must come out once: the scenario's sales were counted.
    expect(rows[0]?.detail).toMatch(/unitsSold [1-9]\d*\/[1-9]\d*/);
  }, 300_000);
});
