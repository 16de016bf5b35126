import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { AlertPublisher, alertLanguagesOf } from '../../shared/adapters/alert-publisher.js';
import { AlertStateRepository } from '../../shared/adapters/alert-state-repository.js';
import { EventPublisher } from '../../shared/adapters/event-publisher.js';
import { QuarantineStore } from '../../shared/adapters/quarantine.js';
import { DEFAULT_RETRY } from '../../shared/adapters/retry-entries.js';
import { EnvName } from '../../shared/contracts/env.js';
import { SERVICE_NAMES } from '../../shared/contracts/metrics.js';
import { type ClientOverrides, createClients } from '../commons/clients.js';
import { requireEnv } from '../commons/env.js';
import { createPowertools, observed } from '../commons/powertools.js';
import { createDemandThresholds, createRulesRepository } from '../commons/rules.js';
import { createStockMonitor } from './monitor.js';

/**
 * Builds the stock-monitor Lambda handler. Production calls it once at module load with no
 * overrides; the sandbox and the tests call it with local clients, and drills that must place
 * crossings in one digest window with a clock of their own (`now`, default the wall clock).
 */
export const createHandler = (overrides: ClientOverrides = {}, now?: () => Date) => {
  const tools = createPowertools(SERVICE_NAMES.stockMonitor);
  const { logger, metrics, tracer } = tools;
  const clients = createClients(tracer, overrides);
  const controlTable = requireEnv(EnvName.controlTable);
  const digests = process.env[EnvName.digestBuffer] === 'on';
  const monitor = createStockMonitor({
    rules: createRulesRepository(clients.doc, controlTable, logger),
    states: new AlertStateRepository(clients.doc, controlTable),
    thresholds: createDemandThresholds(clients.doc, controlTable),
    alerts: new AlertPublisher(
      clients.sns,
      requireEnv(EnvName.alertsTopicArn),
      DEFAULT_RETRY,
      alertLanguagesOf(process.env[EnvName.alertLocales], process.env[EnvName.currencyCode]),
      digests,
    ),
    events: new EventPublisher(clients.eventBridge, requireEnv(EnvName.eventBusName)),
    quarantine: new QuarantineStore(clients.doc, controlTable),
    digests,
    logger,
    metrics,
    ...(now && { now }),
  });
  return observed<DynamoDBStreamEvent, DynamoDBBatchResponse>(tools).handler((event, context) =>
    monitor(event, context),
  );
};

export const handler = createHandler();
