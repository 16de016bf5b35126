import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { defaultProvider } from '../../functions/commons/lambda-credentials.js';
import { esbuildOptionsFor, TRACER_MODULES } from '../../infra/constructs/pipeline-function.js';
import { inFreshNode } from '../support/fresh-node.js';
import { bundleInputs } from '../support/function-asset.js';

describe('function bundles', () => {
  it.each([
    'functions/stock-monitor/handler.ts',
    'functions/demand-recorder/handler.ts',
    'functions/strategy-executor/handler.ts',
    'functions/digest-sender/handler.ts',
  ])('%s takes credentials from the environment only, as Lambda provides them', async (entry) => {
    const inputs = await bundleInputs(entry);
    expect(inputs).toContain('functions/commons/lambda-credentials.ts');
    for (const unusable of [
      'credential-provider-node',
      'credential-provider-sso',
      'nested-clients',
    ])
      expect(inputs.filter((input) => input.includes(unusable))).toEqual([]);
  });
});

describe('a function bundle as Lambda loads it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'inventory-alerts-bundle-test-'));
  // In a fresh Node process, as the stack sets it up: require() of the CommonJS bundle, then
  // the handler called with an empty batch (no AWS call is made).
  const loadAndCall = (file: string) =>
    inFreshNode(
      `require(${JSON.stringify(file)}).handler({ Records: [] }, { functionName: 'f', awsRequestId: 'r', getRemainingTimeInMillis: () => 1000 }).then((r) => console.log(JSON.stringify(r)))`,
    );

  it.each([
    ['stock-monitor', 'functions/stock-monitor/handler.ts'],
    ['demand-recorder', 'functions/demand-recorder/handler.ts'],
  ])('%s loads with require() and answers an empty batch', async (name, entry) => {
    const file = join(dir, `${name}.cjs`);
    await build({ ...esbuildOptionsFor(entry), outfile: file, logLevel: 'silent' });
    const run = loadAndCall(file);
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout.trim().split('\n').at(-1) ?? '')).toEqual({
      batchItemFailures: [],
    });
    // The map carries mappings for stack traces, not a copy of every source file.
    expect(JSON.parse(readFileSync(`${file}.map`, 'utf8'))).not.toHaveProperty('sourcesContent');
  });

  it('strategy-executor loads with require() and exports its handler', async () => {
    const file = join(dir, 'strategy-executor.cjs');
    await build({
      ...esbuildOptionsFor('functions/strategy-executor/handler.ts'),
      outfile: file,
      logLevel: 'silent',
    });
    const run = inFreshNode(`console.log(typeof require(${JSON.stringify(file)}).handler)`);
    expect(run.stderr).toBe('');
    expect(run.stdout.trim()).toBe('function');
  });

  it('leaves semver out of the Tracer file: only the X-Ray SDK v2 patcher uses it, and the stub says so if called', async () => {
    const inputs = await bundleInputs(TRACER_MODULES.entry);
    expect(inputs).toContain('functions/commons/xray-semver.ts');
    expect(inputs.filter((input) => input.includes('node_modules/semver/'))).toEqual([]);
    const { gte } = await import('../../functions/commons/xray-semver.js');
    expect(() => gte()).toThrow(/captureAWS/);
  });
});

describe('the Lambda credential provider', () => {
  it('reads the role credentials Lambda puts in the environment', async () => {
    const saved = { ...process.env };
    Object.assign(process.env, {
      AWS_ACCESS_KEY_ID: 'ASIAEXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'secret',
      AWS_SESSION_TOKEN: 'token',
    });
    try {
      await expect(defaultProvider()()).resolves.toMatchObject({
        accessKeyId: 'ASIAEXAMPLE',
        secretAccessKey: 'secret',
        sessionToken: 'token',
      });
    } finally {
      process.env = saved;
    }
  });
});
