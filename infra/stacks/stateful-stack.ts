import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { ITable, Table } from 'aws-cdk-lib/aws-dynamodb';
import type { EventBus } from 'aws-cdk-lib/aws-events';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { Topic } from 'aws-cdk-lib/aws-sns';
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
  readonly key: IKey;
  readonly inventoryTable: ITable;
  readonly controlTable: Table;
  readonly idempotencyTable: Table;
  readonly alertsTopic: Topic;
  readonly opsTopic: Topic;
  readonly bus: EventBus;

  constructor(scope: Construct, id: string, props: StatefulStackProps) {
    super(scope, id, props);
    // "Default": the construct adds nothing to its resources' logical ids, which stay those
    // of the stacks deployed before the construct existed (a new id would replace the tables).
    const data = new InventoryAlertsData(this, 'Default', { config: props.config });
    this.key = data.key;
    this.inventoryTable = data.inventoryTable;
    this.controlTable = data.controlTable;
    this.idempotencyTable = data.idempotencyTable;
    this.alertsTopic = data.alertsTopic;
    this.opsTopic = data.opsTopic;
    this.bus = data.bus;

    new CfnOutput(this, 'InventoryTableName', { value: this.inventoryTable.tableName });
    new CfnOutput(this, 'ControlTableName', { value: this.controlTable.tableName });
    new CfnOutput(this, 'AlertsTopicArn', { value: this.alertsTopic.topicArn });
    new CfnOutput(this, 'EventBusName', { value: this.bus.eventBusName });
  }
}
