import { writeFileSync } from 'node:fs';
import { loadEnvironment } from '../infra/config/environments.js';
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
import { meterCounts } from './metering.js';
import { type Figure, figure } from './results.js';
import { importFunctions } from './throughput.js';

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
          name: `${fn}: ${label} per 1,000 changes (2 % crossings, every change a sale)`,
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
 * The counts with the demand-recorder writing each sale's day total as one plain conditional
 * update (1 WCU for a small item) instead of a transaction (2): an estimate of #18's recorder
 * change, until the bench meters the code that makes it.
 */
const withSingleUnitDemandWrites = (counts: MeteredCounts): MeteredCounts => {
  const recorder = counts.functions['demand-recorder'];
  const halve = (c: FunctionCounts): FunctionCounts => ({ ...c, writeUnits: c.writeUnits / 2 });
  const pair = (p: readonly [FunctionCounts, FunctionCounts]) =>
    [halve(p[0]), halve(p[1])] as const;
  return {
    ...counts,
    functions: {
      ...counts.functions,
      'demand-recorder': { quiet: pair(recorder.quiet), crossing: pair(recorder.crossing) },
    },
  };
};

/** Whether the recorder already writes one unit per sale (then there is nothing to estimate). */
const recorderTransactional = (counts: MeteredCounts) =>
  counts.functions['demand-recorder'].quiet[1].writeUnits >= 2 * 1000;

/** The monthly bill at the reference load for both SMS shares, ours against the naive consumer's. */
const costFigures = (counts: MeteredCounts): Figure[] => [
  ...billFigures(counts, ''),
  ...(recorderTransactional(counts)
    ? billFigures(
        withSingleUnitDemandWrites(counts),
        ', estimate with the demand-recorder at 1 WCU per sale',
      )
    : []),
];

/** The bill at the reference load for both SMS shares, as figures named with `suffix`. */
const billFigures = (counts: MeteredCounts, suffix: string): Figure[] =>
  [0, 0.1].flatMap((smsShare) => {
    const cost = monthlyCost({
      ...DEFAULT_COST_INPUTS,
      ...REFERENCE_LOAD,
      smsShare,
      memoryMb: memoryOf(loadEnvironment('prod').memoryMb, counts, {
        rate: REFERENCE_LOAD.crossingRate,
        recordsPerInvocation: DEFAULT_COST_INPUTS.recordsPerInvocation,
      }),
      counts,
    });
    const label = `--writes-per-day 500000 --crossing-rate 0.02 --sms-share ${smsShare}${suffix}`;
    return [
      figure({
        name: `cost per month, ${label}`,
        value: cost.totals.pipeline,
        unit: 'USD',
        baseline: { name: 'naive consumer', value: cost.totals.naive },
        target: '≤ 0.5× naive',
        meetsTarget: cost.totals.pipeline <= cost.totals.naive / 2,
      }),
    ];
  });

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
  return [...countFigures(counts), ...costFigures(counts)];
};
