import { loadEnvironment } from '../infra/config/environments.js';
import { Sandbox } from '../sandbox/sandbox.js';
import { percentile } from '../shared/domain/effectiveness.js';
import { type Figure, figure } from './results.js';

/**
 * Write → alert latency on the sandbox: W writes per second for T seconds, each a new item
 * inserted into low stock, with the stream polled every 250 ms as Lambda does. Measures from
 * the write's acknowledgement to the SNS publish, and to the strategy's effect.
 */
export const writeToAlertLatency = async (options: {
  endpoint: string;
  writesPerSecond: number;
  seconds: number;
  executors: number;
}): Promise<Figure[]> => {
  const written = new Map<string, number>();
  const published = new Map<string, number>();
  const applied = new Map<string, number>();
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
      if (activity.kind === 'alert') published.set(String(activity.entry.attributes.sku), now);
      if (activity.kind === 'effect' && activity.applied.transition === 'TRIGGERED')
        applied.set(activity.applied.sku, now);
    },
  });
  await sandbox.putRule({
    scope: { default: true },
    thresholds: { LOW_STOCK: 10 },
    strategies: { LOW_STOCK: { type: 'purchase-order', quantity: { mode: 'fixed', units: 50 } } },
  });
  const total = options.writesPerSecond * options.seconds;
  const started = performance.now();
  const inFlight: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / options.writesPerSecond;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const sku = `LAT-${i}`;
    inFlight.push(
      sandbox.putItem({ sku, location: 'WH-1', quantity: 5 }).then(() => {
        written.set(sku, performance.now());
      }),
    );
  }
  await Promise.all(inFlight);
  await sandbox.settle(300_000);
  await sandbox.stop();
  const achieved = total / ((Math.max(...written.values()) - started) / 1000);
  const delays = (done: Map<string, number>) =>
    [...written]
      .flatMap(([sku, at]) => (done.has(sku) ? [(done.get(sku) as number) - at] : []))
      .sort((a, b) => a - b);
  const toAlert = delays(published);
  const toEffect = delays(applied);
  const label = `${options.writesPerSecond} writes/s for ${options.seconds} s`;
  return [
    figure({ name: `writes achieved (${label})`, value: achieved, unit: 'writes/s' }),
    figure({ name: 'alerts published / writes', value: toAlert.length, unit: `of ${total}` }),
    figure({
      name: 'write → SNS publish p50',
      value: percentile(toAlert, 50) ?? Number.NaN,
      unit: 'ms',
      target: '< 300 ms',
      meetsTarget: (percentile(toAlert, 50) ?? Infinity) < 300,
    }),
    figure({
      name: 'write → SNS publish p95',
      value: percentile(toAlert, 95) ?? Number.NaN,
      unit: 'ms',
    }),
    figure({
      name: 'write → SNS publish p99',
      value: percentile(toAlert, 99) ?? Number.NaN,
      unit: 'ms',
      target: '< 1,000 ms',
      meetsTarget: (percentile(toAlert, 99) ?? Infinity) < 1000,
    }),
    figure({
      name: `write → strategy effect p50 (${options.executors} executors)`,
      value: percentile(toEffect, 50) ?? Number.NaN,
      unit: 'ms',
    }),
    figure({
      name: 'write → strategy effect p99',
      value: percentile(toEffect, 99) ?? Number.NaN,
      unit: 'ms',
    }),
  ];
};
