import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { DeferredTracer } from './powertools.js';

/**
 * SDK clients, created once per container. `config` lets the local sandbox and the tests
 * point the same clients at another endpoint or transport; production passes nothing.
 */
export interface ClientOverrides {
  readonly dynamodb?: ConstructorParameters<typeof DynamoDBClient>[0];
  readonly sns?: ConstructorParameters<typeof SNSClient>[0];
  readonly eventBridge?: ConstructorParameters<typeof EventBridgeClient>[0];
}

const traced =
  (tracer?: Pick<DeferredTracer, 'captureAWSv3Client'>) =>
  <T>(client: T): T =>
    tracer ? tracer.captureAWSv3Client(client) : client;

const documentClient = (dynamodb: DynamoDBClient) =>
  DynamoDBDocumentClient.from(dynamodb, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: true },
  });

/** A document client for functions that talk only to DynamoDB. */
export const createDocumentClient = (
  tracer?: Pick<DeferredTracer, 'captureAWSv3Client'>,
  config: ClientOverrides['dynamodb'] = {},
) => documentClient(traced(tracer)(new DynamoDBClient(config)));

export const createClients = (
  tracer?: Pick<DeferredTracer, 'captureAWSv3Client'>,
  overrides: ClientOverrides = {},
) => {
  const trace = traced(tracer);
  const dynamodb = trace(new DynamoDBClient(overrides.dynamodb ?? {}));
  return {
    dynamodb,
    doc: documentClient(dynamodb),
    sns: trace(new SNSClient(overrides.sns ?? {})),
    eventBridge: trace(new EventBridgeClient(overrides.eventBridge ?? {})),
  };
};
export type Clients = ReturnType<typeof createClients>;
