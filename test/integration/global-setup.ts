import type { TestProject } from 'vitest/node';
import { freePort, startDynamoDbLocal } from '../../sandbox/dynamodb-local.js';

/** One DynamoDB Local for the whole test run, on a free port, torn down after. */
export default async function setup(project: TestProject) {
  const dynamo = await startDynamoDbLocal({ port: await freePort() });
  project.provide('dynamoEndpoint', dynamo.endpoint);
  return async () => {
    await dynamo.stop();
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    dynamoEndpoint: string;
  }
}
