import { type App, Tags } from 'aws-cdk-lib';
import { type EnvironmentConfig, loadEnvironment } from './config/environments.js';
import { PipelineStack } from './stacks/pipeline-stack.js';
import { StatefulStack } from './stacks/stateful-stack.js';

/**
 * Adds one environment's stacks to an app: the stateful stack (data) and the pipeline stack
 * (functions and wiring). Throws a named error for an unknown or invalid environment.
 */
export const buildApp = (
  app: App,
  envName: string,
  config: EnvironmentConfig = loadEnvironment(envName),
) => {
  const env =
    config.account || config.region
      ? { account: config.account, region: config.region }
      : undefined;
  const prefix = `InventoryAlerts-${config.name}`;
  const stateful = new StatefulStack(app, `${prefix}-Stateful`, {
    config,
    env,
    description: `inventory-alerts (${config.name}): tables, key, topics, bus, queues`,
    terminationProtection: config.removalPolicy === 'retain',
  });
  const pipeline = new PipelineStack(app, `${prefix}-Pipeline`, {
    config,
    env,
    description: `inventory-alerts (${config.name}): stock-monitor, strategy-executor, rule, alarms`,
    data: stateful.data,
  });
  pipeline.addStackDependency(stateful);
  // Not on the dashboard: CloudFormation's schema has no Tags on a dashboard in every region
  // (cfn-lint E3002 in us-east-1), and the dashboard is named for the environment already.
  const untagged = { excludeResourceTypes: ['AWS::CloudWatch::Dashboard'] };
  for (const stack of [stateful, pipeline]) {
    Tags.of(stack).add('project', 'inventory-alerts', untagged);
    Tags.of(stack).add('environment', config.name, untagged);
  }
  return { stateful, pipeline };
};
