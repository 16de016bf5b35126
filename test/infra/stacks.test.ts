import { App, Stack, Validations } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  digestsEnabled,
  ENVIRONMENTS,
  loadEnvironment,
  localesInUse,
} from '../../infra/config/environments.js';
import { STRATEGY_EXECUTOR_PATTERN } from '../../shared/contracts/events.js';
import { WEBHOOK_DELIVERY_POLICY } from '../../shared/contracts/subscriptions.js';
import { grantsByFunction, synth } from '../support/stack-grants.js';

describe.each(Object.keys(ENVIRONMENTS))('the %s environment', (envName) => {
  let stateful: Template;
  let pipeline: Template;
  const config = loadEnvironment(envName);
  // Where crossings are kept for digests, a fifth function closes their windows (dev).
  const digests = digestsEnabled(config);
  beforeAll(() => {
    ({ stateful, pipeline } = synth(envName));
  });

  it('creates the inventory table keyed by sku and location with a NEW_AND_OLD_IMAGES stream', () => {
    stateful.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: 'sku', KeyType: 'HASH' },
        { AttributeName: 'location', KeyType: 'RANGE' },
      ],
      StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
    });
  });

  it('encrypts every table with the customer-managed key and keeps PITR as configured', () => {
    const tables = stateful.findResources('AWS::DynamoDB::Table');
    expect(Object.keys(tables)).toHaveLength(3);
    for (const table of Object.values(tables)) {
      expect(table.Properties.SSESpecification).toMatchObject({ SSEEnabled: true, SSEType: 'KMS' });
      expect(table.Properties.PointInTimeRecoverySpecification).toEqual({
        PointInTimeRecoveryEnabled: config.pointInTimeRecovery,
      });
      expect(table.Properties.DeletionProtectionEnabled).toBe(config.deletionProtection);
      const retained = table.DeletionPolicy === 'Retain';
      expect(retained).toBe(config.removalPolicy === 'retain');
    }
    stateful.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    stateful.hasResourceProperties('AWS::DynamoDB::Table', {
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    });
  });

  it('encrypts the topics and denies non-TLS publishing', () => {
    const topics = stateful.findResources('AWS::SNS::Topic');
    for (const topic of Object.values(topics))
      expect(topic.Properties.KmsMasterKeyId).toBeDefined();
    stateful.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      },
    });
  });

  it('subscribes each configured subscriber with its filter policy', () => {
    stateful.resourceCountIs(
      'AWS::SNS::Subscription',
      config.subscribers.length + config.alarms.opsEmails.length,
    );
    for (const subscriber of config.subscribers) {
      stateful.hasResourceProperties('AWS::SNS::Subscription', {
        Protocol: subscriber.protocol,
        Endpoint: subscriber.endpoint,
        FilterPolicy: Match.objectLike({
          locale: [subscriber.locale],
          delivery: [subscriber.protocol === 'https' ? 'webhook' : subscriber.protocol],
        }),
      });
    }
  });

  const webhook = config.subscribers.find((s) => s.protocol === 'https');
  it.runIf(webhook)('subscribes a webhook with raw delivery and a retry policy', () => {
    stateful.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'https',
      Endpoint: webhook?.endpoint,
      RawMessageDelivery: true,
      DeliveryPolicy: {
        healthyRetryPolicy: Match.objectLike({
          numRetries: WEBHOOK_DELIVERY_POLICY.healthyRetryPolicy.numRetries,
          // CDK writes the enum's name; SNS reads it without regard to case.
          backoffFunction: WEBHOOK_DELIVERY_POLICY.healthyRetryPolicy.backoffFunction.toUpperCase(),
        }),
        throttlePolicy: WEBHOOK_DELIVERY_POLICY.throttlePolicy,
      },
    });
  });

  it('has the stock-monitor publish in every locale in use, with the currency', () => {
    const locales = localesInUse(config.subscribers, config.alertLocales).join(',');
    if (envName === 'prod') expect(locales).toBe('en,zh-CN');
    pipeline.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          ALERT_LOCALES: locales,
          CURRENCY_CODE: config.currency.code,
        }),
      },
    });
  });

  it('archives the inventory bus', () => {
    stateful.resourceCountIs('AWS::Events::EventBus', 1);
    stateful.hasResourceProperties('AWS::Events::Archive', {
      EventPattern: { source: ['inventory.alerts'] },
      RetentionDays: config.archiveRetentionDays,
    });
  });

  it('maps the stream to the stock-monitor with partial failures, bisect, finite retries and a DLQ', () => {
    const { streamConsumer } = config;
    pipeline.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: streamConsumer.batchSize,
      MaximumBatchingWindowInSeconds: streamConsumer.maxBatchingWindowSeconds,
      MaximumRetryAttempts: streamConsumer.retryAttempts,
      MaximumRecordAgeInSeconds: streamConsumer.maxRecordAgeSeconds,
      ParallelizationFactor: streamConsumer.parallelizationFactor,
      BisectBatchOnFunctionError: true,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      DestinationConfig: { OnFailure: { Destination: Match.anyValue() } },
    });
  });

  it('maps the stream a second time to the demand-recorder: large batches, whole-batch retries, its own DLQ', () => {
    const { demandConsumer } = config;
    const mappings = pipeline.findResources('AWS::Lambda::EventSourceMapping');
    expect(Object.keys(mappings)).toHaveLength(2);
    pipeline.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: demandConsumer.batchSize,
      MaximumBatchingWindowInSeconds: demandConsumer.maxBatchingWindowSeconds,
      MaximumRetryAttempts: demandConsumer.retryAttempts,
      MaximumRecordAgeInSeconds: demandConsumer.maxRecordAgeSeconds,
      FunctionResponseTypes: Match.absent(),
      BisectBatchOnFunctionError: Match.absent(),
      DestinationConfig: { OnFailure: { Destination: Match.anyValue() } },
    });
  });

  it('gives the functions that cache rules and thresholds the configured cache bound', () => {
    const variables = Object.values(pipeline.findResources('AWS::Lambda::Function')).map(
      (f) => f.Properties.Environment.Variables,
    );
    const bounds = Object.fromEntries(
      variables.map((v) => [v.POWERTOOLS_SERVICE_NAME, v.CACHE_MAX_ENTRIES]),
    );
    expect(bounds).toEqual({
      'stock-monitor': String(config.cacheMaxEntries),
      'strategy-executor': String(config.cacheMaxEntries),
      ...(config.demandConsumer.enabled
        ? { 'demand-recorder': undefined, 'demand-rollup': undefined }
        : {}),
    });
  });

  it('gives the control-table writers the configured index shards, and the executor the open-order age', () => {
    const variables = Object.values(pipeline.findResources('AWS::Lambda::Function')).map(
      (f) => f.Properties.Environment.Variables,
    );
    const settings = Object.fromEntries(
      variables.map((v) => [
        v.POWERTOOLS_SERVICE_NAME,
        [v.CONTROL_INDEX_SHARDS, v.OPEN_ORDER_MAX_AGE_DAYS],
      ]),
    );
    expect(settings).toEqual({
      'stock-monitor': [String(config.indexShards), undefined],
      'strategy-executor': [String(config.indexShards), String(config.openOrderMaxAgeDays)],
      ...(config.demandConsumer.enabled
        ? {
            'demand-recorder': [undefined, undefined],
            'demand-rollup': [undefined, undefined],
          }
        : {}),
      ...(digests ? { 'digest-sender': [String(config.indexShards), undefined] } : {}),
    });
  });

  it("lets the demand-recorder only put journal entries in the journal's partitions, and the stock-monitor update nothing", () => {
    const statements = (service: string) => {
      const fn = Object.entries(pipeline.findResources('AWS::Lambda::Function')).find(
        ([, f]) => f.Properties.Environment.Variables.POWERTOOLS_SERVICE_NAME === service,
      );
      const role = fn?.[1].Properties.Role['Fn::GetAtt'][0];
      return Object.values(pipeline.findResources('AWS::IAM::Policy'))
        .filter((p) => p.Properties.Roles.some((r: { Ref: string }) => r.Ref === role))
        .flatMap((p) => p.Properties.PolicyDocument.Statement)
        .flatMap((st: { Action: string | string[] }) => [st.Action].flat());
    };
    // Reading the stream is granted by the event source mapping.
    const streamReads = new Set([
      'dynamodb:DescribeStream',
      'dynamodb:GetRecords',
      'dynamodb:GetShardIterator',
      'dynamodb:ListStreams',
    ]);
    const recorder = statements('demand-recorder');
    expect(recorder.filter((a) => a.startsWith('dynamodb:') && !streamReads.has(a))).toEqual([
      'dynamodb:PutItem',
    ]);
    pipeline.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: 'dynamodb:PutItem',
            Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['DEMANDLOG#*'] } },
          }),
        ]),
      },
    });
    expect(recorder.some((a) => a.startsWith('sns:') || a.startsWith('events:'))).toBe(false);
    expect(statements('stock-monitor')).not.toContain('dynamodb:UpdateItem');
  });

  it('grants each function exactly these actions on each resource, and nothing else', () => {
    // A new grant, or a dropped one, shows here as a diff. "*" holds only actions that take no
    // resource (see below); the stream, DLQ and key grants beside the tables come from the
    // event source mappings and dead-letter settings.
    const kmsOfStreamReader = [
      'kms:Decrypt',
      'kms:DescribeKey',
      'kms:Encrypt',
      'kms:GenerateDataKey',
      'kms:GenerateDataKey*',
      'kms:ReEncrypt*',
    ];
    const streamReads = [
      'dynamodb:DescribeStream',
      'dynamodb:GetRecords',
      'dynamodb:GetShardIterator',
    ];
    const deadLettering = ['sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage'];
    const tracing = ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'];
    expect(grantsByFunction(pipeline)).toEqual({
      'stock-monitor': {
        '*': ['dynamodb:ListStreams', ...tracing],
        ControlTable: ['dynamodb:BatchGetItem', 'dynamodb:PutItem', 'dynamodb:Query'],
        AlertsTopic: ['sns:Publish'],
        InventoryBus: ['events:PutEvents'],
        DataKey: kmsOfStreamReader,
        'InventoryTable.StreamArn': streamReads,
        StreamDeadLetterQueue: deadLettering,
      },
      'demand-recorder': {
        '*': ['dynamodb:ListStreams', ...tracing],
        ControlTable: ['dynamodb:PutItem'],
        DataKey: kmsOfStreamReader,
        'InventoryTable.StreamArn': streamReads,
        DemandDeadLetterQueue: deadLettering,
      },
      'demand-rollup': {
        '*': tracing,
        // Reads the journal and the stored days, writes the days that differ and the marker.
        ControlTable: [
          'dynamodb:BatchGetItem',
          'dynamodb:BatchWriteItem',
          'dynamodb:Query',
          'dynamodb:UpdateItem',
        ],
        DataKey: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'],
        DemandRollupDeadLetterQueue: ['sqs:SendMessage'],
      },
      'strategy-executor': {
        '*': tracing,
        // Reads an item and changes it by Update in a transaction: no PutItem (issue 14 §8).
        InventoryTable: ['dynamodb:ConditionCheckItem', 'dynamodb:GetItem', 'dynamodb:UpdateItem'],
        ControlTable: [
          'dynamodb:BatchGetItem',
          'dynamodb:ConditionCheckItem',
          'dynamodb:GetItem',
          'dynamodb:PutItem',
          'dynamodb:Query',
          'dynamodb:UpdateItem',
        ],
        IdempotencyTable: [
          'dynamodb:ConditionCheckItem',
          'dynamodb:DeleteItem',
          'dynamodb:GetItem',
          'dynamodb:PutItem',
          'dynamodb:UpdateItem',
        ],
        InventoryBus: ['events:PutEvents'],
        DataKey: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'],
        StrategyDeadLetterQueue: ['sqs:SendMessage'],
      },
      ...(digests ? { 'digest-sender': expect.any(Object) } : {}),
    });
  });

  it('runs every function on Node.js 22, arm64, traced, with their own log groups and Powertools settings', () => {
    const functions = pipeline.findResources('AWS::Lambda::Function');
    expect(Object.keys(functions)).toHaveLength(digests ? 5 : 4);
    for (const fn of Object.values(functions)) {
      expect(fn.Properties).toMatchObject({
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        TracingConfig: { Mode: 'Active' },
        LoggingConfig: { LogGroup: expect.anything() },
      });
      expect(Object.keys(fn.Properties.Environment.Variables)).toEqual(
        expect.arrayContaining([
          'POWERTOOLS_SERVICE_NAME',
          'POWERTOOLS_LOG_LEVEL',
          'POWERTOOLS_METRICS_NAMESPACE',
        ]),
      );
    }
    pipeline.resourceCountIs('AWS::Logs::LogGroup', digests ? 5 : 4);
    pipeline.allResourcesProperties('AWS::Logs::LogGroup', {
      RetentionInDays: config.logRetentionDays,
    });
  });

  it('routes level changes to the strategy-executor with the shared pattern, a retry policy and a DLQ', () => {
    pipeline.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: STRATEGY_EXECUTOR_PATTERN,
      Targets: [
        Match.objectLike({
          RetryPolicy: {
            MaximumRetryAttempts: config.strategyTarget.retryAttempts,
            MaximumEventAgeInSeconds: config.strategyTarget.maxEventAgeSeconds,
          },
          DeadLetterConfig: { Arn: Match.anyValue() },
        }),
      ],
    });
  });

  it('sends strategy-executor invocations that keep failing to the strategy DLQ', () => {
    pipeline.hasResourceProperties('AWS::Lambda::EventInvokeConfig', { MaximumRetryAttempts: 2 });
    pipeline.hasResourceProperties('AWS::Lambda::Function', {
      DeadLetterConfig: { TargetArn: Match.anyValue() },
      Environment: {
        Variables: Match.objectLike({ POWERTOOLS_SERVICE_NAME: 'strategy-executor' }),
      },
    });
  });

  it("tells the strategy-executor the currency's decimals, to reprice in its minor units", () => {
    pipeline.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          POWERTOOLS_SERVICE_NAME: 'strategy-executor',
          CURRENCY_DECIMALS: String(config.currency.decimals),
        }),
      },
    });
  });

  it('encrypts every dead-letter queue and denies non-TLS access', () => {
    const queues = pipeline.findResources('AWS::SQS::Queue');
    expect(Object.keys(queues)).toHaveLength(4);
    for (const queue of Object.values(queues))
      expect(queue.Properties.KmsMasterKeyId).toBeDefined();
    pipeline.resourceCountIs('AWS::SQS::QueuePolicy', 4);
  });

  it('alarms on every DLQ, iterator age, errors, throttles and failed deliveries, to the ops topic', () => {
    // 4 DLQs, 2 iterator ages, errors and throttles of 4 functions (5 with the digest-sender),
    // failed deliveries, and demand journal spans that overlap.
    pipeline.resourceCountIs('AWS::CloudWatch::Alarm', digests ? 18 : 16);
    pipeline.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'DemandSpanOverlaps',
      Threshold: 1,
    });
    pipeline.allResourcesProperties('AWS::CloudWatch::Alarm', { AlarmActions: [Match.anyValue()] });
    pipeline.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'IteratorAge',
      Threshold: config.alarms.iteratorAgeMs,
    });
    pipeline.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'IteratorAge',
      Threshold:
        config.alarms.iteratorAgeMs + config.demandConsumer.maxBatchingWindowSeconds * 1000,
    });
    pipeline.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
  });

  it('rolls the demand journal up every night at 00:30 UTC, retried, its failures kept in a DLQ', () => {
    pipeline.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'cron(30 0 * * ? *)',
      Targets: [
        Match.objectLike({
          RetryPolicy: { MaximumRetryAttempts: 4, MaximumEventAgeInSeconds: 21_600 },
          DeadLetterConfig: { Arn: Match.anyValue() },
        }),
      ],
    });
    pipeline.hasResourceProperties('AWS::Lambda::Function', {
      MemorySize: config.memoryMb.demandRollup,
      Timeout: 900,
      DeadLetterConfig: { TargetArn: Match.anyValue() },
      Environment: {
        Variables: Match.objectLike({ POWERTOOLS_SERVICE_NAME: 'demand-rollup' }),
      },
    });
  });

  it('grants no wildcard action, and "*" resources only where AWS offers no resource-level permission', () => {
    // X-Ray segments, dynamodb:ListStreams (the event source mapping's) and the digest-sender's
    // sns:GetSubscriptionAttributes (SNS's IAM resources are topics, not subscriptions) take "*".
    const resourceless = new Set([
      'xray:PutTraceSegments',
      'xray:PutTelemetryRecords',
      'dynamodb:ListStreams',
      'sns:GetSubscriptionAttributes',
    ]);
    const policies = pipeline.findResources('AWS::IAM::Policy');
    for (const policy of Object.values(policies)) {
      for (const statement of policy.Properties.PolicyDocument.Statement) {
        const actions: string[] = [statement.Action].flat();
        expect(actions.filter((a) => a === '*' || a.endsWith(':*'))).toEqual([]);
        if (statement.Resource === '*') {
          expect(actions.filter((a) => !resourceless.has(a))).toEqual([]);
        }
      }
    }
  });
});

describe('production', () => {
  it('retains data and protects tables from deletion', () => {
    const { stateful, pipeline } = synth('prod');
    for (const table of Object.values(stateful.findResources('AWS::DynamoDB::Table'))) {
      expect(table.DeletionPolicy).toBe('Retain');
      expect(table.Properties.DeletionProtectionEnabled).toBe(true);
      expect(table.Properties.PointInTimeRecoverySpecification).toEqual({
        PointInTimeRecoveryEnabled: true,
      });
    }
    for (const key of Object.values(stateful.findResources('AWS::KMS::Key')))
      expect(key.DeletionPolicy).toBe('Retain');
    for (const queue of Object.values(pipeline.findResources('AWS::SQS::Queue')))
      expect(queue.DeletionPolicy).toBe('Retain');
  });

  it('sends SMS only for out-of-stock triggers', () => {
    const { stateful } = synth('prod');
    stateful.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'sms',
      FilterPolicy: { locale: ['en'], delivery: ['sms'], alert: ['OUT_OF_STOCK:TRIGGERED'] },
    });
  });
});

describe('attaching to an existing inventory table', () => {
  it('imports the table and maps its stream instead of creating one', () => {
    const streamArn =
      'arn:aws:dynamodb:eu-west-1:123456789012:table/shop-inventory/stream/2026-01-01T00:00:00.000';
    const config = {
      ...loadEnvironment('dev'),
      inventoryTable: { mode: 'import' as const, tableName: 'shop-inventory', streamArn },
    };
    const { stateful, pipeline } = synth('dev', config);
    expect(Object.keys(stateful.findResources('AWS::DynamoDB::Table'))).toHaveLength(2);
    pipeline.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: streamArn,
    });
  });
});

describe('turning demand recording off', () => {
  it('leaves the stream with one reader: no demand-recorder, mapping or DLQ', () => {
    const base = loadEnvironment('dev');
    const { pipeline } = synth('dev', {
      ...base,
      digests: false,
      demandConsumer: { ...base.demandConsumer, enabled: false },
    });
    pipeline.resourceCountIs('AWS::Lambda::Function', 2);
    pipeline.resourceCountIs('AWS::Lambda::EventSourceMapping', 1);
    pipeline.resourceCountIs('AWS::SQS::Queue', 2);
    pipeline.resourceCountIs('AWS::CloudWatch::Alarm', 8);
  });
});

describe('a currency without minor units', () => {
  it('passes its 0 decimals to the strategy-executor', () => {
    const base = loadEnvironment('dev');
    const { pipeline } = synth('dev', { ...base, currency: { code: 'JPY', decimals: 0 } });
    pipeline.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          POWERTOOLS_SERVICE_NAME: 'strategy-executor',
          CURRENCY_DECIMALS: '0',
        }),
      },
    });
  });
});

/** An environment with an SMS subscriber on 15-minute digests. */
const withDigests = () =>
  loadEnvironment('shop', {
    shop: {
      ...ENVIRONMENTS.dev,
      subscribers: [{ protocol: 'sms', endpoint: '+15555550100', digest: { window: '15m' } }],
    },
  });

describe('digests (issue #18)', () => {
  const { app, pipeline } = synth('shop', withDigests());

  it('buffers crossings in the stock-monitor and closes windows with a scheduled digest-sender of exact grants', () => {
    pipeline.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          POWERTOOLS_SERVICE_NAME: 'stock-monitor',
          DIGEST_BUFFER: 'on',
        }),
      },
    });
    pipeline.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'cron(2/15 * * * ? *)',
      Targets: [
        Match.objectLike({
          RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 780 },
        }),
      ],
    });
    const grants = grantsByFunction(pipeline)['digest-sender'];
    expect(grants).toMatchObject({
      '*': ['sns:GetSubscriptionAttributes', 'xray:PutTelemetryRecords', 'xray:PutTraceSegments'],
      AlertsTopic: ['sns:ListSubscriptionsByTopic', 'sns:Publish'],
      ControlTable: ['dynamodb:BatchGetItem', 'dynamodb:PutItem'],
      IdempotencyTable: [
        'dynamodb:DeleteItem',
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:UpdateItem',
      ],
      DataKey: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'],
    });
    // The buffer is read by the control table's index only.
    const indexGrant = Object.entries(grants ?? {}).filter(([resource]) =>
      resource.includes('/index/byKind'),
    );
    expect(indexGrant.map(([, actions]) => actions)).toEqual([['dynamodb:Query']]);
    expect(Object.keys(grants ?? {})).toHaveLength(6);
    // Its table grant reaches the windows' marks only, not rules, states or orders.
    pipeline.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: ['dynamodb:BatchGetItem', 'dynamodb:PutItem'],
            Condition: {
              'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['DIGESTWINDOW'] },
            },
          }),
        ]),
      },
    });
  });

  it('passes cdk-nag', () => {
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).not.toThrow();
  });
});

describe('cdk-nag AwsSolutions', () => {
  it.each(Object.keys(ENVIRONMENTS))('%s synthesises with no unacknowledged finding', (envName) => {
    const { app } = synth(envName);
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).not.toThrow();
  });

  it('does catch a finding (the check is live)', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    new Queue(new Stack(app, 'Careless'), 'Plain');
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).toThrow(/AwsSolutions-SQS/);
  });
});
