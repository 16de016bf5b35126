import { rollUpDay } from '../../shared/adapters/demand-journal.js';
import { rolledUpThrough } from '../../shared/adapters/demand-repository.js';
import { EnvName } from '../../shared/contracts/env.js';
import { SERVICE_NAMES } from '../../shared/contracts/metrics.js';
import { type ClientOverrides, createDocumentClient } from '../commons/clients.js';
import { requireEnv } from '../commons/env.js';
import { createPowertools, observed } from '../commons/powertools.js';
import { createDemandRollup, type DemandRollupEvent } from './rollup.js';

/**
 * Builds the demand-rollup Lambda handler. A schedule invokes it once a day after midnight
 * UTC; an operator may invoke it with `{"day": "yyyy-mm-dd"}` to roll up one day again. Every
 * run writes the same values for the same journal, so a retried or repeated run is harmless.
 */
export const createHandler = (overrides: Pick<ClientOverrides, 'dynamodb'> = {}) => {
  const tools = createPowertools(SERVICE_NAMES.demandRollup);
  const { logger, metrics, tracer } = tools;
  const doc = createDocumentClient(tracer, overrides.dynamodb);
  const controlTable = requireEnv(EnvName.controlTable);
  const rollup = createDemandRollup({
    rollUpDay: (day, moveMarkerFrom) => rollUpDay(doc, controlTable, day, moveMarkerFrom),
    rolledUpThrough: () => rolledUpThrough(doc, controlTable),
    logger,
    metrics,
  });
  return observed<DemandRollupEvent, Awaited<ReturnType<typeof rollup>>>(tools).handler((event) =>
    rollup(event),
  );
};

export const handler = createHandler();
