import { beforeAll, describe, expect, it } from 'vitest';
import {
  meterCounts,
  meterRollup,
  meterRuleReads,
  type RollupCounts,
  type RuleSetup,
} from '../../bench/metering.js';
import { type Functions, importFunctions } from '../../bench/throughput.js';
import { DIRECTORY_SHARDS } from '../../shared/adapters/rules-directory.js';
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
    counts = await meterCounts(functions, {
      records: 40,
      batchSizes: [10, 20],
      digestWindowSizes: [10, 40],
    });
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

  it('reads the state of each new item consistently, and no rules its item does not have', () => {
    // Per change: the item's state (1 RCU, strongly consistent). Once per container, eventually
    // consistent: the rules directory's head, the category and the default rule (3 half-unit
    // reads over these 40 changes). No item has a rule of its own (the default rule setup).
    expect(at('stock-monitor', 'quiet').readUnits).toBe(1000 + (1.5 / 40) * 1000);
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
    // A night's run: the final pass of the day before yesterday (no journal here: its eight
    // partitions read empty, and the marker created) and today's first look.
    expect(rollup.writeUnitsPerItemDay).toBe(1 + 1 / 40); // the marker once
    // Reads: the marker (1: strongly consistent), each item's key in the BatchGet (0.5), and
    // the two days' journals, eight partitions each (0.5 apiece, the 4 entries under 4 KB).
    expect(rollup.readUnitsPerItemDay).toBeCloseTo(0.5 + (1 + 2 * 8 * 0.5) / 40);
    expect(rollup.calls).toMatchObject({ Query: 16, BatchWriteItem: 2 });
  });

  it('bills the naive consumer a rule read and a state write per change', () => {
    const naive = at('naive-consumer', 'crossing');
    expect(naive.readUnits).toBe(500);
    expect(naive.writeUnits).toBe(1000);
    expect(naive.snsPublishes).toBe(1000);
    expect(counts.functions['naive-consumer'].quiet[0].snsPublishes).toBe(0);
  });

  it('bills digests from the buffer the monitor writes and the window the sender reads', () => {
    const { digest } = counts;
    // A buffer item (~0.6 KB) put on its own, only if absent (1 WRU), and its index entry (1).
    expect(digest.bufferWriteUnitsPerAlert).toBe(2);
    // A window's mark: 1 RRU (strongly consistent, found or not). The 40-crossing window: a
    // Query per index shard of its day (8; 0.5 RRU each, however little it returns) and its
    // items by size, each under 1 KB (0.5 RRU per 4 KB).
    expect(digest.readUnitsPerMark).toBe(1);
    const window = digest.readUnitsPerWindow + 40 * digest.readUnitsPerAlert;
    expect(window).toBeGreaterThanOrEqual(8 * 0.5);
    expect(window).toBeLessThanOrEqual(8 * 0.5 + (40 / 4) * 0.5);
    // The window's mark; per digest Powertools idempotency: in progress, then completed.
    expect(digest.writeUnitsPerWindow).toBe(1);
    expect(digest.writeUnitsPerDigest).toBe(2);
    expect(digest.publishesPerDigest).toBe(1);
    expect(digest.cpuMsPerTick + digest.cpuMsPerAlert).toBeGreaterThan(0);
  });

  it('measures CPU time and invocations per batch size', () => {
    expect(at('stock-monitor', 'quiet').invocations).toBe(100);
    expect(counts.functions['stock-monitor'].quiet[1].invocations).toBe(50);
    expect(at('stock-monitor', 'crossing').cpuMsPerInvocation).toBeGreaterThan(0);
  });
});

/** The rule reads of quiet changes under each rule setup (issue #18). */
describe('bench metering: rule reads by rule setup', () => {
  const meter = async (setup: RuleSetup, rate = 0) =>
    meterRuleReads(await importFunctions(), { records: 40, batchSize: 10, rate, setup });

  it('reads each item key at each new item where the table has no rules directory', async () => {
    // An earlier release's table: the state (1 RCU), the sku+location and sku keys (0.5 each),
    // and per container the head found missing, the category and the default rule.
    const { monitor } = await meter({ ownRules: 'none', directory: false });
    expect(monitor.readUnits).toBe(2000 + (1.5 / 40) * 1000);
  });

  it('reads only the own rules the directory names, and judges by them', async () => {
    // Every item has a sku+location rule and no sku rule: the state and that rule per change;
    // once per container the head, category and default rule, and every shard (each names some).
    const { monitor } = await meter({ ownRules: 'all', directory: true });
    expect(monitor.readUnits).toBe(1500 + ((1.5 + DIRECTORY_SHARDS * 0.5) / 40) * 1000);
    const crossing = await meter({ ownRules: 'all', directory: true }, 1);
    expect([...crossing.ruleKeys].every((key) => key.endsWith('#location#WH-1'))).toBe(true);
    expect(crossing.ruleKeys.size).toBe(40);
  });
});
