import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import {
  InventoryAlertsPipeline,
  type InventoryAlertsPipelineProps,
} from '../constructs/inventory-alerts-pipeline.js';

export type PipelineStackProps = StackProps & InventoryAlertsPipelineProps;

/**
 * The stack of the stateless half ({@link InventoryAlertsPipeline}): safe to destroy and
 * redeploy; all data lives in the stateful stack.
 */
export class PipelineStack extends Stack {
  readonly pipeline: InventoryAlertsPipeline;

  constructor(scope: Construct, id: string, props: PipelineStackProps) {
    super(scope, id, props);
    // "Default" keeps the logical ids the stack had before the construct (see StatefulStack).
    this.pipeline = new InventoryAlertsPipeline(this, 'Default', props);
  }
}
