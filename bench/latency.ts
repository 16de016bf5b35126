import { loadEnvironment } from '../infra/config/environments.js';
import { Sandbox } from '../sandbox/sandbox.js';
import { percentile } from '../shared/domain/effectiveness.js';
import { type Figure, figure } from './results.js';

/** Percentile `p` of sorted delays, in ms, against a target of staying below `belowMs` if given. */
const delay = (name: string, sorted: readonly number[], p: number, belowMs?: number): Figure => {
  const value = percentile(sorted, p);
  return figure({
    name,
    value: value ?? Number.NaN,
    unit: 'ms',
    ...(belowMs === undefined
      ? {}
      : {
          target: `< ${belowMs.toLocaleString('en-US')} ms`,
          meetsTarget: (value ?? Number.POSITIVE_INFINITY) < belowMs,
        }),
  });
};

/** Seconds of writes at the measured rate before measuring (then the backlog is drained). */
const WARMUP_SECONDS = 3;

/** What the latency run is asked to do. */
interface LatencyOptions {
  endpoint: string;
  writesPerSecond: number;
  seconds: number;
  executors: number;
  crossingShare: number;
}

/** When each item's write was acknowledged, its alert published and its effect applied. */
interface Timings {
  readonly written: Map<string, number>;
  readonly warmupWritten: Map<string, number>;
  readonly published: Map<string, number>;
  readonly applied: Map<string, number>;
}

/** A sandbox polled as Lambda polls, noting when each item's alert and effect happen. */
const timedSandbox = async (options: LatencyOptions, timings: Timings): Promise<Sandbox> => {
  const config = loadEnvironment('dev');
  const sandbox = await Sandbox.create({
    endpoint: options.endpoint,
    prefix: `latency-${Date.now()}-`,
    config: {
      ...config,
      streamConsumer: { ...config.streamConsumer, batchSize: 100, maxBatchingWindowSeconds: 0 },
    },
    pollIntervalMs: 250,
    executorConcurrency: options.executors,
    onActivity: (activity) => {
      const now = performance.now();
      if (activity.kind === 'alert')
        timings.published.set(String(activity.entry.attributes.sku), now);
      if (activity.kind === 'effect' && activity.applied.transition === 'TRIGGERED')
        timings.applied.set(activity.applied.sku, now);
    },
  });
  await sandbox.putRule({
    scope: { default: true },
    thresholds: { LOW_STOCK: 10 },
    strategies: { LOW_STOCK: { type: 'purchase-order', quantity: { mode: 'fixed', units: 50 } } },
  });
  return sandbox;
};

/** Writes `count` items at the rate, `crossingShare` of them (spread evenly) into low stock. */
const writeAtRate = async (
  sandbox: Sandbox,
  options: LatencyOptions,
  count: number,
  label: (i: number) => string,
  into: Map<string, number>,
) => {
  const begun = performance.now();
  const inFlight: Promise<void>[] = [];
  let crossings = 0;
  let lastWrite = begun;
  for (let i = 0; i < count; i++) {
    const due = begun + (i * 1000) / options.writesPerSecond;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    // Write i crosses when the running share falls behind.
    const crosses =
      Math.round((i + 1) * options.crossingShare) > Math.round(i * options.crossingShare);
    if (crosses) crossings++;
    const sku = label(i);
    inFlight.push(
      sandbox.putItem({ sku, location: 'WH-1', quantity: crosses ? 5 : 500 }).then(() => {
        const at = performance.now();
        lastWrite = Math.max(lastWrite, at);
        if (crosses) into.set(sku, at);
      }),
    );
  }
  await Promise.all(inFlight);
  return { crossings, seconds: (lastWrite - begun) / 1000 };
};

/** Sorted delays from each crossing write to its item's `done` time, for the items done. */
const delays = (done: Map<string, number>, writes: Map<string, number>) =>
  [...writes]
    .flatMap(([sku, at]) => (done.has(sku) ? [(done.get(sku) as number) - at] : []))
    .sort((a, b) => a - b);

/** The figures of one latency run: the rate achieved, alerts per crossing, the percentiles. */
const latencyFigures = (
  options: LatencyOptions,
  timings: Timings,
  measured: { total: number; crossings: number; seconds: number },
): Figure[] => {
  const achieved = measured.total / measured.seconds;
  const toAlert = delays(timings.published, timings.written);
  const toEffect = delays(timings.applied, timings.written);
  const share = Math.round(options.crossingShare * 100);
  const label = `${options.writesPerSecond} writes/s for ${options.seconds} s after ${WARMUP_SECONDS} s warm-up, ${share} % crossing`;
  return [
    figure({ name: `writes achieved (${label})`, value: achieved, unit: 'writes/s' }),
    figure({
      name: 'alerts published / crossing writes',
      value: toAlert.length,
      unit: `of ${measured.crossings}`,
    }),
    delay('write → SNS publish p50', toAlert, 50, 300),
    delay('write → SNS publish p95', toAlert, 95),
    delay('write → SNS publish p99', toAlert, 99, 1000),
    delay(
      `write → SNS publish p99 in the warm-up (${WARMUP_SECONDS} s from cold at the same rate)`,
      delays(timings.published, timings.warmupWritten),
      99,
    ),
    delay(`write → strategy effect p50 (${options.executors} executors)`, toEffect, 50),
    delay('write → strategy effect p99', toEffect, 99),
  ];
};

/**
 * Write → alert latency on the sandbox: W writes per second for T seconds, each a new item,
 * `crossingShare` of them inserted into low stock (the rest well stocked), with the stream
 * polled every 250 ms as Lambda does, after a warm-up of {@link WARMUP_SECONDS} s at the same
 * rate and a pause until its writes are processed. Measures, for the writes that cross, from
 * the write's acknowledgement to the SNS publish, and to the strategy's effect (a purchase
 * order).
 */
export const writeToAlertLatency = async (options: LatencyOptions): Promise<Figure[]> => {
  const timings: Timings = {
    written: new Map(),
    warmupWritten: new Map(),
    published: new Map(),
    applied: new Map(),
  };
  const sandbox = await timedSandbox(options, timings);
  // A warm-up at the same rate first (JIT, connections, caches, as a warm Lambda has them),
  // then a pause until everything it wrote is processed, so the measured writes meet a warm
  // pipeline with no backlog, as a warm Lambda at that rate does. The warm-up's own delays are
  // reported too: the first seconds of a cold pipeline under the same rate.
  await writeAtRate(
    sandbox,
    options,
    Math.round(options.writesPerSecond * WARMUP_SECONDS),
    (i) => `WARM-${i}`,
    timings.warmupWritten,
  );
  await sandbox.settle(300_000);
  const total = options.writesPerSecond * options.seconds;
  const { crossings, seconds } = await writeAtRate(
    sandbox,
    options,
    total,
    (i) => `LAT-${i}`,
    timings.written,
  );
  await sandbox.settle(300_000);
  await sandbox.stop();
  return latencyFigures(options, timings, { total, crossings, seconds });
};
