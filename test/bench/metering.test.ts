import { beforeAll, describe, expect, it } from 'vitest';
import { meterCounts, meterRollup, type RollupCounts } from '../../bench/metering.js';
import { type Functions, importFunctions } from '../../bench/throughput.js';
import type { MeteredCounts } from '../../shared/domain/cost.js';

/**
 * The bench's metering at a small size: the counts `cost` prices are what the real handlers
 * send, billed as DynamoDB, SNS and EventBridge bill them.
 */
describe('bench metering (small size)', () => {
  let counts: MeteredCounts;
  let functions: Functions;
  beforeAll(async () => {
    functions = await importFunctions();
    counts = await meterCounts(functions, { records: 40, batchSizes: [10, 20] });
  }, 120_000);

  const at = (fn: keyof MeteredCounts['functions'], kind: 'quiet' | 'crossing') =>
    counts.functions[fn][kind][0];

  it('writes no alert state for changes that open or close nothing', () => {
    expect(at('stock-monitor', 'quiet').writeUnits).toBe(0);
    expect(at('stock-monitor', 'quiet').calls.TransactWriteItems).toBeUndefined();
  });

  it('writes alert state once per crossing, in a transaction (2 WCU) and its index entry', () => {
    const crossing = at('stock-monitor', 'crossing');
    expect(crossing.writeUnits).toBe(2000);
    expect(crossing.indexWriteUnits).toBe(1000);
    expect(crossing.snsPublishes).toBe(1000);
    expect(crossing.eventEntries).toBe(1000);
  });

  it('reads the state of each new item consistently and its rules eventually consistent', () => {
    // Per change: the item's state (1 RCU, strongly consistent), its sku+location rule and its
    // sku rule (0.5 RCU each: cached for a TTL anyway); the category and default rules once per
    // container (2 half-unit reads over these 40 changes).
    expect(at('stock-monitor', 'quiet').readUnits).toBe(2000 + (1 / 40) * 1000);
  });

  it('invokes the executor once per level change, never for quiet changes', () => {
    expect(at('strategy-executor', 'quiet').invocations).toBe(0);
    expect(at('strategy-executor', 'crossing').invocations).toBe(1000);
  });

  it('bills the demand-recorder a journal entry per batch, not a write per item-day', () => {
    // 40 sales of 40 items in batches of 10: 4 entries of well under 1 KB each.
    expect(at('demand-recorder', 'quiet').writeUnits).toBe(100);
    expect(at('demand-recorder', 'quiet').calls).toEqual({ PutItem: 100 });
  });

  it('bills the roll-up per item-day: one eventually consistent read and one small write', async () => {
    const rollup: RollupCounts = await meterRollup(functions, 40, 10);
    expect(rollup.itemDays).toBe(40);
    expect(rollup.journalWriteUnitsPerThousandSales).toBe(100);
    expect(rollup.writeUnitsPerItemDay).toBe(1 + 1 / 40); // the marker once
    // Reads: one unit for each item's key in the BatchGet (0.5), the marker write's none, and
    // the journal's eight partitions (0.5 each, its 4 entries under 4 KB).
    expect(rollup.readUnitsPerItemDay).toBeCloseTo(0.5 + (8 * 0.5) / 40);
    expect(rollup.calls).toMatchObject({ Query: 8, BatchGetItem: 1, BatchWriteItem: 2 });
  });

  it('bills the naive consumer a rule read and a state write per change', () => {
    const naive = at('naive-consumer', 'crossing');
    expect(naive.readUnits).toBe(500);
    expect(naive.writeUnits).toBe(1000);
    expect(naive.snsPublishes).toBe(1000);
    expect(counts.functions['naive-consumer'].quiet[0].snsPublishes).toBe(0);
  });

  it('measures CPU time and invocations per batch size', () => {
    expect(at('stock-monitor', 'quiet').invocations).toBe(100);
    expect(counts.functions['stock-monitor'].quiet[1].invocations).toBe(50);
    expect(at('stock-monitor', 'crossing').cpuMsPerInvocation).toBeGreaterThan(0);
  });
});
