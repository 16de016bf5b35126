import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { parser } from '@aws-lambda-powertools/parser/middleware';
import type { ParsedResult } from '@aws-lambda-powertools/parser/types';
import type { Context, EventBridgeEvent } from 'aws-lambda';
import { EventPublisher } from '../../shared/adapters/event-publisher.js';
import { StrategyStore } from '../../shared/adapters/strategy-store.js';
import { EnvName } from '../../shared/contracts/env.js';
import {
  type StockLevelEvent,
  StockLevelEventSchema,
  type StrategyAppliedDetail,
} from '../../shared/contracts/events.js';
import { MetricName, SERVICE_NAMES } from '../../shared/contracts/metrics.js';
import { DEFAULT_CURRENCY_DECIMALS } from '../../shared/domain/money.js';
import { formatIssues, InvalidEventError } from '../../shared/errors.js';
import { type ClientOverrides, createClients } from '../commons/clients.js';
import { intEnv, requireEnv } from '../commons/env.js';
import { createPowertools, observed } from '../commons/powertools.js';
import { createDemandThresholds, createRulesRepository } from '../commons/rules.js';
import { createStrategyExecutor, type StrategyTask } from './executor.js';

/** What the handler returns: the decision announced (an invalid event fails the invocation). */
export type ExecutorResult = { readonly status: 'done'; readonly applied: StrategyAppliedDetail };

/** How long a decision is remembered by the idempotency layer (the ledger remembers forever). */
const IDEMPOTENCY_EXPIRY_SECONDS = 7 * 24 * 3600;

/**
 * Builds the strategy-executor handler: Middy with Powertools logger, metrics, tracer and
 * parser (safe mode, so an invalid event fails with its issues named, and after Lambda's
 * retries the DLQ keeps it); the effect is wrapped
 * in Powertools idempotency keyed on alert id, transition and strategy.
 *
 * Idempotency is applied with `makeIdempotent` on the inner task rather than the Middy
 * middleware on the handler, because (1) the envelope differs between a duplicate publish, an
 * archive replay and a retry, so the key must come from the detail plus the strategy found in
 * the rule, and (2) the middleware's early return misbehaves for handlers returning undefined.
 */
export const createHandler = (overrides: ClientOverrides = {}): StrategyExecutorHandler => {
  const tools = createPowertools(SERVICE_NAMES.strategyExecutor);
  const { logger, metrics, tracer } = tools;
  const clients = createClients(tracer, overrides);
  const controlTable = requireEnv(EnvName.controlTable);
  const executor = createStrategyExecutor({
    rules: createRulesRepository(clients.doc, controlTable, logger),
    store: new StrategyStore(clients.doc, requireEnv(EnvName.inventoryTable), controlTable),
    events: new EventPublisher(clients.eventBridge, requireEnv(EnvName.eventBusName)),
    thresholds: createDemandThresholds(clients.doc, controlTable),
    logger,
    metrics,
    currencyDecimals: intEnv(EnvName.currencyDecimals, DEFAULT_CURRENCY_DECIMALS),
  });
  const idempotency = new IdempotencyConfig({
    eventKeyJmesPath: '[alertId, transition, strategyType]',
    expiresAfterSeconds: IDEMPOTENCY_EXPIRY_SECONDS,
  });
  // Tasks the executor ran in this container; one that comes back without running was answered
  // from the idempotency store: a duplicate delivery, counted so it shows (and so the
  // invocation has a metric to publish).
  const ran = new WeakSet<StrategyTask>();
  const applyOnce = makeIdempotent(
    (task: StrategyTask) => {
      ran.add(task);
      return executor.apply(task);
    },
    {
      persistenceStore: new DynamoDBPersistenceLayer({
        tableName: requireEnv(EnvName.idempotencyTable),
        awsSdkV3Client: clients.dynamodb,
      }),
      config: idempotency,
    },
  );

  const handler = observed<EventBridgeEvent<string, unknown>, ExecutorResult>(tools)
    .use(parser({ schema: StockLevelEventSchema, safeParse: true }))
    .handler(async (event, context) => {
      // The parser middleware has replaced the event with its safe-parse result.
      const result = event as unknown as ParsedResult<unknown, StockLevelEvent>;
      if (!result.success) {
        // The parser puts the schema issues on the error's cause.
        const cause = result.error.cause;
        const issues = Array.isArray(cause) ? formatIssues(cause) : [result.error.message];
        logger.error('Invalid level-change event refused', { issues });
        metrics.addMetric(MetricName.InvalidEvents, MetricUnit.Count, 1);
        throw new InvalidEventError(issues);
      }
      idempotency.registerLambdaContext(context);
      const { 'detail-type': detailType, detail } = result.data;
      const task = await executor.plan(detailType, detail);
      const applied = await applyOnce(task);
      if (!ran.has(task)) metrics.addMetric(MetricName.StrategyReplays, MetricUnit.Count, 1);
      return { status: 'done', applied };
    });
  // Callers hand in the raw envelope; the parser's types describe only what the inner handler sees.
  return handler as unknown as StrategyExecutorHandler;
};

/** The Lambda entry point as EventBridge (and the local bus) calls it. */
export type StrategyExecutorHandler = (
  event: EventBridgeEvent<string, unknown>,
  context: Context,
) => Promise<ExecutorResult>;

export const handler = createHandler();
