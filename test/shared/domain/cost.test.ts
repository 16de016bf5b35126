import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  cheapestMemory,
  countsAt,
  DEFAULT_COST_INPUTS,
  type FunctionCounts,
  gbSecondsPerInvocation,
  type MeteredCounts,
  memoryOf,
  monthlyCost,
} from '../../../shared/domain/cost.js';
import { PRICES } from '../../../shared/domain/pricing.js';

/** Counts per 1,000 changes: `perRecord` of each measure, plus `perInvocation` per batch of `size`. */
const counts = (size: number, over: Partial<FunctionCounts> = {}): FunctionCounts => ({
  invocations: 1000 / size,
  writeUnits: 0,
  indexWriteUnits: 0,
  readUnits: 0,
  snsPublishes: 0,
  eventEntries: 0,
  cpuMsPerInvocation: 1,
  calls: {},
  ...over,
});

/** What the bench would measure: batch sizes 10 and 100, quiet and crossing runs. */
const METERED: MeteredCounts = {
  changes: 10_000,
  batchSizes: [10, 100],
  functions: {
    'stock-monitor': {
      quiet: [counts(10, { readUnits: 3000 }), counts(100, { readUnits: 3000 })],
      crossing: [
        counts(10, { readUnits: 3000, writeUnits: 2000, snsPublishes: 1000, eventEntries: 1000 }),
        counts(100, { readUnits: 3000, writeUnits: 2000, snsPublishes: 1000, eventEntries: 1000 }),
      ],
    },
    'strategy-executor': {
      quiet: [counts(10, { invocations: 0 }), counts(100, { invocations: 0 })],
      crossing: [
        counts(10, { invocations: 1000, writeUnits: 10_000, eventEntries: 2000 }),
        counts(100, { invocations: 1000, writeUnits: 10_000, eventEntries: 2000 }),
      ],
    },
    'demand-recorder': {
      quiet: [counts(10, { writeUnits: 2000 }), counts(100, { writeUnits: 2000 })],
      crossing: [counts(10, { writeUnits: 2000 }), counts(100, { writeUnits: 2000 })],
    },
    'naive-consumer': {
      // A rule read and a state write per record; the invocations' CPU grows with the batch.
      quiet: [
        counts(10, { readUnits: 500, writeUnits: 1000, cpuMsPerInvocation: 9 }),
        counts(100, { readUnits: 500, writeUnits: 1000, cpuMsPerInvocation: 90 }),
      ],
      crossing: [
        counts(10, { readUnits: 500, writeUnits: 1000, snsPublishes: 1000, eventEntries: 1000 }),
        counts(100, { readUnits: 500, writeUnits: 1000, snsPublishes: 1000, eventEntries: 1000 }),
      ],
    },
  },
  // Every item on a rule of its own: the monitor reads it too (500 RRU more per 1,000 changes).
  ownRules: {
    'stock-monitor': {
      quiet: [counts(10, { readUnits: 3500 }), counts(100, { readUnits: 3500 })],
      crossing: [
        counts(10, { readUnits: 3500, writeUnits: 2000, snsPublishes: 1000, eventEntries: 1000 }),
        counts(100, { readUnits: 3500, writeUnits: 2000, snsPublishes: 1000, eventEntries: 1000 }),
      ],
    },
  },
  rollup: {
    writeUnitsPerItemDay: 1,
    readUnitsPerItemDay: 0.5,
    readUnitsPerSale: 0.001,
    cpuMsPerItemDay: 0.01,
  },
  digest: {
    bufferWriteUnitsPerAlert: 3,
    readUnitsPerMark: 1,
    readUnitsPerWindow: 4,
    readUnitsPerAlert: 0.07,
    writeUnitsPerWindow: 1,
    writeUnitsPerDigest: 2,
    publishesPerDigest: 1,
    cpuMsPerTick: 20,
    cpuMsPerAlert: 0.1,
    cpuMsPerDigest: 0,
  },
};

const MEMORY = memoryOf(
  {
    stockMonitor: 256,
    strategyExecutor: 128,
    demandRecorder: 128,
    demandRollup: 1024,
    digestSender: 512,
  },
  METERED,
  {
    rate: 0.05,
    recordsPerInvocation: 10,
  },
);

/** 100k writes a day, 5 % crossing, half the alerts by SMS, on the counts above. */
const INPUTS = {
  ...DEFAULT_COST_INPUTS,
  writesPerDay: 100_000,
  crossingRate: 0.05,
  smsShare: 0.5,
  memoryMb: MEMORY,
  counts: METERED,
};

describe('monthlyCost from measured counts', () => {
  const result = monthlyCost(INPUTS);
  const line = (item: string) => result.pipeline.find((l) => l.item === item);

  it('prices each service from the dated price table', () => {
    expect(PRICES.asOf).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    // 100k writes/day × 30 days × 5 % = 150k alerts; half of them by SMS.
    expect(line('stock-monitor publishes')?.usd).toBeCloseTo(150_000 * PRICES.sns.publish, 10);
    expect(line('stock-monitor SMS deliveries (US)')?.usd).toBeCloseTo(
      75_000 * PRICES.sns.smsUs,
      6,
    );
    expect(line('strategy-executor events')?.quantity).toBeCloseTo(300_000, 6);
    expect(line('stock-monitor requests')?.quantity).toBeCloseTo(3_000_000 / 10, 6);
  });

  it('counts the demand-recorder on sales only, in its own batch size', () => {
    expect(line('demand-recorder requests')?.quantity).toBeCloseTo((3_000_000 * 0.6) / 100, 6);
    expect(line('demand-recorder writes (WRU)')?.quantity).toBeCloseTo(3_000_000 * 0.6 * 2, 6);
  });

  it('totals the lines, next to the naive consumer running the same executor', () => {
    expect(result.totals.pipeline).toBeCloseTo(
      result.pipeline.reduce((s, l) => s + l.usd, 0),
      10,
    );
    expect(
      result.naive.find((l) => l.item === 'naive-consumer writes (WRU)')?.quantity,
    ).toBeCloseTo(3_000_000, 6);
    expect(result.naive.filter((l) => l.item.startsWith('strategy-executor'))).toEqual(
      result.pipeline.filter((l) => l.item.startsWith('strategy-executor')),
    );
    expect(result.ratio).toBeCloseTo(result.totals.pipeline / result.totals.naive, 10);
  });
});

describe('monthlyCost with SMS digests', () => {
  const inputs = INPUTS;
  const immediate = monthlyCost(inputs);
  const item = (r: ReturnType<typeof monthlyCost>, name: string) =>
    r.pipeline.find((l) => l.item === name)?.quantity ?? 0;

  it('sends at most one SMS per window, the critical share at once, and prices the sender', () => {
    const digested = monthlyCost({
      ...inputs,
      digest: { windowMinutes: 15, immediateShare: 0.2, channels: ['sms'] },
    });
    // 75k SMS alerts a month: 15k critical at once, 60k into 2,880 windows (~21 each, so
    // nearly every window sends one).
    expect(item(digested, 'stock-monitor SMS deliveries, immediate (US)')).toBeCloseTo(15_000, 6);
    const digests = item(digested, 'SMS digests (15 min, US)');
    expect(digests).toBeLessThanOrEqual(2880);
    expect(digests).toBeGreaterThan(2879);
    // Every announced crossing is buffered and read back, whoever takes the digest.
    expect(item(digested, 'digest buffer writes (WRU)')).toBeCloseTo(150_000 * 3, 6);
    // Marks: each window's by 9 ticks, and one more per tick; then the windows and their crossings.
    expect(item(digested, 'digest-sender reads (RRU)')).toBeCloseTo(
      2880 * 9 + 2880 + 2880 * 4 + 150_000 * 0.07,
      6,
    );
    expect(item(digested, 'digest-sender writes (WRU)')).toBeCloseTo(2880 + digests * 2, 6);
    expect(item(digested, 'digest publishes')).toBeCloseTo(digests, 6);
    expect(item(digested, 'digest-sender requests')).toBe(2880);
    // 20 ms a tick and 0.1 ms for each of ~52 crossings: 25.2 ms of CPU, 88 ms at 512 MB.
    expect(item(digested, 'digest-sender GB-s (512 MB)')).toBeCloseTo(2880 * 0.088 * 0.5, 6);
    expect(digested.totals.pipeline).toBeLessThan(immediate.totals.pipeline);
    expect(digested.totals.naive).toBe(immediate.totals.naive);
  });

  it('reads marks by tick and buffers by window, for windows longer than a tick', () => {
    const hourly = monthlyCost({
      ...inputs,
      digest: { windowMinutes: 60, immediateShare: 0, channels: ['sms'] },
    });
    // 720 hour windows: each mark looked at by 9 ticks, one more per tick (2,880), a read of
    // each window, and of each of the 150,000 crossings.
    expect(item(hourly, 'digest-sender reads (RRU)')).toBeCloseTo(
      720 * 9 + 2880 + 720 * 4 + 150_000 * 0.07,
      6,
    );
    expect(item(hourly, 'digest-sender requests')).toBe(2880);
  });

  it('sends no more digests than alerts, whatever the window (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1440 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (windowMinutes, immediateShare, smsShare) => {
          const r = monthlyCost({
            ...inputs,
            smsShare,
            digest: { windowMinutes, immediateShare, channels: ['sms'] },
          });
          const sms =
            item(r, 'stock-monitor SMS deliveries, immediate (US)') +
            item(r, `SMS digests (${windowMinutes} min, US)`);
          expect(sms).toBeLessThanOrEqual(150_000 * smsShare + 1e-6);
          expect(item(r, `SMS digests (${windowMinutes} min, US)`)).toBeLessThanOrEqual(
            (30 * 1440) / windowMinutes + 1e-6,
          );
        },
      ),
    );
  });
});

describe('monthlyCost with e-mail digests', () => {
  const item = (r: ReturnType<typeof monthlyCost>, name: string) =>
    r.pipeline.find((l) => l.item === name)?.quantity ?? 0;
  const immediate = monthlyCost({ ...INPUTS, emailSubscribers: 2 });

  it('sends each e-mail subscriber at most one e-mail per window, the critical share at once', () => {
    const digested = monthlyCost({
      ...INPUTS,
      emailSubscribers: 2,
      digest: { windowMinutes: 15, immediateShare: 0.1, channels: ['email'] },
    });
    // 150k alerts a month: 15k critical at once to each of 2 subscribers; the rest into 2,880
    // windows a subscriber (~47 each, so every window sends one).
    expect(item(immediate, 'stock-monitor e-mail deliveries')).toBeCloseTo(300_000, 6);
    expect(item(digested, 'stock-monitor e-mail deliveries')).toBe(0);
    expect(item(digested, 'stock-monitor e-mail deliveries, immediate')).toBeCloseTo(30_000, 6);
    const digests = item(digested, 'e-mail digests (15 min)');
    expect(digests).toBeLessThanOrEqual(2 * 2880);
    expect(digests).toBeGreaterThan(2 * 2879);
    expect(item(digested, 'digest publishes')).toBeCloseTo(digests, 6);
    // The SMS go at once: only e-mail takes the digest.
    expect(item(digested, 'stock-monitor SMS deliveries (US)')).toBeCloseTo(
      item(immediate, 'stock-monitor SMS deliveries (US)'),
      6,
    );
    expect(item(digested, 'digest buffer writes (WRU)')).toBeCloseTo(150_000 * 3, 6);
    expect(digested.totals.pipeline).toBeLessThan(immediate.totals.pipeline);
    expect(digested.totals.naive).toBe(immediate.totals.naive);
  });

  it('buffers and runs the sender once when both channels take digests', () => {
    const both = monthlyCost({
      ...INPUTS,
      digest: { windowMinutes: 60, immediateShare: 0, channels: ['sms', 'email'] },
    });
    expect(item(both, 'digest buffer writes (WRU)')).toBeCloseTo(150_000 * 3, 6);
    expect(item(both, 'digest-sender requests')).toBe(2880);
    expect(item(both, 'digest publishes')).toBeCloseTo(
      item(both, 'SMS digests (60 min, US)') + item(both, 'e-mail digests (60 min)'),
      6,
    );
  });
});

describe('monthlyCost of rules of their own and of the demand roll-up', () => {
  const item = (r: ReturnType<typeof monthlyCost>, name: string) =>
    r.pipeline.find((l) => l.item === name)?.quantity ?? 0;

  it("moves the monitor's reads between the measured setups by the share of changes to items with rules of their own", () => {
    // 3M changes a month; 3,000 RRU per 1,000 with no item rules, 3,500 with every item on one.
    const none = monthlyCost({ ...INPUTS, ownRuleShare: 0 });
    const half = monthlyCost({ ...INPUTS, ownRuleShare: 0.5 });
    const all = monthlyCost({ ...INPUTS, ownRuleShare: 1 });
    expect(item(none, 'stock-monitor reads (RRU)')).toBeCloseTo(9_000_000, 3);
    expect(item(half, 'stock-monitor reads (RRU)')).toBeCloseTo(9_750_000, 3);
    expect(item(all, 'stock-monitor reads (RRU)')).toBeCloseTo(10_500_000, 3);
    expect(all.totals.naive).toBe(none.totals.naive);
  });

  it('prices the roll-up per distinct item-day sold, never more item-days than sales', () => {
    // 60k sales a day: 5,000 items sold a day take 5,000 item-days; 1M items, only 60k.
    const few = monthlyCost({ ...INPUTS, itemsSoldPerDay: 5000 });
    expect(item(few, 'demand-rollup writes (WRU)')).toBeCloseTo(30 * 5000, 6);
    // Both passes read each item-day's stored day and the day's journal.
    expect(item(few, 'demand-rollup reads (RRU)')).toBeCloseTo(
      30 * 2 * (5000 * 0.5 + 60_000 * 0.001),
      6,
    );
    expect(item(few, 'demand-rollup requests')).toBe(30);
    const many = monthlyCost({ ...INPUTS, itemsSoldPerDay: 1_000_000 });
    expect(item(many, 'demand-rollup writes (WRU)')).toBeCloseTo(30 * 60_000, 6);
  });
});

describe('countsAt', () => {
  it('splits a measure into a part per record and a part per invocation from two batch sizes', () => {
    // The naive consumer: 0.9 ms per record, whatever the batch: 9 ms at 10, 45 ms at 50.
    const at50 = countsAt(METERED, 'naive-consumer', { rate: 0, recordsPerInvocation: 50 });
    expect(at50.invocations).toBeCloseTo(20, 10);
    expect(at50.cpuMsPerInvocation).toBeCloseTo(45, 10);
    expect(at50.writeUnits).toBeCloseTo(1000, 10);
  });

  it('mixes quiet and crossing changes by the crossing rate (property)', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1, noNaN: true }), (rate) => {
        const at = countsAt(METERED, 'stock-monitor', { rate, recordsPerInvocation: 10 });
        expect(at.writeUnits).toBeCloseTo(2000 * rate, 6);
        expect(at.readUnits).toBeCloseTo(3000, 6);
      }),
    );
  });
});

describe('GB-s from CPU time', () => {
  it('runs a function at a share of a vCPU proportional to its memory, billed by the ms', () => {
    // 10 ms of CPU at 128 MB: 1769/128 × 10 = 138.2 → 139 ms × 0.125 GB.
    expect(gbSecondsPerInvocation(10, 128)).toBeCloseTo(0.139 * 0.125, 10);
    // At or above 1,769 MB a function has a whole vCPU: no faster than its CPU time.
    expect(gbSecondsPerInvocation(10, 3538)).toBeCloseTo(0.01 * (3538 / 1024), 10);
  });

  it('picks the smallest memory among those of least GB-s', () => {
    expect(cheapestMemory(counts(10, { cpuMsPerInvocation: 10 }))).toBe(128);
  });
});
