import { spawn, spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

/** What a function bundle needs in its environment to load; no AWS call is made with these. */
const BUNDLE_ENVIRONMENT = {
  CONTROL_TABLE_NAME: 'control',
  INVENTORY_TABLE_NAME: 'inventory',
  IDEMPOTENCY_TABLE_NAME: 'idempotency',
  ALERTS_TOPIC_ARN: 'arn:aws:sns:eu-west-1:000000000000:alerts',
  EVENT_BUS_NAME: 'bus',
  AWS_REGION: 'eu-west-1',
  POWERTOOLS_LOG_LEVEL: 'SILENT',
  POWERTOOLS_METRICS_DISABLED: 'true',
};

const ARGS = ['--enable-source-maps', '-e'];
const ENV = () => ({ ...process.env, ...BUNDLE_ENVIRONMENT, NODE_PATH: resolve('node_modules') });

/**
 * Runs `script` in a fresh Node process set up as the stack sets up a function: source maps on
 * (`NODE_OPTIONS` in the stack), the functions' environment, and NODE_PATH where modules left
 * out of a bundle are found, as Lambda's runtime sets it. For loading bundles as Lambda does.
 */
export const inFreshNode = (script: string) =>
  spawnSync(process.execPath, [...ARGS, script], { env: ENV(), encoding: 'utf8' });

/**
 * {@link inFreshNode} without blocking this process, for a script that calls a server this
 * process runs; resolves to the script's stdout, and rejects with its stderr if it fails.
 */
export const inFreshNodeAsync = (script: string): Promise<string> =>
  new Promise((done, fail) => {
    const child = spawn(process.execPath, [...ARGS, script], { env: ENV() });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('error', fail);
    child.on('close', (status) =>
      status === 0 ? done(stdout) : fail(new Error(`exit ${status}: ${stderr}`)),
    );
  });
