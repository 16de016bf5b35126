import { Duration, type RemovalPolicy, Validations } from 'aws-cdk-lib';
import {
  Alarm,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  type IMetric,
  Metric,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { type IFunction, StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import {
  DEMAND_ROLLUP_MINUTES_AFTER_MIDNIGHT,
  DEMAND_ROLLUP_RETRY_ATTEMPTS,
} from '../../functions/demand-rollup/rollup.js';
import { EnvName } from '../../shared/contracts/env.js';
import {
  EXECUTOR_ASYNC_RETRIES,
  STRATEGY_EXECUTOR_PATTERN,
} from '../../shared/contracts/events.js';
import { METRICS_NAMESPACE, MetricName, SERVICE_NAMES } from '../../shared/contracts/metrics.js';
import {
  DIGEST_SENDER_LAG_MINUTES,
  DIGEST_TICK_MINUTES,
} from '../../shared/contracts/subscriptions.js';
import {
  ControlIndex,
  DEMAND_JOURNAL_PREFIX,
  DIGEST_WINDOW_PARTITION,
} from '../../shared/contracts/tables.js';
import { digestsEnabled, type EnvironmentConfig, localesInUse } from '../config/environments.js';
import { type InventoryAlertsData, removalPolicyOf } from './inventory-alerts-data.js';
import { PipelineFunction } from './pipeline-function.js';

export interface InventoryAlertsPipelineProps {
  readonly config: EnvironmentConfig;
  /** The tables, key, topics and bus the functions use. */
  readonly data: InventoryAlertsData;
}

/** What a function needs of the customer-managed key to read and write encrypted data. */
const KMS_DATA_ACTIONS = ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'];

/** An event source mapping's settings from the environment's config of one stream reader. */
const streamReading = (consumer: EnvironmentConfig['streamConsumer']) => ({
  startingPosition: StartingPosition.LATEST,
  batchSize: consumer.batchSize,
  maxBatchingWindow: Duration.seconds(consumer.maxBatchingWindowSeconds),
  retryAttempts: consumer.retryAttempts,
  maxRecordAge: Duration.seconds(consumer.maxRecordAgeSeconds),
  parallelizationFactor: consumer.parallelizationFactor,
});

/** Least privilege: exact actions on exact resources, no wildcard actions. */
const allow = (fn: IFunction, actions: string[], resources: string[]) =>
  fn.addToRolePolicy(new PolicyStatement({ actions, resources }));

/**
 * The stateless half: the functions, the stream mappings, the bus rule, alarms and the
 * dashboard. Safe to destroy and redeploy; all data lives in InventoryAlertsData.
 */
export class InventoryAlertsPipeline extends Construct {
  readonly stockMonitor: PipelineFunction;
  readonly strategyExecutor: PipelineFunction;
  /** The stream's second reader; absent when the environment turns demand recording off. */
  readonly demandRecorder: PipelineFunction | undefined;
  readonly alarms: Alarm[] = [];
  /** Stream records that failed every retry (with the ESM's failure metadata). */
  readonly streamDlq: Queue;
  /** Stream records whose sales could not be counted after every retry. */
  readonly demandDlq: Queue | undefined;
  /** Level-change events the strategy-executor could not take after every retry. */
  readonly strategyDlq: Queue;
  /** Sends digests when windows close; absent when the environment keeps no digests. */
  readonly digestSender: PipelineFunction | undefined;
  /** Folds each day's demand journal into demand days, nightly; absent with the recorder. */
  readonly demandRollup: PipelineFunction | undefined;
  /** Nightly roll-ups that failed every retry (the scheduled event, to run again). */
  readonly demandRollupDlq: Queue | undefined;

  constructor(scope: Construct, id: string, props: InventoryAlertsPipelineProps) {
    super(scope, id);
    const { config } = props;
    const removalPolicy = removalPolicyOf(config);
    const common = {
      logRetention: config.logRetentionDays as RetentionDays,
      logLevel: config.logLevel,
      removalPolicy,
    };

    // The dead-letter queues live here, not in the stateful stack: the event target writes a
    // queue policy naming this stack's rule, which would otherwise make the stacks depend on
    // each other. They are retained in environments whose removal policy is retain.
    const dlq = (queueId: string) => {
      const queue = new Queue(this, queueId, {
        encryption: QueueEncryption.KMS,
        encryptionMasterKey: props.data.key,
        enforceSSL: true,
        retentionPeriod: Duration.days(14),
        removalPolicy,
      });
      Validations.of(queue).acknowledge({
        id: 'AwsSolutions-SQS3',
        reason:
          'This queue is a dead-letter queue itself; a DLQ of a DLQ would only move the problem.',
      });
      return queue;
    };
    this.streamDlq = dlq('StreamDeadLetterQueue');
    this.strategyDlq = dlq('StrategyDeadLetterQueue');

    this.stockMonitor = new PipelineFunction(this, 'StockMonitor', {
      ...common,
      memorySize: config.memoryMb.stockMonitor,
      entry: 'functions/stock-monitor/handler.ts',
      serviceName: SERVICE_NAMES.stockMonitor,
      timeout: Duration.seconds(60),
      environment: {
        [EnvName.controlTable]: props.data.controlTable.tableName,
        [EnvName.alertsTopicArn]: props.data.alertsTopic.topicArn,
        [EnvName.eventBusName]: props.data.bus.eventBusName,
        [EnvName.rulesCacheTtlSeconds]: String(config.rulesCacheTtlSeconds),
        [EnvName.cacheMaxEntries]: String(config.cacheMaxEntries),
        [EnvName.indexShards]: String(config.indexShards),
        [EnvName.alertLocales]: localesInUse(config.subscribers, config.alertLocales).join(','),
        [EnvName.currencyCode]: config.currency.code,
        ...(digestsEnabled(config) ? { [EnvName.digestBuffer]: 'on' } : {}),
      },
    });
    const monitor = this.stockMonitor.function;
    allow(
      monitor,
      ['dynamodb:BatchGetItem', 'dynamodb:PutItem', 'dynamodb:Query'],
      [props.data.controlTable.tableArn],
    );
    allow(monitor, ['sns:Publish'], [props.data.alertsTopic.topicArn]);
    allow(monitor, ['events:PutEvents'], [props.data.bus.eventBusArn]);
    allow(monitor, KMS_DATA_ACTIONS, [props.data.key.keyArn]);

    const { streamConsumer } = config;
    // No filter criteria: INSERT, MODIFY and REMOVE can each open or close a level, and a
    // pattern cannot compare the old quantity with the new one, which is what would tell a
    // price-only write apart. Malformed records must reach the handler to be quarantined.
    monitor.addEventSource(
      new DynamoEventSource(props.data.inventoryTable, {
        ...streamReading(streamConsumer),
        bisectBatchOnError: true,
        reportBatchItemFailures: true,
        onFailure: new SqsDlq(this.streamDlq),
      }),
    );

    const { demandConsumer } = config;
    if (demandConsumer.enabled) {
      this.demandDlq = dlq('DemandDeadLetterQueue');
      this.demandRecorder = new PipelineFunction(this, 'DemandRecorder', {
        ...common,
        memorySize: config.memoryMb.demandRecorder,
        entry: 'functions/demand-recorder/handler.ts',
        serviceName: SERVICE_NAMES.demandRecorder,
        timeout: Duration.seconds(60),
        environment: { [EnvName.controlTable]: props.data.controlTable.tableName },
      });
      const recorder = this.demandRecorder.function;
      // It puts journal entries and nothing else: only in the journal's partitions.
      recorder.addToRolePolicy(
        new PolicyStatement({
          actions: ['dynamodb:PutItem'],
          resources: [props.data.controlTable.tableArn],
          conditions: {
            'ForAllValues:StringLike': {
              'dynamodb:LeadingKeys': [`${DEMAND_JOURNAL_PREFIX}*`],
            },
          },
        }),
      );
      allow(recorder, KMS_DATA_ACTIONS, [props.data.key.keyArn]);
      // The whole batch succeeds or is retried (a replay writes the same journal entries,
      // refused as existing), so neither partial responses nor bisecting apply; records it
      // cannot read it skips.
      recorder.addEventSource(
        new DynamoEventSource(props.data.inventoryTable, {
          ...streamReading(demandConsumer),
          onFailure: new SqsDlq(this.demandDlq),
        }),
      );
    }

    this.strategyExecutor = new PipelineFunction(this, 'StrategyExecutor', {
      ...common,
      memorySize: config.memoryMb.strategyExecutor,
      entry: 'functions/strategy-executor/handler.ts',
      serviceName: SERVICE_NAMES.strategyExecutor,
      // EventBridge invokes asynchronously: its retry policy covers delivery, these cover errors.
      retryAttempts: EXECUTOR_ASYNC_RETRIES,
      deadLetterQueue: this.strategyDlq,
      environment: {
        [EnvName.inventoryTable]: props.data.inventoryTable.tableName,
        [EnvName.controlTable]: props.data.controlTable.tableName,
        [EnvName.idempotencyTable]: props.data.idempotencyTable.tableName,
        [EnvName.eventBusName]: props.data.bus.eventBusName,
        [EnvName.rulesCacheTtlSeconds]: String(config.rulesCacheTtlSeconds),
        [EnvName.currencyDecimals]: String(config.currency.decimals),
        [EnvName.cacheMaxEntries]: String(config.cacheMaxEntries),
        [EnvName.indexShards]: String(config.indexShards),
        [EnvName.openOrderMaxAgeDays]: String(config.openOrderMaxAgeDays),
      },
    });
    const executor = this.strategyExecutor.function;
    const itemActions = [
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'dynamodb:ConditionCheckItem',
    ];
    // The inventory: read an item, and change it by Update in a transaction; never a whole put.
    allow(
      executor,
      ['dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:ConditionCheckItem'],
      [props.data.inventoryTable.tableArn],
    );
    allow(
      executor,
      [...itemActions, 'dynamodb:BatchGetItem', 'dynamodb:Query'],
      [props.data.controlTable.tableArn],
    );
    allow(
      executor,
      [...itemActions, 'dynamodb:DeleteItem'],
      [props.data.idempotencyTable.tableArn],
    );
    allow(executor, ['events:PutEvents'], [props.data.bus.eventBusArn]);
    allow(executor, KMS_DATA_ACTIONS, [
      props.data.key.keyArn,
      ...(props.data.inventoryTable.encryptionKey
        ? [props.data.inventoryTable.encryptionKey.keyArn]
        : []),
    ]);

    const strategyRule = new Rule(this, 'StrategyRule', {
      eventBus: props.data.bus,
      description: 'Level changes to the strategy-executor',
      eventPattern: structuredClone(STRATEGY_EXECUTOR_PATTERN) as unknown as Record<
        string,
        string[]
      >,
    });
    strategyRule.addTarget(
      new LambdaFunction(executor, {
        retryAttempts: config.strategyTarget.retryAttempts,
        maxEventAge: Duration.seconds(config.strategyTarget.maxEventAgeSeconds),
        deadLetterQueue: this.strategyDlq,
      }),
    );

    this.digestSender = digestsEnabled(config) ? this.addDigestSender(props, common) : undefined;
    if (demandConsumer.enabled) {
      this.demandRollupDlq = dlq('DemandRollupDeadLetterQueue');
      this.demandRollup = this.addDemandRollup(props, common, this.demandRollupDlq);
    }

    this.addAlarms(props, strategyRule);
    this.addDashboard(props);
    this.acknowledgeFindings();
  }

  /**
   * The digest-sender (issue #18) and its schedule: a rule {@link DIGEST_SENDER_LAG_MINUTES}
   * after every tick (every crossing committed within the window is in), retried within the
   * tick; the window comes from the event's scheduled time, so a retry closes the same one,
   * and Powertools idempotency sends each digest once. A tick also closes the windows earlier
   * ticks left open (`DIGEST_CATCH_UP_TICKS`), by the marks it keeps of those it closed. It
   * reads the buffer by the control index, the subscribers' filter policies from the topic,
   * and publishes to it.
   */
  private addDigestSender(
    props: InventoryAlertsPipelineProps,
    common: { logRetention: RetentionDays; logLevel: string; removalPolicy: RemovalPolicy },
  ): PipelineFunction {
    const { data, config } = props;
    const sender = new PipelineFunction(this, 'DigestSender', {
      ...common,
      memorySize: config.memoryMb.digestSender,
      entry: 'functions/digest-sender/handler.ts',
      serviceName: SERVICE_NAMES.digestSender,
      timeout: Duration.seconds(120),
      environment: {
        [EnvName.controlTable]: data.controlTable.tableName,
        [EnvName.idempotencyTable]: data.idempotencyTable.tableName,
        [EnvName.alertsTopicArn]: data.alertsTopic.topicArn,
        [EnvName.indexShards]: String(config.indexShards),
      },
    });
    const fn = sender.function;
    allow(fn, ['dynamodb:Query'], [`${data.controlTable.tableArn}/index/${ControlIndex.name}`]);
    // The marks of the windows it closed, which later ticks read before catching up: only in
    // their partition.
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['dynamodb:BatchGetItem', 'dynamodb:PutItem'],
        resources: [data.controlTable.tableArn],
        conditions: {
          'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [DIGEST_WINDOW_PARTITION] },
        },
      }),
    );
    allow(
      fn,
      ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
      [data.idempotencyTable.tableArn],
    );
    allow(fn, ['sns:ListSubscriptionsByTopic', 'sns:Publish'], [data.alertsTopic.topicArn]);
    // GetSubscriptionAttributes names a subscription, and SNS grants it on no resource type.
    allow(fn, ['sns:GetSubscriptionAttributes'], ['*']);
    allow(fn, KMS_DATA_ACTIONS, [data.key.keyArn]);
    new Rule(this, 'DigestSchedule', {
      description: 'Closes digest windows two minutes after each tick',
      schedule: Schedule.cron({ minute: `${DIGEST_SENDER_LAG_MINUTES}/${DIGEST_TICK_MINUTES}` }),
    }).addTarget(
      new LambdaFunction(fn, {
        retryAttempts: 2,
        maxEventAge: Duration.minutes(DIGEST_TICK_MINUTES - DIGEST_SENDER_LAG_MINUTES),
      }),
    );
    return sender;
  }

  /**
   * The demand-rollup and its schedule: once a day, {@link DEMAND_ROLLUP_MINUTES_AFTER_MIDNIGHT}
   * minutes after midnight UTC, it folds the day before's journal (and the day before that's
   * again: a stream record can be journaled up to 24 h late) into demand days. A failed run is
   * retried by Lambda, then kept in its DLQ with the event; a run again writes the same values.
   * It reads the journal's partitions and the demand days, and writes demand days and the marker.
   */
  private addDemandRollup(
    props: InventoryAlertsPipelineProps,
    common: { logRetention: RetentionDays; logLevel: string; removalPolicy: RemovalPolicy },
    deadLetterQueue: Queue,
  ): PipelineFunction {
    const { data, config } = props;
    const rollup = new PipelineFunction(this, 'DemandRollup', {
      ...common,
      memorySize: config.memoryMb.demandRollup,
      entry: 'functions/demand-rollup/handler.ts',
      serviceName: SERVICE_NAMES.demandRollup,
      timeout: Duration.minutes(15),
      environment: { [EnvName.controlTable]: data.controlTable.tableName },
      deadLetterQueue,
      retryAttempts: DEMAND_ROLLUP_RETRY_ATTEMPTS,
    });
    const fn = rollup.function;
    allow(
      fn,
      ['dynamodb:Query', 'dynamodb:BatchGetItem', 'dynamodb:BatchWriteItem', 'dynamodb:UpdateItem'],
      [data.controlTable.tableArn],
    );
    allow(fn, KMS_DATA_ACTIONS, [data.key.keyArn]);
    new Rule(this, 'DemandRollupSchedule', {
      description:
        "Rolls up the demand journal of the day before (and again the day before that's)",
      schedule: Schedule.cron({ minute: String(DEMAND_ROLLUP_MINUTES_AFTER_MIDNIGHT), hour: '0' }),
    }).addTarget(
      new LambdaFunction(fn, {
        retryAttempts: 4,
        maxEventAge: Duration.hours(6),
        deadLetterQueue,
      }),
    );
    return rollup;
  }

  /**
   * Alarms to the ops topic: messages in a dead-letter queue, stream readers falling behind,
   * function errors and throttles, and level changes EventBridge could not deliver.
   */
  private addAlarms(props: InventoryAlertsPipelineProps, strategyRule: Rule): void {
    const action = new SnsAction(props.data.opsTopic);
    this.addDeadLetterAlarms(action);
    this.addIteratorAgeAlarms(action, props.config);
    this.addFunctionAlarms(action, props.config);
    if (this.demandRollup)
      this.addAlarm(
        action,
        'DemandSpanOverlaps',
        new Metric({
          namespace: METRICS_NAMESPACE,
          metricName: MetricName.DemandSpanOverlaps,
          dimensionsMap: { service: SERVICE_NAMES.demandRollup },
          period: Duration.days(1),
          statistic: 'Sum',
        }),
        1,
        'The demand journal held batches that overlap without nesting: their sales were counted twice (see the demand-rollup logs).',
      );
    this.addAlarm(
      action,
      'StrategyDeliveryFailures',
      new Metric({
        namespace: 'AWS/Events',
        metricName: 'FailedInvocations',
        dimensionsMap: {
          RuleName: strategyRule.ruleName,
          EventBusName: props.data.bus.eventBusName,
        },
        period: Duration.minutes(5),
        statistic: 'Sum',
      }),
      1,
      'EventBridge could not deliver level changes to the strategy-executor.',
    );
  }

  /** One alarm to `action`: at or above `threshold` for one period; no data is no breach. */
  private addAlarm(
    action: SnsAction,
    id: string,
    metric: IMetric,
    threshold: number,
    description: string,
  ): void {
    const created = new Alarm(this, id, {
      metric,
      threshold,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
      alarmDescription: description,
    });
    created.addAlarmAction(action);
    this.alarms.push(created);
  }

  /** A message waiting in any dead-letter queue. */
  private addDeadLetterAlarms(action: SnsAction): void {
    for (const [id, queue] of [
      ['StreamDlqNotEmpty', this.streamDlq],
      ['StrategyDlqNotEmpty', this.strategyDlq],
      ...(this.demandDlq ? [['DemandDlqNotEmpty', this.demandDlq] as const] : []),
      ...(this.demandRollupDlq ? [['DemandRollupDlqNotEmpty', this.demandRollupDlq] as const] : []),
    ] as const) {
      this.addAlarm(
        action,
        id,
        queue.metricApproximateNumberOfMessagesVisible({
          period: Duration.minutes(1),
          statistic: 'Maximum',
        }),
        1,
        `Messages are waiting in ${id.replace('NotEmpty', '')}: inspect and redrive them.`,
      );
    }
  }

  /** A stream reader whose oldest record is older than the environment allows. */
  private addIteratorAgeAlarms(action: SnsAction, config: EnvironmentConfig): void {
    this.addAlarm(
      action,
      'StreamIteratorAge',
      this.stockMonitor.function.metric('IteratorAge', {
        period: Duration.minutes(1),
        statistic: 'Maximum',
      }),
      config.alarms.iteratorAgeMs,
      'The stock-monitor is falling behind the inventory stream.',
    );
    if (this.demandRecorder) {
      this.addAlarm(
        action,
        'DemandIteratorAge',
        this.demandRecorder.function.metric('IteratorAge', {
          period: Duration.minutes(1),
          statistic: 'Maximum',
        }),
        // Its batching window is waiting by design; alarm only beyond it.
        config.alarms.iteratorAgeMs + config.demandConsumer.maxBatchingWindowSeconds * 1000,
        'The demand-recorder is falling behind the inventory stream.',
      );
    }
  }

  /** Errors and throttles of every function. */
  private addFunctionAlarms(action: SnsAction, config: EnvironmentConfig): void {
    const fiveMinutes = Duration.minutes(5);
    for (const fn of this.functions) {
      const name = fn.node.id;
      this.addAlarm(
        action,
        `${name}Errors`,
        fn.function.metricErrors({ period: fiveMinutes }),
        config.alarms.functionErrors,
        `${name} reports errors.`,
      );
      this.addAlarm(
        action,
        `${name}Throttles`,
        fn.function.metricThrottles({ period: fiveMinutes }),
        1,
        `${name} is throttled.`,
      );
    }
  }

  /**
   * The dashboard: what each function counts on the first row; stream lag, function errors and
   * dead letters on the second.
   */
  private addDashboard(props: InventoryAlertsPipelineProps): void {
    const dashboard = new Dashboard(this, 'Dashboard', {
      dashboardName: `inventory-alerts-${props.config.name}`,
    });
    dashboard.addWidgets(...this.countWidgets());
    dashboard.addWidgets(...this.healthWidgets());
  }

  /** The pipeline's own counts: records, crossings and alerts, strategies, demand. */
  private countWidgets(): GraphWidget[] {
    const custom = (metricName: string, service: string) =>
      new Metric({
        namespace: METRICS_NAMESPACE,
        metricName,
        dimensionsMap: { service },
        statistic: 'Sum',
        period: Duration.minutes(5),
      });
    const monitor = SERVICE_NAMES.stockMonitor;
    const executor = SERVICE_NAMES.strategyExecutor;
    const recorder = SERVICE_NAMES.demandRecorder;
    return [
      new GraphWidget({
        title: 'Stream records',
        left: [
          custom(MetricName.RecordsProcessed, monitor),
          custom(MetricName.RecordsFailed, monitor),
          custom(MetricName.DuplicateRecords, monitor),
        ],
      }),
      new GraphWidget({
        title: 'Crossings and alerts',
        left: [
          custom(MetricName.Crossings, monitor),
          custom(MetricName.AlertsPublished, monitor),
          custom(MetricName.EventsPublished, monitor),
          custom(MetricName.PublishRetries, monitor),
        ],
      }),
      new GraphWidget({
        title: 'Strategies',
        left: [
          custom(MetricName.StrategiesApplied, executor),
          custom(MetricName.StrategiesRejected, executor),
          custom(MetricName.StrategyReplays, executor),
        ],
      }),
      new GraphWidget({
        title: 'Demand',
        left: [
          custom(MetricName.SalesRecorded, recorder),
          custom(MetricName.DemandDeltasJournaled, recorder),
          custom(MetricName.DemandEntriesWritten, recorder),
          custom(MetricName.DemandEntriesReplayed, recorder),
          custom(MetricName.RecordsSkipped, recorder),
          custom(MetricName.DemandDaysRollupWritten, SERVICE_NAMES.demandRollup),
        ],
      }),
    ];
  }

  /** AWS's own health metrics: stream lag, function errors, dead letters. */
  private healthWidgets(): GraphWidget[] {
    return [
      new GraphWidget({
        title: 'Iterator age (ms)',
        left: [this.stockMonitor, this.demandRecorder].flatMap((fn) =>
          fn ? [fn.function.metric('IteratorAge', { statistic: 'Maximum' })] : [],
        ),
      }),
      new GraphWidget({
        title: 'Function errors',
        left: this.functions.map((fn) => fn.function.metricErrors()),
      }),
      new GraphWidget({
        title: 'Dead-letter queues',
        left: [this.streamDlq, this.strategyDlq, this.demandDlq, this.demandRollupDlq].flatMap(
          (queue) => (queue ? [queue.metricApproximateNumberOfMessagesVisible()] : []),
        ),
      }),
    ];
  }

  /** Every function of the pipeline. */
  get functions(): PipelineFunction[] {
    return [
      this.stockMonitor,
      this.strategyExecutor,
      this.demandRecorder,
      this.digestSender,
      this.demandRollup,
    ].filter((fn): fn is PipelineFunction => fn !== undefined);
  }

  /** Each cdk-nag finding this stack accepts, with the reason. */
  private acknowledgeFindings(): void {
    for (const fn of this.functions) {
      const role = fn.function.role;
      if (!role) continue;
      Validations.of(role).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason: 'The AWS managed basic execution role only allows writing to CloudWatch Logs.',
      });
      Validations.of(role).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'Active tracing: xray:PutTraceSegments and xray:PutTelemetryRecords support no resource-level permissions.',
      });
    }
    for (const fn of [this.stockMonitor, this.demandRecorder]) {
      const role = fn?.function.role;
      for (const action of ['kms:GenerateDataKey*', 'kms:ReEncrypt*']) {
        if (!role) break;
        Validations.of(role).acknowledge({
          id: `AwsSolutions-IAM5[Action::${action}]`,
          reason:
            'Granted by SqsDlq for the on-failure destination: sending to the KMS-encrypted stream DLQ, on its key only.',
        });
      }
    }
    Validations.of(this).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        'The runtime is pinned to nodejs22.x on purpose: tests and the sandbox run on the same major.',
    });
  }
}
