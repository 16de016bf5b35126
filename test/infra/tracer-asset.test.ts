import { createSocket } from 'node:dgram';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { PipelineFunction, TRACER_MODULES } from '../../infra/constructs/pipeline-function.js';
import { quantityChange, streamEvent } from '../support/factories.js';
import { inFreshNode } from '../support/fresh-node.js';
import { buildFunctionAsset, bundleInputs } from '../support/function-asset.js';

const ENTRY = 'functions/stock-monitor/handler.ts';

/** The stock-monitor's asset as `cdk synth` bundles it: the directory of its files. */
const synthesizedAsset = () => {
  const outdir = mkdtempSync(join(tmpdir(), 'inventory-alerts-synth-'));
  const app = new App({ outdir });
  new PipelineFunction(new Stack(app, 'Stack'), 'StockMonitor', {
    entry: ENTRY,
    serviceName: 'stock-monitor',
    memorySize: 256,
    environment: {},
    logRetention: RetentionDays.ONE_WEEK,
    logLevel: 'INFO',
    removalPolicy: RemovalPolicy.DESTROY,
  });
  app.synth();
  const [asset] = readdirSync(outdir).filter((name) => name.startsWith('asset.'));
  return join(outdir, asset ?? '');
};

/**
 * A script for {@link inFreshNode}: Lambda's environment with tracing `on` or off, then the
 * asset's handler invoked once with `event`; prints the modules loaded from the asset.
 */
const invokeScript = (asset: string, event: unknown, env: Record<string, string>) => `
  Object.assign(process.env, ${JSON.stringify(env)});
  const handler = require(${JSON.stringify(join(asset, 'index.js'))}).handler;
  const context = { functionName: 'stock-monitor', awsRequestId: 'r', getRemainingTimeInMillis: () => 1000 };
  handler(${JSON.stringify(event)}, context).catch(() => {}).then(() =>
    console.log(JSON.stringify(Object.keys(require.cache).filter((f) => f.startsWith(${JSON.stringify(asset)})))));
`;

const LAMBDA = {
  AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
  AWS_LAMBDA_FUNCTION_NAME: 'stock-monitor',
  _HANDLER: 'index.handler',
  AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
  AWS_SECRET_ACCESS_KEY: 'secret',
  // Nothing listens there: the call fails at once, after X-Ray has recorded it.
  AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
  AWS_MAX_ATTEMPTS: '1',
};

describe('the Tracer in a file of its own in every function asset (#18, cold start)', () => {
  let asset = '';
  beforeAll(() => {
    asset = synthesizedAsset();
  });

  it('synth puts the Tracer file the handler requires beside the handler', () => {
    expect(readdirSync(asset).sort()).toEqual(
      ['index.js', 'index.js.map', TRACER_MODULES.file, `${TRACER_MODULES.file}.map`].sort(),
    );
    const handler = readFileSync(join(asset, 'index.js'), 'utf8');
    expect(handler).toContain(`require("./${TRACER_MODULES.file}")`);
    // No import() left to start Node's ES module loader (see BUNDLING.supported).
    expect(handler).not.toMatch(/\bimport\(/);
  });

  it('the handler file carries none of the Tracer or the X-Ray SDK; the Tracer file does', async () => {
    const inputsOf = async (entry: string) => (await bundleInputs(entry)).join('\n');
    const tracing = /aws-xray-sdk-core|@aws-lambda-powertools\/tracer/;
    expect(await inputsOf(ENTRY)).not.toMatch(tracing);
    expect(await inputsOf(TRACER_MODULES.entry)).toMatch(tracing);
  });

  it('the benchmarks build the same files as synth', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'inventory-alerts-bench-asset-'));
    await buildFunctionAsset(ENTRY, dir);
    for (const file of ['index.js', TRACER_MODULES.file])
      expect(readFileSync(join(dir, file), 'utf8')).toBe(readFileSync(join(asset, file), 'utf8'));
  });

  describe('loaded as Lambda loads it', () => {
    // An X-Ray daemon: the X-Ray SDK sends each closed (sub)segment to it over UDP.
    const daemon = createSocket('udp4');
    const segments: { name: string; aws?: { operation?: string } }[] = [];
    daemon.on('message', (message) => {
      const [, body] = message.toString().split('\n');
      if (body) segments.push(JSON.parse(body));
    });
    beforeAll(() => new Promise<void>((done) => daemon.bind(0, '127.0.0.1', done)));
    afterAll(() => daemon.close());

    it('where tracing is on, loads the Tracer file, traces the handler and the clients created before it', async () => {
      // Prepare: a Lambda invocation with tracing on, sampled
      const env = {
        ...LAMBDA,
        POWERTOOLS_TRACE_ENABLED: 'true',
        LAMBDA_TASK_ROOT: asset,
        _X_AMZN_TRACE_ID:
          'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1',
        AWS_XRAY_DAEMON_ADDRESS: `127.0.0.1:${daemon.address().port}`,
      };
      const event = streamEvent(quantityChange('MUG-BLUE', 24, 8));

      // Act
      const run = inFreshNode(invokeScript(asset, event, env));

      // Assess: the Tracer's file loaded; X-Ray got the handler's segment and the DynamoDB call
      expect(JSON.parse(run.stdout.trim().split('\n').at(-1) ?? '[]')).toEqual([
        join(asset, 'index.js'),
        join(asset, TRACER_MODULES.file),
      ]);
      await vi.waitFor(() =>
        expect(segments.map((s) => s.aws?.operation ?? s.name)).toEqual(
          expect.arrayContaining(['## index.handler', 'BatchGetItem']),
        ),
      );
    });

    it('where tracing is off, never loads the Tracer file', () => {
      const env = { ...LAMBDA, POWERTOOLS_TRACE_ENABLED: 'false' };
      const run = inFreshNode(invokeScript(asset, streamEvent(), env));
      expect(run.stderr).toBe('');
      expect(JSON.parse(run.stdout.trim().split('\n').at(-1) ?? '[]')).toEqual([
        join(asset, 'index.js'),
      ]);
    });
  });
});
