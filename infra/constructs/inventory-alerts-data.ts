import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import {
  AttributeType,
  BillingMode,
  type ITable,
  StreamViewType,
  Table,
  TableEncryption,
  type TableProps,
} from 'aws-cdk-lib/aws-dynamodb';
import { Archive, EventBus } from 'aws-cdk-lib/aws-events';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { type IKey, Key } from 'aws-cdk-lib/aws-kms';
import { BackoffFunction, SubscriptionFilter, Topic } from 'aws-cdk-lib/aws-sns';
import {
  EmailSubscription,
  SmsSubscription,
  UrlSubscription,
} from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { EVENT_SOURCE } from '../../shared/contracts/events.js';
import { WEBHOOK_DELIVERY_POLICY } from '../../shared/contracts/subscriptions.js';
import {
  CONTROL_TABLE,
  IDEMPOTENCY_TABLE,
  INVENTORY_TABLE,
  type KeyAttribute,
  type TableDefinition,
} from '../../shared/contracts/tables.js';
import { InvalidEnvironmentConfigError } from '../../shared/errors.js';
import {
  type EnvironmentConfig,
  type Subscriber,
  subscriberPolicyOf,
} from '../config/environments.js';

export interface InventoryAlertsDataProps {
  readonly config: EnvironmentConfig;
  /**
   * An existing inventory table with a NEW_AND_OLD_IMAGES stream, e.g. from
   * `Table.fromTableAttributes({ tableName, tableStreamArn })`; it wins over
   * `config.inventoryTable`. Absent: the config creates the table or attaches to one by name.
   */
  readonly inventoryTable?: ITable;
}

/** The CDK removal policy of the environment's `removalPolicy`. */
export const removalPolicyOf = (config: EnvironmentConfig): RemovalPolicy =>
  config.removalPolicy === 'retain' ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;

const attribute = (key: KeyAttribute) => ({
  name: key.name,
  type: key.type === 'S' ? AttributeType.STRING : AttributeType.NUMBER,
});

/** The deployed form of a subscriber's filter policy (see {@link subscriberPolicyOf}). */
const subscriptionFilters = (subscriber: Subscriber): Record<string, SubscriptionFilter> =>
  Object.fromEntries(
    Object.entries(subscriberPolicyOf(subscriber)).map(([name, allowlist]) => [
      name,
      SubscriptionFilter.stringFilter({ allowlist }),
    ]),
  );

/** A subscriber's SNS subscription: e-mail, SMS, or a webhook with raw delivery and retries. */
const subscriptionOf = (subscriber: Subscriber) => {
  const filterPolicy = subscriptionFilters(subscriber);
  if (subscriber.protocol === 'email')
    return new EmailSubscription(subscriber.endpoint, { filterPolicy, json: false });
  if (subscriber.protocol === 'sms')
    return new SmsSubscription(subscriber.endpoint, { filterPolicy });
  const retry = WEBHOOK_DELIVERY_POLICY.healthyRetryPolicy;
  return new UrlSubscription(subscriber.endpoint, {
    filterPolicy,
    rawMessageDelivery: true,
    deliveryPolicy: {
      healthyRetryPolicy: {
        minDelayTarget: Duration.seconds(retry.minDelayTarget),
        maxDelayTarget: Duration.seconds(retry.maxDelayTarget),
        numRetries: retry.numRetries,
        numNoDelayRetries: retry.numNoDelayRetries,
        numMinDelayRetries: retry.numMinDelayRetries,
        numMaxDelayRetries: retry.numMaxDelayRetries,
        backoffFunction: BackoffFunction.EXPONENTIAL,
      },
      throttlePolicy: WEBHOOK_DELIVERY_POLICY.throttlePolicy,
    },
  });
};

/**
 * Everything that holds data: the key, the tables, the alert topic and its subscribers, the
 * bus and its archive. The functions and their wiring are {@link InventoryAlertsPipeline}.
 */
export class InventoryAlertsData extends Construct {
  readonly key: IKey;
  readonly inventoryTable: ITable;
  readonly controlTable: Table;
  readonly idempotencyTable: Table;
  readonly alertsTopic: Topic;
  readonly opsTopic: Topic;
  readonly bus: EventBus;

  constructor(scope: Construct, id: string, props: InventoryAlertsDataProps) {
    super(scope, id);
    const { config } = props;
    const removalPolicy = removalPolicyOf(config);

    const key = new Key(this, 'DataKey', {
      description: `inventory-alerts ${config.name}: tables, topics and queues`,
      enableKeyRotation: true,
      removalPolicy,
    });
    // CloudWatch alarms publish to the encrypted ops topic; EventBridge writes to the encrypted DLQ.
    for (const service of ['cloudwatch.amazonaws.com', 'events.amazonaws.com']) {
      key.addToResourcePolicy(
        new PolicyStatement({
          actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          principals: [new ServicePrincipal(service)],
          resources: ['*'],
          conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
        }),
      );
    }
    this.key = key;

    const tableProps = (definition: TableDefinition) => ({
      partitionKey: attribute(definition.partitionKey),
      ...(definition.sortKey ? { sortKey: attribute(definition.sortKey) } : {}),
      ...(definition.timeToLiveAttribute
        ? { timeToLiveAttribute: definition.timeToLiveAttribute }
        : {}),
      billingMode: BillingMode.PAY_PER_REQUEST,
      encryption: TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: key,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: config.pointInTimeRecovery },
      deletionProtection: config.deletionProtection,
      removalPolicy,
    });

    this.inventoryTable = props.inventoryTable ?? this.inventoryTableOf(config, tableProps);
    if (!this.inventoryTable.tableStreamArn)
      throw new InvalidEnvironmentConfigError(
        'The inventory table has no stream: enable a NEW_AND_OLD_IMAGES stream on it and pass its ARN (Table.fromTableAttributes({ tableName, tableStreamArn })).',
      );

    this.controlTable = new Table(this, 'ControlTable', tableProps(CONTROL_TABLE));
    for (const index of CONTROL_TABLE.globalSecondaryIndexes ?? []) {
      this.controlTable.addGlobalSecondaryIndex({
        indexName: index.indexName,
        partitionKey: attribute(index.partitionKey),
        sortKey: attribute(index.sortKey),
      });
    }
    this.idempotencyTable = new Table(this, 'IdempotencyTable', tableProps(IDEMPOTENCY_TABLE));

    this.alertsTopic = new Topic(this, 'AlertsTopic', {
      displayName: 'Inventory alerts',
      masterKey: key,
      enforceSSL: true,
    });
    config.subscribers.forEach((subscriber, index) => {
      // Ids by position: subscriber addresses stay out of logical ids and construct paths.
      this.alertsTopic
        .addSubscription(subscriptionOf(subscriber))
        .node.addMetadata('subscriber', index);
    });

    this.opsTopic = new Topic(this, 'OpsTopic', {
      displayName: 'Inventory alerts operations',
      masterKey: key,
      enforceSSL: true,
    });
    for (const email of config.alarms.opsEmails)
      this.opsTopic.addSubscription(new EmailSubscription(email));

    this.bus = new EventBus(this, 'InventoryBus', {
      description: `inventory-alerts ${config.name}: stock level changes and strategy outcomes`,
    });
    new Archive(this, 'InventoryArchive', {
      sourceEventBus: this.bus,
      eventPattern: { source: [EVENT_SOURCE] },
      retention: Duration.days(config.archiveRetentionDays),
      description: 'Replays of level changes for recovery and audits',
    });
  }

  /** The table the config names: created with its stream, or attached by name and stream ARN. */
  private inventoryTableOf(
    config: EnvironmentConfig,
    tableProps: (definition: TableDefinition) => TableProps,
  ): ITable {
    if (config.inventoryTable.mode === 'create') {
      return new Table(this, 'InventoryTable', {
        ...tableProps(INVENTORY_TABLE),
        stream: StreamViewType.NEW_AND_OLD_IMAGES,
      });
    }
    const imported = config.inventoryTable;
    return Table.fromTableAttributes(this, 'InventoryTable', {
      tableName: imported.tableName,
      tableStreamArn: imported.streamArn,
      ...(imported.encryptionKeyArn
        ? { encryptionKey: Key.fromKeyArn(this, 'InventoryKey', imported.encryptionKeyArn) }
        : {}),
    });
  }
}
