import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { esbuildOptionsFor } from '../infra/constructs/pipeline-function.js';
import { inFreshNode } from '../test/support/fresh-node.js';
import { type Figure, figure } from './results.js';

const bundle = async (entry: string, outfile: string, external: string[] = []) => {
  const options = esbuildOptionsFor(entry);
  await build({
    ...options,
    external: [...options.external, ...external],
    outfile,
    logLevel: 'error',
  });
  return statSync(outfile).size;
};

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
};

/**
 * Module init time of each bundle in a fresh Node process, median of `runs`: the time require()
 * takes, which is how Lambda loads a CommonJS handler, with the stack's `--enable-source-maps`.
 * The bundles take turns, round after round, so the machine's drift weighs on each alike.
 */
const initTimes = (
  files: readonly string[],
  runs: number,
  traced: readonly boolean[],
): number[] => {
  const times = files.map((): number[] => []);
  for (let round = 0; round < runs; round++) {
    for (const [index, file] of files.entries()) {
      const result = inFreshNode(initScript(file, traced[index] === true));
      if (result.status !== 0) throw new Error(`init of ${file} failed: ${result.stderr}`);
      times[index]?.push(Number(result.stdout.trim()));
    }
  }
  return times.map(median);
};

/**
 * The script timing one bundle's init. Traced: as in Lambda with tracing on, and until the
 * Tracer (loaded by a dynamic import, see functions/commons/powertools.ts) is in, so the
 * figure holds everything tracing costs.
 */
const initScript = (file: string, traced: boolean) =>
  traced
    ? `process.env.AWS_EXECUTION_ENV='AWS_Lambda_nodejs22.x';process.env.POWERTOOLS_TRACE_ENABLED='true';const t=performance.now();require(${JSON.stringify(file)});setImmediate(()=>console.log(performance.now()-t))`
    : `const t=performance.now();require(${JSON.stringify(file)});console.log(performance.now()-t)`;

/** The two baselines' entry points, written into `dir`: a bare handler and the naive consumer. */
const writeBaselines = (dir: string) => {
  const bareEntry = join(dir, 'bare.ts');
  writeFileSync(bareEntry, 'export const handler = async () => ({ ok: true });\n');
  const naiveEntry = join(dir, 'naive.ts');
  writeFileSync(
    naiveEntry,
    `import { createNaiveConsumer } from ${JSON.stringify(resolve('bench/naive-consumer.ts'))};
export const handler = createNaiveConsumer({
  region: process.env.AWS_REGION ?? '',
  credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  requestHandler: undefined,
  controlTable: process.env.CONTROL_TABLE_NAME ?? '',
  topicArn: process.env.ALERTS_TOPIC_ARN ?? '',
  busName: process.env.EVENT_BUS_NAME ?? '',
});
`,
  );
  return { bareEntry, naiveEntry };
};

/** The bundles measured, by name: entry point and, for one, the packages left to the runtime. */
const bundlesOf = (baselines: { bareEntry: string; naiveEntry: string }) =>
  [
    ['bare', baselines.bareEntry],
    ['naive', baselines.naiveEntry],
    ['stock-monitor', 'functions/stock-monitor/handler.ts'],
    ['strategy-executor', 'functions/strategy-executor/handler.ts'],
    ['demand-recorder', 'functions/demand-recorder/handler.ts'],
    ['stock-monitor-traced', 'functions/stock-monitor/handler.ts', [], true],
    [
      'stock-monitor-runtime-sdk',
      'functions/stock-monitor/handler.ts',
      ['@aws-sdk/*', '@smithy/*'],
    ],
  ] as const;

type BundleName = ReturnType<typeof bundlesOf>[number][0];

/** One bundle's size in KB and its median module init time in ms. */
type Measured = (name: BundleName) => { kb: number; init: number };

/** Bundles each entry into `dir`, then times the bundles' init: each bundle's size and init. */
const measureBundles = async (
  bundles: ReturnType<typeof bundlesOf>,
  dir: string,
  runs: number,
): Promise<Measured> => {
  const files = bundles.map(([name]) => join(dir, `${name}.cjs`));
  const sizes: number[] = [];
  for (const [index, [, entry, external]] of bundles.entries())
    sizes.push((await bundle(entry, files[index] as string, external ? [...external] : [])) / 1024);
  const inits = initTimes(
    files,
    runs,
    bundles.map((b) => b[3] === true),
  );
  return (name) => {
    const index = bundles.findIndex(([n]) => n === name);
    return { kb: sizes[index] as number, init: inits[index] as number };
  };
};

/** Size and init of each deployed function against the bare bundle and the naive consumer. */
const functionFigures = (measured: Measured, runs: number): Figure[] => {
  const bare = measured('bare');
  const naive = measured('naive');
  const bareSize = { name: 'bare bundle', value: bare.kb };
  const bareInit = { name: 'bare bundle', value: bare.init };
  const naiveInit = { name: 'naive consumer', value: naive.init };
  const figures: Figure[] = [
    figure({ name: 'bare bundle init (no dependencies)', value: bare.init, unit: 'ms' }),
    figure({ name: 'naive consumer bundle size', value: naive.kb, unit: 'KB', baseline: bareSize }),
    figure({
      name: `naive consumer module init (median of ${runs})`,
      value: naive.init,
      unit: 'ms',
      baseline: bareInit,
    }),
  ];
  for (const name of ['stock-monitor', 'strategy-executor', 'demand-recorder'] as const) {
    const { kb, init } = measured(name);
    const monitor = name === 'stock-monitor';
    figures.push(
      figure({
        name: `${name} bundle size`,
        value: kb,
        unit: 'KB',
        baseline: bareSize,
        ...(monitor ? { target: '≤ 250 KB', meetsTarget: kb <= 250 } : {}),
      }),
      figure({
        name: `${name} module init (median of ${runs})`,
        value: init,
        unit: 'ms',
        baseline: bareInit,
        ...(monitor ? { target: '≤ 1.5× bare', meetsTarget: init <= 1.5 * bare.init } : {}),
      }),
      figure({
        name: `${name} module init against the naive consumer`,
        value: init,
        unit: 'ms',
        baseline: naiveInit,
        ...(monitor ? { target: '≤ 1.3× naive', meetsTarget: init <= 1.3 * naive.init } : {}),
      }),
    );
  }
  return figures;
};

/** The stock-monitor with the SDK taken from the runtime, and with tracing on, against the bundle as deployed. */
const variantFigures = (measured: Measured): Figure[] => {
  const runtimeSdk = measured('stock-monitor-runtime-sdk');
  return [
    figure({
      name: 'stock-monitor module init with tracing on (Tracer loaded)',
      value: measured('stock-monitor-traced').init,
      unit: 'ms',
      baseline: { name: 'naive consumer', value: measured('naive').init },
    }),
    figure({
      name: 'stock-monitor bundle size, SDK from the runtime (not deployed)',
      value: runtimeSdk.kb,
      unit: 'KB',
      baseline: { name: 'bare bundle', value: measured('bare').kb },
    }),
    figure({
      name: 'stock-monitor module init, SDK from the runtime (not deployed)',
      value: runtimeSdk.init,
      unit: 'ms',
      baseline: { name: 'stock-monitor as deployed', value: measured('stock-monitor').init },
    }),
  ];
};

/**
 * Cold-start proxy: each function bundled with the stack's esbuild settings; its size, and its
 * module init time in a fresh Node process next to two baselines bundled the same way: a bare
 * handler with no dependencies, and the naive consumer (the AWS samples' stream-to-SNS
 * function: the same three SDK clients, nothing else). Also the stock-monitor with the SDK
 * taken from the runtime instead of bundled, the alternative the stack does not take.
 */
export const coldStart = async (runs: number): Promise<Figure[]> => {
  const dir = mkdtempSync(join(tmpdir(), 'inventory-alerts-bundles-'));
  const bundles = bundlesOf(writeBaselines(dir));
  const measured = await measureBundles(bundles, dir, runs);
  return [...functionFigures(measured, runs), ...variantFigures(measured)];
};
