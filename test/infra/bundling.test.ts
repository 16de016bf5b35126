import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { defaultProvider } from '../../functions/commons/lambda-credentials.js';
import { esbuildOptionsFor } from '../../infra/constructs/pipeline-function.js';

/** Bundles an entry with the stack's settings and returns the modules that went in. */
const inputsOf = async (entry: string) => {
  const result = await build({
    ...esbuildOptionsFor(entry),
    outfile: 'bundle.mjs',
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  return Object.keys(result.metafile.inputs);
};

describe('function bundles', () => {
  it.each([
    'functions/stock-monitor/handler.ts',
    'functions/demand-recorder/handler.ts',
    'functions/strategy-executor/handler.ts',
  ])('%s takes credentials from the environment only, as Lambda provides them', async (entry) => {
    const inputs = await inputsOf(entry);
    expect(inputs).toContain('functions/commons/lambda-credentials.ts');
    for (const unusable of [
      'credential-provider-node',
      'credential-provider-sso',
      'nested-clients',
    ])
      expect(inputs.filter((input) => input.includes(unusable))).toEqual([]);
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
