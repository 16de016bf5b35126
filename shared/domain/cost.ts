import { PRICES } from './pricing.js';

export interface CostInputs {
  readonly writesPerDay: number;
  /** Share of writes that cross a level (0–1). */
  readonly crossingRate: number;
  /** Share of alerts that also go out by SMS (0–1). */
  readonly smsShare: number;
  /** E-mail subscribers each alert reaches. */
  readonly emailSubscribers: number;
  /** Average stream records per stock-monitor invocation. */
  readonly recordsPerInvocation: number;
  /** Average stream records per demand-recorder invocation (its batches are larger). */
  readonly demandRecordsPerInvocation: number;
  /** Share of writes that are sales (decrements by the shop), which the demand-recorder counts. */
  readonly saleShare: number;
  readonly memoryMb: number;
  readonly monitorMsPerInvocation: number;
  readonly recorderMsPerInvocation: number;
  readonly executorMsPerInvocation: number;
}

export const DEFAULT_COST_INPUTS: Omit<CostInputs, 'writesPerDay' | 'crossingRate'> = {
  smsShare: 0,
  emailSubscribers: 1,
  recordsPerInvocation: 10,
  demandRecordsPerInvocation: 100,
  saleShare: 0.6,
  memoryMb: 512,
  monitorMsPerInvocation: 60,
  recorderMsPerInvocation: 40,
  executorMsPerInvocation: 120,
};

export interface CostLine {
  readonly service: string;
  readonly item: string;
  readonly quantity: number;
  readonly usd: number;
}

const DAYS = 30;

/** The month's volumes every cost line is priced from. */
interface MonthlyLoad {
  readonly writes: number;
  readonly crossings: number;
  readonly gb: number;
  readonly monitorInvocations: number;
  readonly recorderInvocations: number;
}

/**
 * Monthly cost (30 days) of this pipeline by service, and of the naive consumer (one rule read,
 * one state write per record, a Lambda invocation per batch of the same size) for the same load.
 * Alerts, events and strategy effects are the same in both; what differs is the per-record I/O.
 */
export const monthlyCost = (inputs: CostInputs) => {
  const load = monthlyLoad(inputs);
  const shared = sharedLines(inputs, load);
  const pipeline = pipelineLines(inputs, load, shared);
  const naive = naiveLines(inputs, load, shared);
  return {
    pipeline,
    naive,
    totals: { pipeline: total(pipeline), naive: total(naive) },
    prices: { asOf: PRICES.asOf, region: PRICES.region, source: PRICES.source },
  };
};

/** Writes, crossings and invocations over the month, and the functions' memory in GB. */
const monthlyLoad = (inputs: CostInputs): MonthlyLoad => {
  const writes = inputs.writesPerDay * DAYS;
  return {
    writes,
    crossings: writes * inputs.crossingRate,
    gb: inputs.memoryMb / 1024,
    monitorInvocations: writes / inputs.recordsPerInvocation,
    recorderInvocations: writes / inputs.demandRecordsPerInvocation,
  };
};

/** One priced line. */
const line = (service: string, item: string, quantity: number, unitPrice: number): CostLine => ({
  service,
  item,
  quantity,
  usd: quantity * unitPrice,
});

/** A function's requests and its GB-seconds on arm64. */
const lambda = (
  fn: string,
  invocations: number,
  msPerInvocation: number,
  gb: number,
): CostLine[] => [
  line('Lambda', `${fn} requests`, invocations, PRICES.lambda.request),
  line(
    'Lambda',
    `${fn} GB-s`,
    invocations * (msPerInvocation / 1000) * gb,
    PRICES.lambda.gbSecondArm64,
  ),
];

/** What both designs pay per crossing: alerts, events and the strategy effects. */
const sharedLines = (inputs: CostInputs, { crossings, gb }: MonthlyLoad): CostLine[] => [
  line('SNS', 'alert publishes', crossings, PRICES.sns.publish),
  line('SNS', 'e-mail deliveries', crossings * inputs.emailSubscribers, PRICES.sns.emailDelivery),
  line('SNS', 'SMS deliveries (US)', crossings * inputs.smsShare, PRICES.sns.smsUs),
  // A level change, then StrategyApplied for it.
  line('EventBridge', 'events', crossings * 2, PRICES.eventBridge.customEvent),
  ...lambda('strategy-executor', crossings, inputs.executorMsPerInvocation, gb),
  // Effect + ledger in one transaction (2 WRU each), idempotency record put and update.
  line(
    'DynamoDB',
    'strategy writes (WRU)',
    crossings * (2 * 2 + 2),
    PRICES.dynamodb.writeRequestUnit,
  ),
];

/** This pipeline: state written and read only around crossings, demand counted per batch. */
const pipelineLines = (
  inputs: CostInputs,
  load: MonthlyLoad,
  shared: readonly CostLine[],
): CostLine[] => [
  ...lambda('stock-monitor', load.monitorInvocations, inputs.monitorMsPerInvocation, load.gb),
  // Alert state: one write per crossing.
  line('DynamoDB', 'alert state writes (WRU)', load.crossings, PRICES.dynamodb.writeRequestUnit),
  ...lambda('demand-recorder', load.recorderInvocations, inputs.recorderMsPerInvocation, load.gb),
  // One transactional update (2 WRU) per item and day per batch: at most one per sale, fewer
  // when an item sells more than once within a batch (counted here at most).
  line(
    'DynamoDB',
    'demand day writes (WRU)',
    load.writes * inputs.saleShare * 2,
    PRICES.dynamodb.writeRequestUnit,
  ),
  // Rules are cached: a batched read only on a cache miss; state is read only for candidates.
  line(
    'DynamoDB',
    'rule and state reads (RRU)',
    load.crossings * 2 + load.monitorInvocations * 0.05,
    PRICES.dynamodb.readRequestUnit,
  ),
  ...shared,
];

/** The naive consumer: a rule read and a state write for every record. */
const naiveLines = (
  inputs: CostInputs,
  load: MonthlyLoad,
  shared: readonly CostLine[],
): CostLine[] => [
  // Per-record network round trips keep each invocation longer: 15 ms more per record.
  ...lambda(
    'consumer',
    load.monitorInvocations,
    inputs.monitorMsPerInvocation + 15 * inputs.recordsPerInvocation,
    load.gb,
  ),
  line('DynamoDB', 'state write per record (WRU)', load.writes, PRICES.dynamodb.writeRequestUnit),
  line('DynamoDB', 'rule read per record (RRU)', load.writes, PRICES.dynamodb.readRequestUnit),
  ...shared,
];

/** The sum of the lines in USD. */
const total = (lines: CostLine[]) => lines.reduce((sum, l) => sum + l.usd, 0);
