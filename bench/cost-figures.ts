import { writeFileSync } from 'node:fs';
import { loadEnvironment } from '../infra/config/environments.js';
import { DIGEST_CATCH_UP_TICKS, DIGEST_TICK_MINUTES } from '../shared/contracts/subscriptions.js';
import {
  countsAt,
  DEFAULT_COST_INPUTS,
  type FunctionCounts,
  gbSecondsPer1000,
  MEMORY_SIZES_MB,
  type MeteredCounts,
  memoryOf,
  monthlyCost,
} from '../shared/domain/cost.js';
import { meterCounts, meterRollup, meterRuleReads, type RuleSetup } from './metering.js';
import { type Figure, figure } from './results.js';
import { type Functions, importFunctions } from './throughput.js';

/** The reference load (#18). */
export const REFERENCE_LOAD = { writesPerDay: 500_000, crossingRate: 0.02 } as const;

const OURS = ['stock-monitor', 'strategy-executor', 'demand-recorder'] as const;

/** What each count is called in a figure, and its unit. */
const MEASURES: readonly (readonly [keyof FunctionCounts, string, string])[] = [
  ['writeUnits', 'DynamoDB write units', 'WRU'],
  ['indexWriteUnits', 'DynamoDB index write units', 'WRU'],
  ['readUnits', 'DynamoDB read units', 'RRU'],
  ['snsPublishes', 'SNS publishes', 'requests'],
  ['eventEntries', 'EventBridge entries', 'requests'],
  ['invocations', 'Lambda invocations', 'requests'],
];

/** Each function's counts per 1,000 changes at the reference mix, beside the naive consumer's. */
const countFigures = (counts: MeteredCounts): Figure[] => {
  const load = {
    rate: REFERENCE_LOAD.crossingRate,
    recordsPerInvocation: DEFAULT_COST_INPUTS.recordsPerInvocation,
  };
  const naive = countsAt(counts, 'naive-consumer', load);
  const figures: Figure[] = [];
  for (const fn of OURS) {
    const at = countsAt(counts, fn, {
      ...load,
      ...(fn === 'demand-recorder'
        ? { recordsPerInvocation: DEFAULT_COST_INPUTS.demandRecordsPerInvocation }
        : {}),
    });
    for (const [key, label, unit] of MEASURES)
      figures.push(
        figure({
          name: `${fn}: ${label} per 1,000 changes (2 % crossings, every change a sale, no item with rules of its own)`,
          value: at[key] as number,
          unit,
          baseline: { name: 'naive consumer', value: naive[key] as number },
        }),
      );
    for (const memoryMb of MEMORY_SIZES_MB)
      figures.push(
        figure({
          name: `${fn}: GB-s per 1,000 changes at ${memoryMb} MB (arm64, from CPU time)`,
          value: gbSecondsPer1000(at, memoryMb),
          unit: 'GB-s',
          baseline: { name: 'naive consumer', value: gbSecondsPer1000(naive, memoryMb) },
        }),
      );
  }
  return figures;
};

/**
 * The bills at the reference load, ours against the naive consumer's: without SMS, with 10 %
 * of alerts by SMS, and with those SMS subscribers on 15-minute digests (#18); and without SMS
 * with the e-mail subscriber on 15-minute digests.
 */
const SCENARIOS = [
  { smsShare: 0, label: '--sms-share 0' },
  {
    smsShare: 0,
    digest: { windowMinutes: 15, immediateShare: 0, channels: ['sms', 'email'] },
    label: '--sms-share 0 --digest 15m --digest-channels sms,email',
  },
  { smsShare: 0.1, label: '--sms-share 0.1' },
  {
    smsShare: 0.1,
    digest: { windowMinutes: 15, immediateShare: 0, channels: ['sms'] },
    label: '--sms-share 0.1 --digest 15m',
  },
] as const;

/** The monthly bill of each {@link SCENARIOS}, as figures with the naive bill beside. */
const costFigures = (counts: MeteredCounts): Figure[] =>
  SCENARIOS.map(({ label, ...scenario }) => {
    const cost = monthlyCost({
      ...DEFAULT_COST_INPUTS,
      ...REFERENCE_LOAD,
      ...scenario,
      memoryMb: memoryOf(loadEnvironment('prod').memoryMb, counts, {
        rate: REFERENCE_LOAD.crossingRate,
        recordsPerInvocation: DEFAULT_COST_INPUTS.recordsPerInvocation,
      }),
      counts,
    });
    return figure({
      name: `cost per month, --writes-per-day 500000 --crossing-rate 0.02 ${label}`,
      value: cost.totals.pipeline,
      unit: 'USD',
      baseline: { name: 'naive consumer', value: cost.totals.naive },
      target: '≤ 0.5× naive',
      meetsTarget: cost.totals.pipeline <= cost.totals.naive / 2,
    });
  });

/** The rule setups whose reads the cost section shows, by what they say. */
const RULE_SETUPS: readonly [RuleSetup['ownRules'], string][] = [
  ['none', 'no item with rules of its own (most of a catalogue)'],
  ['all', 'every item with a sku+location rule'],
];

/**
 * The stock-monitor's read units per 1,000 quiet changes (100 per batch) with the rules
 * directory, beside the same table without it (as an earlier release left it), for items
 * without and with rules of their own (issue #18).
 */
const ruleReadFigures = async (functions: Functions, records: number): Promise<Figure[]> => {
  const figures: Figure[] = [];
  for (const [ownRules, label] of RULE_SETUPS) {
    const reads = async (directory: boolean) =>
      (
        await meterRuleReads(functions, {
          records,
          batchSize: 100,
          rate: 0,
          setup: { ownRules, directory },
        })
      ).monitor.readUnits;
    const without = await reads(false);
    figures.push(
      figure({
        name: `stock-monitor: DynamoDB read units per 1,000 quiet changes, ${label}`,
        value: await reads(true),
        unit: 'RRU',
        baseline: { name: 'without the rules directory', value: without },
      }),
    );
  }
  return figures;
};

/**
 * The cost section: meters every function (see {@link meterCounts}), writes the counts the
 * `cost` command reads to `countsFile`, and returns the counts and the monthly bill as figures.
 */
export const costBench = async (options: {
  records: number;
  countsFile: string;
}): Promise<Figure[]> => {
  const functions = await importFunctions();
  const counts = await meterCounts(functions, { records: options.records, batchSizes: [10, 100] });
  writeFileSync(options.countsFile, `${JSON.stringify(counts, null, 2)}\n`);
  return [
    ...countFigures(counts),
    ...(await ruleReadFigures(functions, options.records)),
    ...costFigures(counts),
    ...digestFigures(counts),
    ...(await rollupFigures(functions, options.records)),
  ];
};

/** Crossings in a 15-minute window at the reference load (10,000 a day). */
const REFERENCE_WINDOW_CROSSINGS =
  (REFERENCE_LOAD.writesPerDay * REFERENCE_LOAD.crossingRate) / (1440 / DIGEST_TICK_MINUTES);

/**
 * What digests cost besides their messages, as measured (the cost model prices digests from
 * these): the buffer's writes per crossing, and one 15-minute window at the reference load.
 */
const digestFigures = ({ digest }: MeteredCounts): Figure[] => {
  const crossings = REFERENCE_WINDOW_CROSSINGS;
  return [
    figure({
      name: 'digest buffer: write units per crossing (put if absent, with its index entry)',
      value: digest.bufferWriteUnitsPerAlert,
      unit: 'WRU',
    }),
    figure({
      name: `digest-sender: buffer read units per 15-minute window of ${Math.round(crossings)} crossings`,
      value: digest.readUnitsPerWindow + digest.readUnitsPerAlert * crossings,
      unit: 'RRU',
    }),
    figure({
      name: `digest-sender: read units of the windows' marks per tick (${DIGEST_CATCH_UP_TICKS + 2} marks of 15-minute windows)`,
      value: digest.readUnitsPerMark * (DIGEST_CATCH_UP_TICKS + 2),
      unit: 'RRU',
    }),
    figure({
      name: `digest-sender: CPU per tick closing a window of ${Math.round(crossings)} crossings`,
      value: digest.cpuMsPerTick + digest.cpuMsPerAlert * crossings,
      unit: 'ms',
    }),
    figure({
      name: 'digest-sender: idempotency write units per digest sent',
      value: digest.writeUnitsPerDigest,
      unit: 'WRU',
    }),
  ];
};

/**
 * Before the journal, the demand-recorder wrote one conditional update per item-day of a batch:
 * 1 write unit each (under 1 KB), 1,000 per 1,000 sales of distinct items at every batch size
 * (bench/results/cost-counts.json at e77c6d5, metered the same way).
 */
const UPDATE_PER_ITEM_DAY_WRU = 1000;

/**
 * The demand journal's write units per 1,000 sales at the bench's batch sizes and the
 * recorder's own, and what the nightly roll-up costs per item-day: what the cost model needs
 * beside the recorder's counts (it prices the roll-up per distinct item-day with sales).
 */
const rollupFigures = async (functions: Functions, records: number): Promise<Figure[]> => {
  const figures: Figure[] = [];
  for (const size of [10, 100, 1000]) {
    const rollup = await meterRollup(functions, records, size);
    figures.push(
      figure({
        name: `demand-recorder: journal write units per 1,000 sales (batches of ${size}, every sale an item of its own)`,
        value: rollup.journalWriteUnitsPerThousandSales,
        unit: 'WRU',
        baseline: { name: 'one update per item-day', value: UPDATE_PER_ITEM_DAY_WRU },
      }),
    );
    if (size !== 1000) continue;
    figures.push(
      figure({
        name: 'demand-rollup: write units per item-day rolled up (first run of the day)',
        value: rollup.writeUnitsPerItemDay,
        unit: 'WRU',
      }),
      figure({
        name: 'demand-rollup: read units per item-day rolled up (journal and stored days)',
        value: rollup.readUnitsPerItemDay,
        unit: 'RRU',
      }),
    );
  }
  return figures;
};
