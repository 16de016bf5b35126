import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { EnvironmentConfig } from '../config/environments.js';
import { InventoryAlertsData } from '../constructs/inventory-alerts-data.js';

export interface StatefulStackProps extends StackProps {
  readonly config: EnvironmentConfig;
}

/**
 * The stack of everything that holds data ({@link InventoryAlertsData}), with its names as
 * outputs. Functions and their wiring live in the pipeline stack.
 */
export class StatefulStack extends Stack {
  readonly data: InventoryAlertsData;

  constructor(scope: Construct, id: string, props: StatefulStackProps) {
    super(scope, id, props);
    // "Default": the construct adds nothing to its resources' logical ids, which stay those
    // of the stacks deployed before the construct existed (a new id would replace the tables).
    this.data = new InventoryAlertsData(this, 'Default', { config: props.config });

    new CfnOutput(this, 'InventoryTableName', { value: this.data.inventoryTable.tableName });
    new CfnOutput(this, 'ControlTableName', { value: this.data.controlTable.tableName });
    new CfnOutput(this, 'AlertsTopicArn', { value: this.data.alertsTopic.topicArn });
    new CfnOutput(this, 'EventBusName', { value: this.data.bus.eventBusName });
  }
}
