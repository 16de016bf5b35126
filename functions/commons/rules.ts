import type { Logger } from '@aws-lambda-powertools/logger';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { RulesRepository } from '../../shared/adapters/rules-repository.js';
import { EnvName, intEnv } from './env.js';

/** The rules repository of a function: cache TTL from the environment, invalid rules logged. */
export const createRulesRepository = (
  doc: DynamoDBDocumentClient,
  controlTable: string,
  logger: Logger,
) =>
  new RulesRepository(doc, controlTable, intEnv(EnvName.rulesCacheTtlSeconds, 30) * 1000, (error) =>
    logger.error('Invalid rule ignored', { ruleKey: error.ruleKey, issues: error.issues }),
  );
