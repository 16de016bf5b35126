import { spawnSync } from 'node:child_process';
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

/**
 * Runs `script` in a fresh Node process set up as the stack sets up a function: source maps on
 * (`NODE_OPTIONS` in the stack), the functions' environment, and NODE_PATH where modules left
 * out of a bundle are found, as Lambda's runtime sets it. For loading bundles as Lambda does.
 */
export const inFreshNode = (script: string) =>
  spawnSync(process.execPath, ['--enable-source-maps', '-e', script], {
    env: { ...process.env, ...BUNDLE_ENVIRONMENT, NODE_PATH: resolve('node_modules') },
    encoding: 'utf8',
  });
