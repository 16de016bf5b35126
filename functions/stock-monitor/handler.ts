import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { AlertPublisher } from '../../shared/adapters/alert-publisher.js';
import { AlertStateRepository } from '../../shared/adapters/alert-state-repository.js';
import { DemandRepository, DemandThresholds } from '../../shared/adapters/demand-repository.js';
import { EventPublisher } from '../../shared/adapters/event-publisher.js';
import { SERVICE_NAMES } from '../../shared/contracts/metrics.js';
import { type ClientOverrides, createClients } from '../commons/clients.js';
import { EnvName, requireEnv } from '../commons/env.js';
import { createPowertools } from '../commons/powertools.js';
import { createRulesRepository } from '../commons/rules.js';
import { createStockMonitor } from './monitor.js';

/**
 * Builds the stock-monitor Lambda handler. Production calls it once at module load with no
 * overrides; the sandbox and the tests call it with local clients.
 */
export const createHandler = (overrides: ClientOverrides = {}) => {
  const { logger, metrics, tracer } = createPowertools(SERVICE_NAMES.stockMonitor);
  const clients = createClients(tracer, overrides);
  const controlTable = requireEnv(EnvName.controlTable);
  const monitor = createStockMonitor({
    rules: createRulesRepository(clients.doc, controlTable, logger),
    states: new AlertStateRepository(clients.doc, controlTable),
    demand: new DemandRepository(clients.doc, controlTable),
    thresholds: new DemandThresholds(clients.doc, controlTable),
    alerts: new AlertPublisher(clients.sns, requireEnv(EnvName.alertsTopicArn)),
    events: new EventPublisher(clients.eventBridge, requireEnv(EnvName.eventBusName)),
    logger,
    metrics,
  });
  return middy<DynamoDBStreamEvent, DynamoDBBatchResponse>()
    .use(captureLambdaHandler(tracer))
    .use(injectLambdaContext(logger))
    .use(logMetrics(metrics))
    .handler((event, context) => monitor(event, context));
};

export const handler = createHandler();
