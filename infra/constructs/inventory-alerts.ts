/**
 * `inventory-alerts/construct`: stock alerts as one construct for any CDK app.
 *
 * ```ts
 * new InventoryAlerts(this, 'StockAlerts', {
 *   config: inventoryAlertsConfig('shop', { subscribers: [{ protocol: 'email', endpoint: 'buyer@shop.example' }] }),
 *   inventoryTable: Table.fromTableAttributes(this, 'Inventory', { tableName, tableStreamArn }),
 * });
 * ```
 */
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import {
  ENVIRONMENTS,
  type EnvironmentConfig,
  type EnvironmentConfigInput,
  loadEnvironment,
} from '../config/environments.js';
import { InventoryAlertsData } from './inventory-alerts-data.js';
import { InventoryAlertsPipeline } from './inventory-alerts-pipeline.js';

export type { EnvironmentConfig, EnvironmentConfigInput } from '../config/environments.js';
export { loadEnvironment } from '../config/environments.js';
export { InventoryAlertsData, type InventoryAlertsDataProps } from './inventory-alerts-data.js';
export {
  InventoryAlertsPipeline,
  type InventoryAlertsPipelineProps,
} from './inventory-alerts-pipeline.js';

export interface InventoryAlertsProps {
  /** The validated settings: {@link inventoryAlertsConfig} or {@link loadEnvironment}. */
  readonly config: EnvironmentConfig;
  /**
   * An existing inventory table with a NEW_AND_OLD_IMAGES stream, e.g.
   * `Table.fromTableAttributes(this, 'Inventory', { tableName, tableStreamArn })`. Absent:
   * `config.inventoryTable` decides (`create`, or `import` by name and stream ARN).
   */
  readonly inventoryTable?: ITable;
}

/**
 * The settings of one deployment of the alerts: the `dev` environment's settings with
 * `settings` over them (top-level keys replace), validated, except that crossings are kept for
 * digests only when asked (`digests: true` or a subscriber's digest): dev keeps them to try
 * `subscribe --digest`, an app pays for them by choice. Throws InvalidEnvironmentConfigError
 * naming each bad field.
 */
export const inventoryAlertsConfig = (
  name: string,
  settings: Partial<EnvironmentConfigInput> = {},
): EnvironmentConfig =>
  loadEnvironment(name, { [name]: { ...ENVIRONMENTS.dev, digests: false, ...settings } });

/**
 * Stock alerts on an inventory table: the stock-monitor on its stream, alert topic and
 * subscribers, the bus and the strategy-executor, the demand-recorder, dead-letter queues,
 * alarms and a dashboard. The same wiring as the project's own stacks, in one scope.
 */
export class InventoryAlerts extends Construct {
  readonly data: InventoryAlertsData;
  readonly pipeline: InventoryAlertsPipeline;

  constructor(scope: Construct, id: string, props: InventoryAlertsProps) {
    super(scope, id);
    this.data = new InventoryAlertsData(this, 'Data', props);
    this.pipeline = new InventoryAlertsPipeline(this, 'Pipeline', {
      config: props.config,
      data: this.data,
    });
  }
}
