import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { DynamoDBDocumentClient, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { Context, DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import type { ExecutorResult } from '../functions/strategy-executor/handler.js';
import {
  type EnvironmentConfig,
  loadEnvironment,
  type Subscriber,
} from '../infra/config/environments.js';
import { RulesRepository } from '../shared/adapters/rules-repository.js';
import { EnvName } from '../shared/contracts/env.js';
import {
  DetailType,
  STRATEGY_EXECUTOR_PATTERN,
  type StrategyAppliedDetail,
} from '../shared/contracts/events.js';
import { filterPolicyOf, matchesFilterPolicy } from '../shared/contracts/subscriptions.js';
import type { RuleInput } from '../shared/domain/rules.js';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from './dynamodb-local.js';
import { FaultyRequestHandler, type RequestHandlerLike } from './faults.js';
import {
  type BusDeadLetter,
  type BusDisorder,
  type BusRecord,
  LocalBus,
  SANDBOX_BUS_DISORDER,
} from './local-bus.js';
import {
  type FaultInjector,
  LocalRequestHandler,
  type WirePublishEntry,
} from './local-transport.js';
import {
  type StreamBatching,
  type StreamDeadLetter,
  StreamPoller,
  type StreamPollerOptions,
} from './stream-poller.js';
import { readSandboxSubscriptions } from './subscriptions-file.js';
import { createTables, type SandboxTables } from './tables.js';

/** One alert as the topic delivered it, and to whom. */
export interface OutboxEntry {
  readonly id: string;
  readonly subject: string | undefined;
  readonly email: string;
  readonly sms: string;
  readonly attributes: Record<string, string | string[]>;
  readonly deliveredTo: { protocol: 'email' | 'sms'; endpoint: string }[];
}

/** Where a dead letter comes from: the stock-monitor's mapping, the bus, the demand-recorder's. */
export type DeadLetterSource = 'stream' | 'bus' | 'demand';

export interface SandboxOptions {
  readonly endpoint: string;
  /** Table name prefix, so several sandboxes can share one DynamoDB Local. */
  readonly prefix?: string;
  readonly config?: EnvironmentConfig;
  /** Where resources.json, outbox.jsonl, events.jsonl and dlq.jsonl go; none when absent. */
  readonly outDir?: string | undefined;
  readonly rulesCacheTtlSeconds?: number;
  readonly pollIntervalMs?: number;
  readonly faults?: FaultInjector;
  /** Share of the handlers' AWS calls (DynamoDB, SNS, EventBridge) that fail, for drills. */
  readonly callFaultRate?: number;
  /** Strategy-executor environments working in parallel, as Lambda scales out (default 1). */
  readonly executorConcurrency?: number;
  /** Keep subscriptions added with the CLI in an earlier run (`--data` keeps them). */
  readonly keepSubscriptions?: boolean;
  /** Deliver every stream batch this many times, as an at-least-once stream may. */
  readonly streamDeliveries?: number;
  /** How the stock-monitor's reader cuts the stream into batches (default: as the mapping does). */
  readonly streamBatching?: StreamBatching;
  /**
   * Wraps every stock-monitor invocation, e.g. to see which records each batch held, or to hold
   * batches back while a drill edits rules (default: none).
   */
  readonly aroundStockMonitor?: (
    event: DynamoDBStreamEvent,
    invoke: () => Promise<DynamoDBBatchResponse | undefined>,
  ) => Promise<DynamoDBBatchResponse | undefined>;
  /** Delays and late redeliveries on the bus (default {@link SANDBOX_BUS_DISORDER}). */
  readonly busDisorder?: BusDisorder;
  /** Called for every alert, event and effect, for the console. */
  readonly onActivity?: (activity: Activity) => void;
}

export type Activity =
  | { readonly kind: 'alert'; readonly entry: OutboxEntry }
  | { readonly kind: 'event'; readonly record: BusRecord }
  | { readonly kind: 'effect'; readonly applied: StrategyAppliedDetail }
  | {
      readonly kind: 'dead-letter';
      readonly source: DeadLetterSource;
      readonly reason: string;
      readonly what: string;
    };

/** Demo subscribers for environments that configure none (dev): e-mail for all, SMS for out of stock. */
export const DEMO_SUBSCRIBERS: Subscriber[] = [
  { protocol: 'email', endpoint: 'inventory-team@example.com', filter: { resolved: true } },
  {
    protocol: 'sms',
    endpoint: '+15555550123',
    filter: { levels: ['OUT_OF_STOCK'], resolved: false },
  },
];

/**
 * What Lambda sends an event source mapping's on-failure destination for a DynamoDB stream:
 * the invocation's context and the batch's shard and sequence range, never the records.
 */
export const onFailureRecord = (
  letter: StreamDeadLetter,
  streamArn: string,
  functionName: string,
) => {
  const sequence = letter.record.dynamodb?.SequenceNumber;
  const arrival = letter.record.dynamodb?.ApproximateCreationDateTime;
  const arrivedAt = arrival !== undefined ? new Date(arrival * 1000).toISOString() : undefined;
  return {
    requestContext: {
      requestId: `local-${Date.now()}`,
      functionArn: `arn:aws:lambda:${LOCAL_REGION}:000000000000:function:${functionName}`,
      condition: letter.condition,
      approximateInvokeCount: letter.attempts,
    },
    responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
    version: '1.0',
    timestamp: new Date().toISOString(),
    DDBStreamBatchInfo: {
      shardId: letter.shardId,
      startSequenceNumber: sequence,
      endSequenceNumber: sequence,
      approximateArrivalOfFirstRecord: arrivedAt,
      approximateArrivalOfLastRecord: arrivedAt,
      batchSize: 1,
      streamArn,
    },
  };
};

const lambdaContext = (functionName: string): Context =>
  ({
    functionName,
    functionVersion: '$LATEST',
    awsRequestId: `local-${Date.now()}`,
    invokedFunctionArn: `arn:aws:lambda:${LOCAL_REGION}:000000000000:function:${functionName}`,
    memoryLimitInMB: '512',
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    callbackWaitsForEmptyEventLoop: false,
    // Also bounds how long Powertools idempotency holds an interrupted invocation in progress.
    getRemainingTimeInMillis: () => 10_000,
    done: () => {},
    fail: () => {},
    succeed: () => {},
  }) as Context;

/**
 * The whole pipeline on one machine: DynamoDB Local tables from the stack's definitions, the
 * real stream read by a poller with the event source mapping's semantics, the real handlers,
 * SNS and EventBridge through the production clients on a local transport, and a local bus
 * routing with the deployed rule pattern.
 */
export class Sandbox {
  readonly outbox: OutboxEntry[] = [];
  readonly events: BusRecord[] = [];
  readonly effects: StrategyAppliedDetail[] = [];
  readonly deadLetters: { source: DeadLetterSource; reason: string; item: unknown }[] = [];
  writes = 0;
  /** The fault injectors of the handlers' clients, when `callFaultRate` is set. */
  faultHandlers: FaultyRequestHandler[] = [];

  private constructor(
    readonly tables: SandboxTables,
    readonly doc: DynamoDBDocumentClient,
    readonly rules: RulesRepository,
    private readonly poller: StreamPoller,
    /** The demand-recorder's reader of the same stream, unless the environment turns it off. */
    private readonly demandPoller: StreamPoller | undefined,
    private readonly bus: LocalBus,
    private readonly clients: { dynamodb: DynamoDBClient; streams: DynamoDBStreamsClient },
  ) {}

  static async create(options: SandboxOptions): Promise<Sandbox> {
    const config = options.config ?? loadEnvironment('dev');
    const local = {
      endpoint: options.endpoint,
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
    };
    const dynamodb = new DynamoDBClient(local);
    const streams = new DynamoDBStreamsClient(local);
    const doc = DynamoDBDocumentClient.from(dynamodb, {
      marshallOptions: { removeUndefinedValues: true },
    });
    const tables = await createTables(dynamodb, options.prefix ?? '');
    const out = options.outDir;
    if (out) {
      mkdirSync(out, { recursive: true });
      for (const file of ['outbox.jsonl', 'events.jsonl', 'dlq.jsonl'])
        writeFileSync(join(out, file), '');
      writeFileSync(
        join(out, 'resources.json'),
        `${JSON.stringify({ endpoint: options.endpoint, region: LOCAL_REGION, environment: config.name, tables, topic: 'local-alerts', bus: 'local-inventory' }, null, 2)}\n`,
      );
    }
    const record = (file: string, value: unknown) => {
      if (out) appendFileSync(join(out, file), `${JSON.stringify(value)}\n`);
    };

    // The handlers read their configuration from the environment, as in Lambda, by the names
    // the stack sets them under.
    Object.assign(process.env, {
      [EnvName.inventoryTable]: tables.inventory,
      [EnvName.controlTable]: tables.control,
      [EnvName.idempotencyTable]: tables.idempotency,
      [EnvName.alertsTopicArn]: `arn:aws:sns:${LOCAL_REGION}:000000000000:local-alerts`,
      [EnvName.eventBusName]: 'local-inventory',
      [EnvName.rulesCacheTtlSeconds]: String(
        options.rulesCacheTtlSeconds ?? config.rulesCacheTtlSeconds,
      ),
      [EnvName.cacheMaxEntries]: String(config.cacheMaxEntries),
      [EnvName.currencyDecimals]: String(config.currency.decimals),
      [EnvName.indexShards]: String(config.indexShards),
      [EnvName.openOrderMaxAgeDays]: String(config.openOrderMaxAgeDays),
    });
    process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
    process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
    process.env.POWERTOOLS_TRACE_ENABLED ??= 'false';
    process.env.AWS_REGION ??= LOCAL_REGION;

    const subscribers = config.subscribers.length > 0 ? config.subscribers : DEMO_SUBSCRIBERS;
    const subscriptions = subscribers.map((s) => ({
      ...s,
      policy: filterPolicyOf(s.protocol, s.filter),
    }));
    let sandbox: Sandbox | undefined;
    let faultHandlers: FaultyRequestHandler[] = [];
    const onActivity = options.onActivity ?? (() => {});

    const publish = (_topic: string, entries: WirePublishEntry[]) => {
      for (const entry of entries) {
        const bodies = JSON.parse(entry.message) as {
          default: string;
          email?: string;
          sms?: string;
        };
        const attributes = Object.fromEntries(
          Object.entries(entry.attributes).map(([name, a]) => [
            name,
            a.dataType === 'String.Array' ? (JSON.parse(a.value) as string[]) : a.value,
          ]),
        );
        const outboxEntry: OutboxEntry = {
          id: entry.id,
          subject: entry.subject,
          email: bodies.email ?? bodies.default,
          sms: bodies.sms ?? bodies.default,
          attributes,
          deliveredTo: [
            ...subscriptions.map((s) => ({
              protocol: s.protocol,
              endpoint: s.endpoint,
              filterPolicy: s.policy,
            })),
            ...(out ? readSandboxSubscriptions(join(out, 'subscriptions.json')) : []),
          ]
            .filter((s) => matchesFilterPolicy(s.filterPolicy, attributes))
            .map((s) => ({ protocol: s.protocol, endpoint: s.endpoint })),
        };
        sandbox?.outbox.push(outboxEntry);
        record('outbox.jsonl', outboxEntry);
        onActivity({ kind: 'alert', entry: outboxEntry });
      }
    };

    /** Records what a DLQ would hold: in memory, in dlq.jsonl, and on the console. */
    const deadLetter = (
      source: DeadLetterSource,
      reason: string,
      item: unknown,
      extra: Record<string, unknown>,
      what: string,
    ) => {
      sandbox?.deadLetters.push({ source, reason, item });
      record('dlq.jsonl', { source, reason, ...extra, item });
      onActivity({ kind: 'dead-letter', source, reason, what });
    };

    const transport = new LocalRequestHandler({
      publish,
      putEvents: (entries) => bus.put(entries),
      ...(options.faults ? { faults: options.faults } : {}),
    });
    const faulty = (handler: RequestHandlerLike) =>
      options.callFaultRate ? new FaultyRequestHandler(handler, options.callFaultRate) : handler;
    const dynamoTransport = faulty(new NodeHttpHandler());
    const busTransport = faulty(transport);
    faultHandlers = [dynamoTransport, busTransport].filter(
      (h): h is FaultyRequestHandler => h instanceof FaultyRequestHandler,
    );
    const overrides = {
      dynamodb: { ...local, requestHandler: dynamoTransport as never },
      sns: {
        region: LOCAL_REGION,
        credentials: LOCAL_CREDENTIALS,
        requestHandler: busTransport as never,
      },
      eventBridge: {
        region: LOCAL_REGION,
        credentials: LOCAL_CREDENTIALS,
        requestHandler: busTransport as never,
      },
    };
    const monitorModule = await import('../functions/stock-monitor/handler.js');
    const executorModule = await import('../functions/strategy-executor/handler.js');
    const recorderModule = await import('../functions/demand-recorder/handler.js');
    const stockMonitor = monitorModule.createHandler(overrides);
    const demandRecorder = recorderModule.createHandler(overrides);
    const executors = Array.from({ length: options.executorConcurrency ?? 1 }, () =>
      executorModule.createHandler(overrides),
    );

    const bus: LocalBus = new LocalBus(
      [
        {
          name: 'StrategyRule',
          pattern: STRATEGY_EXECUTOR_PATTERN as unknown as Record<string, unknown>,
          target: (event, lane) => {
            const executor = executors[lane] ?? executors[0];
            if (!executor) throw new Error('no strategy-executor environment');
            return executor(event, lambdaContext('strategy-executor'));
          },
          concurrency: executors.length,
          // The target's retry policy, plus Lambda's two retries of an asynchronous invocation.
          retryAttempts: config.strategyTarget.retryAttempts + 2,
        },
      ],
      {
        onEvent: (busRecord) => {
          sandbox?.events.push(busRecord);
          record('events.jsonl', busRecord);
          if (busRecord.event['detail-type'] === DetailType.StrategyApplied) {
            const applied = busRecord.event.detail as unknown as StrategyAppliedDetail;
            sandbox?.effects.push(applied);
            onActivity({ kind: 'effect', applied });
          } else {
            onActivity({ kind: 'event', record: busRecord });
          }
        },
        onDeadLetter: (letter: BusDeadLetter) =>
          deadLetter(
            'bus',
            letter.reason,
            letter.event,
            { rule: letter.rule, attempts: letter.attempts },
            `${letter.event['detail-type']} ${JSON.stringify(letter.event.detail).slice(0, 80)}`,
          ),
        onResult: (_rule, result) => {
          const outcome = result as ExecutorResult | undefined;
          if (outcome?.status === 'invalid-event') {
            sandbox?.deadLetters.push({
              source: 'bus',
              reason: outcome.issues.join('; '),
              item: outcome,
            });
          }
        },
      },
      options.busDisorder ?? SANDBOX_BUS_DISORDER,
    );

    // A reader of the inventory stream with an event source mapping's semantics, as deployed.
    const reader = (
      source: 'stream' | 'demand',
      handler: StreamPollerOptions['handler'],
      consumer: EnvironmentConfig['streamConsumer'],
      batching?: StreamBatching,
    ) =>
      new StreamPoller({
        client: streams,
        streamArn: tables.inventoryStreamArn,
        handler,
        consumer,
        pollIntervalMs: options.pollIntervalMs ?? 250,
        ...(options.streamDeliveries ? { deliveries: options.streamDeliveries } : {}),
        ...(batching ? { batching } : {}),
        // The on-failure destination keeps what Lambda sends it, pointers into a stream that
        // forgets its records after 24 hours; why it failed is in the function's logs only.
        onDeadLetter: (letter: StreamDeadLetter) =>
          deadLetter(
            source,
            letter.condition,
            onFailureRecord(letter, tables.inventoryStreamArn, source),
            {},
            `${source === 'demand' ? 'sales in ' : ''}record ${letter.record.dynamodb?.SequenceNumber} (${letter.reason})`,
          ),
      });
    const invokeMonitor = (event: DynamoDBStreamEvent) =>
      stockMonitor(event, lambdaContext('stock-monitor'));
    const around = options.aroundStockMonitor;
    const poller = reader(
      'stream',
      around ? (event) => around(event, () => invokeMonitor(event)) : invokeMonitor,
      config.streamConsumer,
      options.streamBatching,
    );
    // The demand-recorder reads the same stream on its own mapping; it skips what it cannot read.
    const demandPoller = config.demandConsumer.enabled
      ? reader(
          'demand',
          (event) => demandRecorder(event, lambdaContext('demand-recorder')),
          config.demandConsumer,
        )
      : undefined;
    const rules = new RulesRepository(doc, tables.control, 0);
    sandbox = new Sandbox(tables, doc, rules, poller, demandPoller, bus, { dynamodb, streams });
    sandbox.faultHandlers = faultHandlers;
    poller.start();
    demandPoller?.start();
    return sandbox;
  }

  /** Stores a rule through the same validation the Lambdas use. */
  putRule(rule: RuleInput): Promise<unknown> {
    return this.rules.put(rule, 'sandbox');
  }

  /** The shop's write path: puts a whole item. */
  async putItem(item: Record<string, unknown>): Promise<void> {
    await this.doc.send(new PutCommand({ TableName: this.tables.inventory, Item: item }));
    this.writes++;
  }

  /** The shop's write path: a sale (negative) or receipt (positive) of `delta` units. */
  async adjust(sku: string, location: string, delta: number): Promise<void> {
    await this.doc.send(
      new UpdateCommand({
        TableName: this.tables.inventory,
        Key: { sku, location },
        UpdateExpression: 'ADD quantity :delta',
        ExpressionAttributeValues: { ':delta': delta },
      }),
    );
    this.writes++;
  }

  /** Resolves when the stream is drained and the bus is empty, twice in a row. */
  async settle(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let quiet = 0;
    while (quiet < 3) {
      if (Date.now() > deadline) throw new Error(`sandbox did not settle within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 200));
      quiet =
        this.poller.idle && (this.demandPoller?.idle ?? true) && this.bus.idle ? quiet + 1 : 0;
    }
  }

  /** Bus deliveries that overtook an event put earlier, and deliveries made a second time. */
  get busOrdering(): { reordered: number; redelivered: number } {
    return { reordered: this.bus.reordered, redelivered: this.bus.redelivered };
  }

  get streamInvocations(): number {
    return this.poller.invocations;
  }

  /** Invocations of the demand-recorder (0 when the environment turns it off). */
  get demandInvocations(): number {
    return this.demandPoller?.invocations ?? 0;
  }

  async stop(): Promise<void> {
    await Promise.all([this.poller.stop(), this.demandPoller?.stop()]);
    this.clients.dynamodb.destroy();
    this.clients.streams.destroy();
  }
}
