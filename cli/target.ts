import { existsSync, readFileSync } from 'node:fs';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import {
  digestsEnabled,
  type EnvironmentConfig,
  loadEnvironment,
  localesInUse,
} from '../infra/config/environments.js';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../sandbox/dynamodb-local.js';
import { sandboxLocales } from '../sandbox/outbox.js';
import type { SandboxSubscription } from '../sandbox/subscriptions-file.js';
import type { ControlIndexSettings } from '../shared/contracts/tables.js';
import type { Locale } from '../shared/domain/locales.js';
import { UsageError } from '../shared/errors.js';

/** Where the CLI acts: table names, the topic, and clients for them. */
export interface Target {
  readonly kind: 'sandbox' | 'aws';
  /** The sandbox's DynamoDB Local endpoint, to name it when it is not running. */
  readonly endpoint?: string | undefined;
  readonly doc: DynamoDBDocumentClient;
  readonly inventoryTable: string;
  readonly controlTable: string;
  /** The alerts topic (AWS); the sandbox keeps subscriptions in a file instead. */
  readonly topicArn?: string | undefined;
  readonly sns?: SNSClient | undefined;
  /** The sandbox's subscriptions file, where `subscribe --sandbox` adds them. */
  readonly subscriptionsFile?: string | undefined;
  /** The subscriptions the sandbox's environment configures (resources.json), fixed while it runs. */
  readonly environmentSubscriptions?: readonly SandboxSubscription[] | undefined;
  /** The environment's control-index settings (shards, open-order age), as the functions run. */
  readonly index?: ControlIndexSettings | undefined;
  /** The locales the environment publishes alerts in, when the environment is known. */
  readonly alertLocales?: readonly Locale[] | undefined;
  /** Whether the environment counts stock in fractions (`decimalQuantities`); whole units if absent. */
  readonly decimalQuantities?: boolean | undefined;
  /** Whether the environment keeps crossings for digests (`subscribe --digest`). */
  readonly digests?: boolean | undefined;
}

/**
 * The settings an environment's functions run with, for the CLI to read as they wrote: the
 * control index, and whether quantities may be fractions.
 */
const settingsOf = (config: EnvironmentConfig): Pick<Target, 'index' | 'decimalQuantities'> => ({
  index: { shards: config.indexShards, openOrderMaxAgeDays: config.openOrderMaxAgeDays },
  decimalQuantities: config.decimalQuantities,
});

export const DEFAULT_RESOURCES = '.sandbox/resources.json';

const documentClient = (client: DynamoDBClient) =>
  DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });

/** The sandbox's tables, from the resources file `npm start` writes. */
export const sandboxTarget = (resourcesFile = DEFAULT_RESOURCES): Target => {
  if (!existsSync(resourcesFile)) {
    throw new UsageError(
      `${resourcesFile} not found: start the sandbox first (npm start), or target a deployment with --env <name>`,
    );
  }
  const resources = JSON.parse(readFileSync(resourcesFile, 'utf8')) as {
    endpoint: string;
    environment?: string;
    tables: { inventory: string; control: string };
    subscriptions?: SandboxSubscription[];
    digests?: boolean;
  };
  const client = new DynamoDBClient({
    endpoint: resources.endpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
  });
  const config = resources.environment ? loadEnvironment(resources.environment) : undefined;
  return {
    kind: 'sandbox',
    endpoint: resources.endpoint,
    doc: documentClient(client),
    inventoryTable: resources.tables.inventory,
    controlTable: resources.tables.control,
    subscriptionsFile: resourcesFile.replace(/resources\.json$/, 'subscriptions.json'),
    environmentSubscriptions: resources.subscriptions ?? [],
    ...(config && settingsOf(config)),
    // What the running sandbox keeps (its config may not be the named environment's); a
    // sandbox of an earlier release, which does not say, kept crossings for digests always.
    digests: resources.digests ?? true,
    alertLocales: config && sandboxLocales(config),
  };
};

/** A deployed environment's resources, from the stateful stack's outputs (standard credential chain). */
export const awsTarget = async (
  envName: string,
  clients: {
    cloudFormation?: CloudFormationClient;
    dynamodb?: DynamoDBClient;
    sns?: SNSClient;
  } = {},
): Promise<Target> => {
  const cloudFormation = clients.cloudFormation ?? new CloudFormationClient({});
  const stackName = `InventoryAlerts-${envName}-Stateful`;
  let outputs: Record<string, string>;
  try {
    const described = await cloudFormation.send(
      new DescribeStacksCommand({ StackName: stackName }),
    );
    outputs = Object.fromEntries(
      (described.Stacks?.[0]?.Outputs ?? []).map((o) => [o.OutputKey ?? '', o.OutputValue ?? '']),
    );
  } catch (error) {
    throw new UsageError(
      `Cannot read stack ${stackName}: ${(error as Error).message}. Is "${envName}" deployed (npx cdk deploy --all -c env=${envName}) and are your AWS credentials for its account?`,
    );
  }
  for (const key of ['InventoryTableName', 'ControlTableName', 'AlertsTopicArn']) {
    if (!outputs[key])
      throw new UsageError(
        `Stack ${stackName} has no output ${key}; redeploy it with this version`,
      );
  }
  const config = loadEnvironment(envName);
  return {
    kind: 'aws',
    doc: documentClient(clients.dynamodb ?? new DynamoDBClient({})),
    inventoryTable: outputs.InventoryTableName as string,
    controlTable: outputs.ControlTableName as string,
    topicArn: outputs.AlertsTopicArn,
    sns: clients.sns ?? new SNSClient({}),
    ...settingsOf(config),
    // The locales its stack publishes in, as the stack sets them from the config.
    alertLocales: localesInUse(config.subscribers, config.alertLocales),
    digests: digestsEnabled(config),
  };
};
