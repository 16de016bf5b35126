/**
 * What every drill shares: its row, the rules the replayed drills run under, and the helpers that
 * wire a handler or read the control table.
 */

import type { Context } from 'aws-lambda';
import { windowSince } from '../../cli/control-items.js';
import type { Target } from '../../cli/target.js';
import { type EnvironmentConfig, loadEnvironment } from '../../infra/config/environments.js';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../sandbox/dynamodb-local.js';
import type { Sandbox } from '../../sandbox/sandbox.js';
import { EnvName } from '../../shared/contracts/env.js';
import { DAY_MS } from '../../shared/domain/days.js';
import type { RuleInput } from '../../shared/domain/rules.js';

/** One line of the drill table. */
export interface DrillRow {
  readonly drill: string;
  readonly load: string;
  readonly faultsInjected: number;
  readonly duplicates: number;
  readonly losses: number;
  /** Bus deliveries that overtook an earlier event (the ordering drill). */
  readonly reordered?: number;
  /** Rule edits made while the drill ran (the ordering drill). */
  readonly ruleEdits?: number;
  /** Broken promises other than duplicates and losses, checked against a reference model. */
  readonly violations?: number;
  readonly detail: string;
}

/** The one default rule the replayed and stub drills run under. */
export const DRILL_RULES: RuleInput[] = [
  {
    scope: { default: true },
    thresholds: { LOW_STOCK: 10, OVERSTOCK: 90 },
    hysteresis: 2,
    strategies: {
      LOW_STOCK: { type: 'purchase-order', quantity: { mode: 'fixed', units: 40 } },
      OUT_OF_STOCK: { type: 'pause-listing' },
      OVERSTOCK: { type: 'reprice', percent: 5, floor: 5, ceiling: 50, maxChangesPerPeriod: 1000 },
    },
  },
];

/** Splits steps into waves of at most `size` with each item at most once, keeping per-item order. */
export const waves = <T extends { sku: string }>(steps: readonly T[], size: number): T[][] => {
  const result: T[][] = [];
  const nextWave = new Map<string, number>();
  for (const step of steps) {
    let index = nextWave.get(step.sku) ?? 0;
    while ((result[index]?.length ?? 0) >= size) index++;
    const wave = result[index] ?? [];
    wave.push(step);
    result[index] = wave;
    nextWave.set(step.sku, index + 1);
  }
  return result;
};

/** The environment the stock-monitor reads, for drills on the stub transport (run on their own). */
export const stubEnvironment = () => {
  process.env[EnvName.inventoryTable] ??= 'inventory';
  process.env[EnvName.controlTable] ??= 'control';
  process.env[EnvName.alertsTopicArn] ??= 'arn:aws:sns:eu-west-1:000000000000:alerts';
  process.env[EnvName.eventBusName] ??= 'inventory';
};

/** A client configuration whose calls go to `handler` instead of the network. */
export const via = (handler: unknown) => ({
  region: LOCAL_REGION,
  credentials: LOCAL_CREDENTIALS,
  requestHandler: handler as never,
});

/** The Lambda context a drill invokes a handler with. */
export const drillContext = (functionName: string, remainingMs: number) =>
  ({ functionName, getRemainingTimeInMillis: () => remainingMs }) as unknown as Context;

/** The control table as the CLI's readers take it. */
export const controlTarget = (sandbox: Sandbox) =>
  ({ doc: sandbox.doc, controlTable: sandbox.tables.control }) as Target;

/** The last 24 hours: the ledger and orders are read by time window, and this covers a drill. */
export const lastDay = () => windowSince(new Date(Date.now() - DAY_MS).toISOString());

/** Waits `ms` milliseconds. */
export const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A table prefix of its own for each sandbox a drill starts, so runs never share tables. */
export const sandboxPrefix = (drill: string) =>
  `${drill}-${Date.now()}-${Math.floor(Math.random() * 1e6)}-`;

/**
 * The dev environment with the stream retried ten times, so that injected faults run out of
 * retries only where the pipeline would lose something; `demand` as given. The executors keep
 * Lambda's two retries (no setting changes them), so a drill redrives their DLQ as an operator
 * would.
 */
export const patientConfig = (demand: Partial<EnvironmentConfig['demandConsumer']>) => {
  const base = loadEnvironment('dev');
  return {
    ...base,
    streamConsumer: { ...base.streamConsumer, retryAttempts: 10 },
    demandConsumer: { ...base.demandConsumer, ...demand },
  };
};
