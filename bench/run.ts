import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { freePort, startDynamoDbLocal } from '../sandbox/dynamodb-local.js';
import { coldStart } from './cold-start.js';
import { costBench } from './cost-figures.js';
import { writeToAlertLatency } from './latency.js';
import { type Figure, mergedWith, report } from './results.js';
import { scanVersusStream } from './scan-vs-stream.js';
import { throughputBench } from './throughput.js';

const SECTIONS = ['throughput', 'cold-start', 'scan', 'latency', 'cost'] as const;

/** The results file a full run writes and a run of some sections refreshes. */
const DEFAULT_OUT = 'bench/results/latest.json';

const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '100000' },
    latency: { type: 'string', default: '0' },
    items: { type: 'string', default: '10000' },
    'writes-per-second': { type: 'string', default: '20,200' },
    /**
     * Per latency rate, the share of writes that cross into low stock (the others stay quiet):
     * every write at 20/s (alerting under stress), 5 % at 200/s (a shop's mix).
     */
    'crossing-share': { type: 'string', default: '1,0.05' },
    seconds: { type: 'string', default: '10' },
    executors: { type: 'string', default: '4' },
    runs: { type: 'string', default: '11' },
    /** Changes per metered run of the cost section (four runs, plus a warm-up). */
    'meter-records': { type: 'string', default: '5000' },
    /** Where the cost section writes the counts the `cost` command reads. */
    counts: { type: 'string', default: 'bench/results/cost-counts.json' },
    only: { type: 'string' },
    out: { type: 'string', default: DEFAULT_OUT },
  },
});
const figures: Figure[] = [];

// Every section in a fresh process: one section's heap, JIT state and async hooks must not
// weigh on the next one's figures.
if (values.only === undefined) {
  const dir = mkdtempSync(join(tmpdir(), 'inventory-alerts-bench-'));
  const forwarded = Object.entries(values).flatMap(([key, value]) =>
    key === 'out' || value === undefined ? [] : [`--${key}`, String(value)],
  );
  for (const section of SECTIONS) {
    const out = join(dir, `${section}.json`);
    const run = spawnSync(
      process.execPath,
      [
        ...process.execArgv,
        process.argv[1] as string,
        ...forwarded,
        '--only',
        section,
        '--out',
        out,
      ],
      { stdio: ['ignore', 'ignore', 'inherit'] },
    );
    if (run.status !== 0) {
      console.error(`bench section ${section} failed (exit ${run.status})`);
      process.exit(1);
    }
    figures.push(...(JSON.parse(readFileSync(out, 'utf8')) as { figures: Figure[] }).figures);
  }
  report(figures, values.out, { options: values });
  process.exit(0);
}

const only = new Set(values.only.split(','));
const unknown = [...only].filter((s) => !(SECTIONS as readonly string[]).includes(s));
if (unknown.length > 0) {
  console.error(`--only takes ${SECTIONS.join(', ')}; unknown: ${unknown.join(', ')}`);
  process.exit(2);
}

if (only.has('throughput')) {
  console.error(
    `throughput: ${values.records} records per crossing rate, stub latency ${values.latency} ms…`,
  );
  figures.push(
    ...(await throughputBench({
      records: Number(values.records),
      latencyMs: Number(values.latency),
      batchSize: 100,
    })),
  );
}
if (only.has('cold-start')) {
  console.error(
    `cold start: bundling with the stack's esbuild settings, ${values.runs} fresh processes each…`,
  );
  figures.push(...(await coldStart(Number(values.runs))));
}
/** A fresh DynamoDB Local per measurement, so no run pays for the tables and streams of another. */
const onFreshDynamo = async <T>(measure: (endpoint: string) => Promise<T>): Promise<T> => {
  const dynamo = await startDynamoDbLocal({ port: await freePort() });
  try {
    return await measure(dynamo.endpoint);
  } finally {
    await dynamo.stop();
  }
};
if (only.has('scan')) {
  console.error(`scan vs stream: ${values.items} items on DynamoDB Local…`);
  figures.push(
    ...(await onFreshDynamo((endpoint) =>
      scanVersusStream({ endpoint, items: Number(values.items) }),
    )),
  );
}
if (only.has('latency')) {
  const shares = values['crossing-share'].split(',').map(Number);
  if (shares.some((share) => !(share >= 0 && share <= 1))) {
    console.error('--crossing-share takes shares between 0 and 1, e.g. 1,0.05');
    process.exit(2);
  }
  for (const [index, rate] of values['writes-per-second'].split(',').map(Number).entries()) {
    console.error(`latency: ${rate} writes/s for ${values.seconds} s on the sandbox…`);
    figures.push(
      ...(await onFreshDynamo((endpoint) =>
        writeToAlertLatency({
          endpoint,
          writesPerSecond: rate,
          seconds: Number(values.seconds),
          executors: Number(values.executors),
          crossingShare: shares[index] ?? shares.at(-1) ?? 1,
        }),
      )),
    );
  }
}
if (only.has('cost')) {
  console.error(`cost: metering every function over ${values['meter-records']} changes per run…`);
  figures.push(
    ...(await costBench({ records: Number(values['meter-records']), countsFile: values.counts })),
  );
}
// A run of some sections into the results file refreshes their figures and keeps the others;
// the table printed is this run's. (The full run's sections each write a file of their own.)
if (values.out === DEFAULT_OUT) {
  report(figures, DEFAULT_OUT, { options: values }, mergedWith(figures, DEFAULT_OUT));
} else report(figures, values.out, { options: values });
process.exit(0);
