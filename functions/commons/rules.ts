import type { Logger } from '@aws-lambda-powertools/logger';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DemandThresholds } from '../../shared/adapters/demand-repository.js';
import { RulesRepository } from '../../shared/adapters/rules-repository.js';
import { EnvName } from '../../shared/contracts/env.js';
import { cacheMaxEntries, intEnv } from './env.js';

/**
 * The rules repository of a function: cache TTL and bound from the environment, invalid rules
 * logged.
 */
export const createRulesRepository = (
  doc: DynamoDBDocumentClient,
  controlTable: string,
  logger: Logger,
) =>
  new RulesRepository(
    doc,
    controlTable,
    intEnv(EnvName.rulesCacheTtlSeconds, 30) * 1000,
    (error) =>
      logger.error('Invalid rule ignored', { ruleKey: error.ruleKey, issues: error.issues }),
    Date.now,
    cacheMaxEntries(),
  );

/** The demand-derived thresholds of a function: default TTL, cache bound from the environment. */
export const createDemandThresholds = (doc: DynamoDBDocumentClient, controlTable: string) =>
  new DemandThresholds(doc, controlTable, undefined, Date.now, cacheMaxEntries());
