import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { DemandJournal } from '../../shared/adapters/demand-journal.js';
import { EnvName } from '../../shared/contracts/env.js';
import { SERVICE_NAMES } from '../../shared/contracts/metrics.js';
import { type ClientOverrides, createDocumentClient } from '../commons/clients.js';
import { requireEnv } from '../commons/env.js';
import { createPowertools, observed } from '../commons/powertools.js';
import { createDemandRecorder } from './recorder.js';

/**
 * Builds the demand-recorder Lambda handler. Production calls it once at module load with no
 * overrides; the sandbox and the tests call it with local clients.
 */
export const createHandler = (overrides: Pick<ClientOverrides, 'dynamodb'> = {}) => {
  const tools = createPowertools(SERVICE_NAMES.demandRecorder);
  const { logger, metrics, tracer } = tools;
  const doc = createDocumentClient(tracer, overrides.dynamodb);
  const recorder = createDemandRecorder({
    journal: new DemandJournal(doc, requireEnv(EnvName.controlTable)),
    logger,
    metrics,
  });
  return observed<DynamoDBStreamEvent, DynamoDBBatchResponse>(tools).handler((event) =>
    recorder(event),
  );
};

export const handler = createHandler();
