import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Context } from 'aws-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  createPowertools,
  DeferredTracer,
  loadTracerModules,
  observed,
  type TracerModules,
  tracingEnabled,
} from '../../../functions/commons/powertools.js';

const LAMBDA = { AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x', POWERTOOLS_TRACE_ENABLED: 'true' };
const context = { functionName: 'f', awsRequestId: 'r' } as unknown as Context;

/** The real Tracer modules, with Powertools' handler middleware replaced by one that records its calls. */
const recordingModules = () => {
  const calls: string[] = [];
  const load = vi.fn(async (): Promise<TracerModules> => {
    const { Tracer } = await loadTracerModules();
    const captureLambdaHandler = (() => ({
      before: () => void calls.push('before'),
      after: () => void calls.push('after'),
      onError: () => void calls.push('onError'),
    })) as unknown as TracerModules['captureLambdaHandler'];
    return { Tracer, captureLambdaHandler };
  });
  return { calls, load };
};

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('tracingEnabled', () => {
  it('is on in Lambda unless POWERTOOLS_TRACE_ENABLED is false, as the Tracer decides', () => {
    expect(tracingEnabled({ AWS_EXECUTION_ENV: LAMBDA.AWS_EXECUTION_ENV })).toBe(true);
    expect(tracingEnabled({ ...LAMBDA, POWERTOOLS_TRACE_ENABLED: 'true' })).toBe(true);
    expect(tracingEnabled({ ...LAMBDA, POWERTOOLS_TRACE_ENABLED: 'FALSE' })).toBe(false);
    expect(tracingEnabled({})).toBe(false);
  });
});

describe('DeferredTracer', () => {
  it('where tracing is on, traces the clients given before it loaded and wraps the handler', async () => {
    // Prepare: in Lambda, tracing on
    for (const [key, value] of Object.entries(LAMBDA)) vi.stubEnv(key, value);
    const { calls, load } = recordingModules();
    const tracer = new DeferredTracer('test', true, load);
    const client = tracer.captureAWSv3Client(new DynamoDBClient({ region: 'eu-west-1' }));
    const handler = observed<unknown, string>({ ...createPowertools('test'), tracer }).handler(
      async () => 'done',
    );

    // Act
    const result = await handler({}, context);

    // Assess
    expect(result).toBe('done');
    expect(load).toHaveBeenCalledTimes(2);
    expect(client.middlewareStack.identify().join()).toContain('XRaySDKInstrumentation');
    expect(calls).toEqual(['before', 'after']);
  });

  it('traces a client given after the tracer has loaded at once', async () => {
    for (const [key, value] of Object.entries(LAMBDA)) vi.stubEnv(key, value);
    const tracer = new DeferredTracer('test', true);
    await tracer.ready;
    const client = tracer.captureAWSv3Client(new DynamoDBClient({ region: 'eu-west-1' }));
    expect(client.middlewareStack.identify().join()).toContain('XRaySDKInstrumentation');
  });

  it('where tracing is off, never loads the Tracer and leaves handler and clients as they are', async () => {
    const { calls, load } = recordingModules();
    const tracer = new DeferredTracer('test', false, load);
    const client = tracer.captureAWSv3Client(new DynamoDBClient({ region: 'eu-west-1' }));
    const handler = observed<unknown, string>({ ...createPowertools('test'), tracer }).handler(
      async () => 'done',
    );

    expect(await handler({}, context)).toBe('done');
    expect(await tracer.ready).toBeUndefined();
    expect(load).not.toHaveBeenCalled();
    expect(calls).toEqual([]);
    expect(client.middlewareStack.identify().join()).not.toContain('XRaySDKInstrumentation');
  });
});
