import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { HttpRequest } from '@smithy/core/transport';
import { TRACER_MODULES } from '../infra/constructs/pipeline-function.js';
import { quantityChange, streamEvent } from '../test/support/factories.js';
import { inFreshNode, inFreshNodeAsync } from '../test/support/fresh-node.js';
import { buildFunctionAsset } from '../test/support/function-asset.js';
import { type Figure, figure } from './results.js';
import { StubAws } from './stub-transport.js';
import { RULE } from './throughput.js';

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
};

/**
 * Module init time of each bundle in a fresh Node process, median of `runs`: the time require()
 * takes, which is how Lambda loads a CommonJS handler, with the stack's `--enable-source-maps`.
 * The bundles take turns, round after round, so the machine's drift weighs on each alike.
 */
const initTimes = (files: readonly string[], runs: number): number[] => {
  const times = files.map((): number[] => []);
  for (let round = 0; round < runs; round++) {
    for (const [index, file] of files.entries()) {
      const result = inFreshNode(
        `const t=performance.now();require(${JSON.stringify(file)});console.log(performance.now()-t)`,
      );
      if (result.status !== 0) throw new Error(`init of ${file} failed: ${result.stderr}`);
      times[index]?.push(Number(result.stdout.trim()));
    }
  }
  return times.map(median);
};

/** One quiet change (no level crossed under {@link RULE}): the first invocation's batch. */
const FIRST_EVENT = streamEvent(quantityChange('MUG-BLUE', 50, 49));

/**
 * Lambda's environment for a first invocation against the stub at `endpoint`: metrics on, as
 * deployed (their first flush opens the Console on stdout that Powertools writes through);
 * traced, also the X-Ray settings Lambda gives a sampled invocation (the daemon's address
 * goes nowhere).
 */
const invocationEnvironment = (endpoint: string, traced: boolean) => ({
  AWS_ENDPOINT_URL: endpoint,
  AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
  AWS_SECRET_ACCESS_KEY: 'secret',
  CONTROL_TABLE_NAME: 'bench-control',
  POWERTOOLS_METRICS_DISABLED: 'false',
  POWERTOOLS_LOG_LEVEL: 'INFO',
  AWS_LAMBDA_FUNCTION_NAME: 'cold-start',
  _HANDLER: 'index.handler',
  ...(traced
    ? {
        AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
        POWERTOOLS_TRACE_ENABLED: 'true',
        LAMBDA_TASK_ROOT: '/var/task',
        _X_AMZN_TRACE_ID:
          'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1',
        AWS_XRAY_DAEMON_ADDRESS: '127.0.0.1:9',
      }
    : {}),
});

/**
 * The script timing one bundle's init and first invocation; prints the time on its last line,
 * and fails if the invocation did (a stream function's failed records included).
 */
const firstInvocationScript = (file: string, env: Record<string, string>) =>
  `Object.assign(process.env,${JSON.stringify(env)});const t=performance.now();` +
  `require(${JSON.stringify(file)}).handler(${JSON.stringify(FIRST_EVENT)},` +
  `{functionName:'cold-start',awsRequestId:'r',getRemainingTimeInMillis:()=>30000})` +
  `.then((r)=>{if(r?.batchItemFailures?.length)throw new Error(JSON.stringify(r));` +
  `console.log(performance.now()-t)})`;

/**
 * Init plus the first invocation of each bundle, median of `runs` fresh processes taking turns:
 * what a cold start costs before the first batch is answered, whatever init leaves for later;
 * and the AWS calls that invocation makes. The calls go over HTTP to {@link StubAws} in this
 * process (the rule is {@link RULE}).
 */
const firstInvocationTimes = async (
  files: readonly { file: string; traced: boolean }[],
  runs: number,
): Promise<{ ms: number; calls: number }[]> => {
  const stub = new StubAws(new Map([['default', RULE]]));
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', async () => {
      const answer = await stub.handler.handle(
        new HttpRequest({
          method: request.method ?? 'POST',
          headers: request.headers as Record<string, string>,
          body: Buffer.concat(chunks),
        }),
      );
      response.writeHead(answer.response.statusCode, answer.response.headers);
      answer.response.body.pipe(response);
    });
  });
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    const times = files.map((): number[] => []);
    // A first round unmeasured (the stub's own first answers are not the functions' cost)
    // counts each bundle's AWS calls.
    const calls: number[] = [];
    for (const { file, traced } of files) {
      stub.reset();
      await inFreshNodeAsync(firstInvocationScript(file, invocationEnvironment(endpoint, traced)));
      calls.push(stub.totalCalls);
    }
    if (calls.includes(0)) throw new Error(`a first invocation made no AWS call: ${calls}`);
    for (let round = 0; round < runs; round++) {
      for (const [index, { file, traced }] of files.entries()) {
        const out = await inFreshNodeAsync(
          firstInvocationScript(file, invocationEnvironment(endpoint, traced)),
        );
        times[index]?.push(Number(out.trim().split('\n').at(-1)));
      }
    }
    return times.map((values, index) => ({ ms: median(values), calls: calls[index] ?? 0 }));
  } finally {
    server.close();
  }
};

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
    [
      'stock-monitor-runtime-sdk',
      'functions/stock-monitor/handler.ts',
      ['@aws-sdk/*', '@smithy/*'],
    ],
  ] as const;

type BundleName = ReturnType<typeof bundlesOf>[number][0];

/** One bundle's size in KB (its handler file, what init loads), its median module init time in ms, and its asset's directory. */
type Measured = (name: BundleName) => { kb: number; init: number; dir: string };

/**
 * Bundles each entry into a directory of `dir` as the stack builds its asset (the handler's
 * file, and the Tracer's beside it), then times the bundles' init: each bundle's size and init.
 */
const measureBundles = async (
  bundles: ReturnType<typeof bundlesOf>,
  dir: string,
  runs: number,
): Promise<Measured> => {
  const files: string[] = [];
  for (const [name, entry, external] of bundles)
    files.push(await buildFunctionAsset(entry, join(dir, name), external ? [...external] : []));
  const sizes = files.map((file) => statSync(file).size / 1024);
  const inits = initTimes(files, runs);
  return (name) => {
    const index = bundles.findIndex(([n]) => n === name);
    return {
      kb: sizes[index] as number,
      init: inits[index] as number,
      dir: join(dir, name),
    };
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

/** The stock-monitor with the SDK taken from the runtime, against the bundle as deployed; and the Tracer's file. */
const variantFigures = (measured: Measured): Figure[] => {
  const runtimeSdk = measured('stock-monitor-runtime-sdk');
  return [
    figure({
      name: 'Tracer file beside each handler (loaded only where tracing is on)',
      value: statSync(join(measured('stock-monitor').dir, TRACER_MODULES.file)).size / 1024,
      unit: 'KB',
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
 * Init plus the first invocation (one quiet change), the stock-monitor's against the naive
 * consumer's, tracing off and on: so that nothing init leaves for later goes unmeasured.
 */
type Timed = { ms: number; calls: number };

const firstInvocationFigures = async (measured: Measured, runs: number): Promise<Figure[]> => {
  const file = (name: BundleName) => join(measured(name).dir, 'index.js');
  const [naive, monitor, traced] = (await firstInvocationTimes(
    [
      { file: file('naive'), traced: false },
      { file: file('stock-monitor'), traced: false },
      { file: file('stock-monitor'), traced: true },
    ],
    runs,
  )) as [Timed, Timed, Timed];
  const baseline = { name: 'naive consumer', value: naive.ms };
  const calls = (timed: Timed) => `${timed.calls} AWS call${timed.calls === 1 ? '' : 's'}`;
  return [
    figure({
      name: `naive consumer init + first invocation, one quiet change (${calls(naive)}, median of ${runs})`,
      value: naive.ms,
      unit: 'ms',
    }),
    figure({
      name: `stock-monitor init + first invocation, one quiet change (${calls(monitor)}, median of ${runs})`,
      value: monitor.ms,
      unit: 'ms',
      baseline,
    }),
    figure({
      name: `stock-monitor init + first invocation with tracing on (Tracer loaded, ${calls(traced)})`,
      value: traced.ms,
      unit: 'ms',
      baseline,
    }),
  ];
};

/**
 * Cold-start proxy: each function bundled with the stack's esbuild settings; its size, and its
 * module init time in a fresh Node process next to two baselines bundled the same way: a bare
 * handler with no dependencies, and the naive consumer (the AWS samples' stream-to-SNS
 * function: the same three SDK clients, nothing else). Also the stock-monitor with the SDK
 * taken from the runtime instead of bundled, the alternative the stack does not take; and init
 * plus the first invocation, the stock-monitor's (tracing off and on) against the naive one's.
 */
export const coldStart = async (runs: number): Promise<Figure[]> => {
  const dir = mkdtempSync(join(tmpdir(), 'inventory-alerts-bundles-'));
  const bundles = bundlesOf(writeBaselines(dir));
  const measured = await measureBundles(bundles, dir, runs);
  return [
    ...functionFigures(measured, runs),
    ...variantFigures(measured),
    ...(await firstInvocationFigures(measured, runs)),
  ];
};
