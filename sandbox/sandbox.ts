import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { DynamoDBDocumentClient, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent, EventBridgeEvent } from 'aws-lambda';
import {
  DEMAND_ROLLUP_MINUTES_AFTER_MIDNIGHT,
  DEMAND_ROLLUP_RETRY_ATTEMPTS,
} from '../functions/demand-rollup/rollup.js';
import type { DigestRun } from '../functions/digest-sender/sender.js';
import {
  digestsEnabled,
  type EnvironmentConfig,
  loadEnvironment,
} from '../infra/config/environments.js';
import { rollUpDay } from '../shared/adapters/demand-journal.js';
import { OrderStore } from '../shared/adapters/order-store.js';
import { RulesRepository } from '../shared/adapters/rules-repository.js';
import { EnvName } from '../shared/contracts/env.js';
import type { StrategyAppliedDetail } from '../shared/contracts/events.js';
import {
  DIGEST_SENDER_LAG_MINUTES,
  DIGEST_TICK_MINUTES,
} from '../shared/contracts/subscriptions.js';
import { DAY_MS } from '../shared/domain/days.js';
import type { RuleInput } from '../shared/domain/rules.js';
import { SandboxDigestTopic } from './digest-topic.js';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from './dynamodb-local.js';
import type { FaultyRequestHandler } from './faults.js';
import { inventoryBus } from './inventory-bus.js';
import type { BusDisorder, BusRecord, LocalBus } from './local-bus.js';
import {
  exportHandlerEnvironment,
  handlerClients,
  LOCAL_BUS,
  LOCAL_TOPIC,
  type LocalHandlers,
  lambdaContext,
  loadHandlers,
} from './local-handlers.js';
import { type FaultInjector, LocalRequestHandler } from './local-transport.js';
import {
  configuredSubscriptions,
  type OutboxEntry,
  sandboxSubscriptions,
  topicOutbox,
} from './outbox.js';
import { type Activity, type DeadLetter, RunRecord } from './run-record.js';
import type { StreamBatching } from './stream-poller.js';
import { type StreamReaders, streamReaders } from './stream-readers.js';
import { createTables, type SandboxTables } from './tables.js';

export { DEMO_SUBSCRIBERS, type OutboxEntry } from './outbox.js';
export type { Activity, DeadLetterSource } from './run-record.js';
export { onFailureRecord } from './stream-readers.js';

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
  /**
   * The stock-monitor's clock, which stamps the digest buffer's entries (default: the wall
   * clock): a drill pins its crossings into one digest window with it, whatever tick falls
   * while it runs.
   */
  readonly monitorClock?: () => Date;
  /** Delays and late redeliveries on the bus (default: local-bus.ts's SANDBOX_BUS_DISORDER). */
  readonly busDisorder?: BusDisorder;
  /** Run the digest schedule on a timer, as the stack's rule does (default: off; tests close windows with `closeDigestWindows`). */
  readonly digestSchedule?: boolean;
  /** Run the nightly demand roll-up on a timer, as the stack's rule does (default: off; tests call `rollUpDemand`). */
  readonly demandRollupSchedule?: boolean;
  /** Called for every alert, event, effect and dead letter, for the console. */
  readonly onActivity?: (activity: Activity) => void;
}

/**
 * The whole pipeline on one machine: DynamoDB Local tables from the stack's definitions, the
 * real stream read by a poller with the event source mapping's semantics, the real handlers,
 * SNS and EventBridge through the production clients on a local transport, and a local bus
 * routing with the deployed rule pattern.
 */
export class Sandbox {
  writes = 0;

  private constructor(
    readonly tables: SandboxTables,
    readonly doc: DynamoDBDocumentClient,
    readonly rules: RulesRepository,
    /** The fault injectors of the handlers' clients, when `callFaultRate` is set. */
    readonly faultHandlers: FaultyRequestHandler[],
    private readonly run: RunRecord,
    private readonly bus: LocalBus,
    private readonly readers: StreamReaders,
    private readonly clients: { dynamodb: DynamoDBClient; streams: DynamoDBStreamsClient },
    /** The environment configuration the handlers run with. */
    readonly config: EnvironmentConfig,
    private readonly digestSender: LocalHandlers['digestSender'],
    private readonly demandRollup: LocalHandlers['demandRollup'],
  ) {}

  private digestTimer: NodeJS.Timeout | undefined;
  private rollupTimer: NodeJS.Timeout | undefined;

  /**
   * Rolls the demand journal up into demand days. Without `day`, as the nightly schedule does
   * now (the final passes the marker is behind by, and yesterday's first look), through the
   * handler; `asScheduled` retries a failed run as Lambda retries the schedule's asynchronous
   * invocation ({@link DEMAND_ROLLUP_RETRY_ATTEMPTS}). With `day`, that day alone, today's
   * included and the marker left alone: a first look for tests and drills that want a day's
   * sales as day totals now (a repair's checks are the CLI's, `thresholds rollup --day`).
   */
  async rollUpDemand(day?: string, options: { asScheduled?: boolean } = {}) {
    // One event for every attempt, as Lambda retries the same event.
    const time = new Date().toISOString();
    const run = () =>
      day === undefined
        ? this.demandRollup({ time }, lambdaContext('demand-rollup'))
        : rollUpDay(this.doc, this.tables.control, day).then((result) => [result]);
    const attempts = options.asScheduled ? 1 + DEMAND_ROLLUP_RETRY_ATTEMPTS : 1;
    for (let attempt = 1; ; attempt++) {
      try {
        return await run();
      } catch (error) {
        if (attempt >= attempts) throw error;
      }
    }
  }

  /** Runs the roll-up every day at the schedule's time after midnight UTC, until {@link stop}. */
  scheduleDemandRollup(): void {
    const offset = DEMAND_ROLLUP_MINUTES_AFTER_MIDNIGHT * 60_000;
    const next = () => DAY_MS - ((Date.now() - offset) % DAY_MS);
    const fire = () => {
      this.rollUpDemand(undefined, { asScheduled: true }).catch((error: Error) =>
        console.error(`demand-rollup failed: ${error.message} (tomorrow's run tries again)`),
      );
      this.rollupTimer = setTimeout(fire, next());
      this.rollupTimer.unref();
    };
    this.rollupTimer = setTimeout(fire, next());
    this.rollupTimer.unref();
  }

  /**
   * Closes the digest windows that end at the last tick at or before `at` (default: now), as
   * the schedule does two minutes after each tick: the "close the window now" hook for tests and
   * the demo (`at` a window ahead closes the window running now). Refused where the environment
   * keeps no crossings for digests: the stack deploys no digest-sender there.
   */
  async closeDigestWindows(at: Date = new Date()): Promise<DigestRun> {
    if (!digestsEnabled(this.config))
      throw new Error(
        `environment ${this.config.name} keeps no crossings for digests, so it has no digest-sender; set digests: true (or give a subscriber a digest) in infra/config/environments.ts`,
      );
    return this.digestSender({ time: at.toISOString() }, lambdaContext('digest-sender'));
  }

  /**
   * Runs the schedule, {@link DIGEST_SENDER_LAG_MINUTES} after every tick, until {@link stop};
   * nothing where the stack has no digest-sender.
   */
  scheduleDigests(): void {
    if (!digestsEnabled(this.config)) return;
    const tick = DIGEST_TICK_MINUTES * 60_000;
    const lag = DIGEST_SENDER_LAG_MINUTES * 60_000;
    const next = () => tick - ((Date.now() - lag) % tick);
    const fire = () => {
      this.closeDigestWindows().catch((error: Error) =>
        console.error(`digest-sender failed: ${error.message} (the next tick tries again)`),
      );
      this.digestTimer = setTimeout(fire, next());
    };
    this.digestTimer = setTimeout(fire, next());
    this.digestTimer.unref();
  }

  /**
   * Creates the tables, starts the run files, sets the handlers' environment, wires the real
   * handlers to the local topic and bus, and starts reading the inventory stream.
   */
  static async create(options: SandboxOptions): Promise<Sandbox> {
    const config = options.config ?? loadEnvironment('dev');
    const clients = localClients(options.endpoint);
    const tables = await createTables(clients.dynamodb, options.prefix ?? '');
    const run = RunRecord.open(
      options.outDir,
      resourcesOf(options.endpoint, config, tables),
      options.onActivity,
    );
    exportHandlerEnvironment(tables, config, options.rulesCacheTtlSeconds);

    const subscriptionsFile = options.outDir && join(options.outDir, 'subscriptions.json');
    const transport = new LocalRequestHandler({
      publish: topicOutbox(config, subscriptionsFile, (entry) => run.alert(entry)),
      putEvents: (entries) => bus.put(entries),
      ...(options.faults ? { faults: options.faults } : {}),
    });
    const { overrides, faultHandlers } = handlerClients(
      options.endpoint,
      transport,
      options.callFaultRate,
    );
    const digestTopic = new SandboxDigestTopic(
      sandboxSubscriptions(config, subscriptionsFile),
      overrides.sns,
      process.env[EnvName.alertsTopicArn] as string,
    );
    const handlers = await loadHandlers(overrides, {
      executorConcurrency: options.executorConcurrency ?? 1,
      digestTopic,
      monitorClock: options.monitorClock,
    });
    const bus = inventoryBus(handlers.executors, run, options.busDisorder);
    const readers = streamReaders(
      { ...options, client: clients.streams, streamArn: tables.inventoryStreamArn },
      handlers,
      config,
      run,
    );

    const rules = new RulesRepository(clients.doc, tables.control, 0);
    const sandbox = new Sandbox(
      tables,
      clients.doc,
      rules,
      faultHandlers,
      run,
      bus,
      readers,
      clients,
      config,
      handlers.digestSender,
      handlers.demandRollup,
    );
    if (options.digestSchedule) sandbox.scheduleDigests();
    if (options.demandRollupSchedule) sandbox.scheduleDemandRollup();
    readers.stockMonitor.start();
    readers.demandRecorder?.start();
    return sandbox;
  }

  /** Alerts the topic delivered. */
  get outbox(): OutboxEntry[] {
    return this.run.outbox;
  }

  /** Events put on the bus. */
  get events(): BusRecord[] {
    return this.run.events;
  }

  /** What the strategy-executor applied, from its StrategyApplied events. */
  get effects(): StrategyAppliedDetail[] {
    return this.run.effects;
  }

  /** What the DLQs would hold: the stream mappings' and the bus's. */
  get deadLetters(): DeadLetter[] {
    return this.run.deadLetters;
  }

  /**
   * Redrives the bus's dead letters (the strategy-executor's DLQ), as an operator does when its
   * alarm fires, and waits until they are done; returns how many. Those that fail again are
   * dead-lettered again.
   */
  async redriveBusDeadLetters(timeoutMs = 60_000): Promise<number> {
    const letters = this.run.deadLetters.filter((letter) => letter.source === 'bus');
    for (const letter of letters)
      this.run.deadLetters.splice(this.run.deadLetters.indexOf(letter), 1);
    for (const letter of letters)
      this.bus.redrive(letter.item as EventBridgeEvent<string, Record<string, unknown>>);
    await this.settle(timeoutMs);
    return letters.length;
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

  /** Purchase orders, as the CLI's `orders` reads and receives them. */
  orders(): OrderStore {
    const { indexShards: shards, openOrderMaxAgeDays } = this.config;
    return new OrderStore(this.doc, this.tables.inventory, this.tables.control, {
      shards,
      openOrderMaxAgeDays,
    });
  }

  /** Resolves when the stream readers are drained and the bus is empty, three polls in a row. */
  async settle(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let quiet = 0;
    while (quiet < 3) {
      if (Date.now() > deadline) throw new Error(`sandbox did not settle within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 200));
      quiet =
        this.readers.stockMonitor.idle &&
        (this.readers.demandRecorder?.idle ?? true) &&
        this.bus.idle
          ? quiet + 1
          : 0;
    }
  }

  /** Bus deliveries that overtook an event put earlier, and deliveries made a second time. */
  get busOrdering(): { reordered: number; redelivered: number } {
    return { reordered: this.bus.reordered, redelivered: this.bus.redelivered };
  }

  get streamInvocations(): number {
    return this.readers.stockMonitor.invocations;
  }

  /** Invocations of the demand-recorder (0 when the environment turns it off). */
  get demandInvocations(): number {
    return this.readers.demandRecorder?.invocations ?? 0;
  }

  async stop(): Promise<void> {
    clearTimeout(this.digestTimer);
    clearTimeout(this.rollupTimer);
    await Promise.all([this.readers.stockMonitor.stop(), this.readers.demandRecorder?.stop()]);
    this.clients.dynamodb.destroy();
    this.clients.streams.destroy();
  }
}

/** The sandbox's own clients of DynamoDB Local: tables, the stream, documents. */
const localClients = (endpoint: string) => {
  const local = { endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS };
  const dynamodb = new DynamoDBClient(local);
  return {
    dynamodb,
    streams: new DynamoDBStreamsClient(local),
    doc: DynamoDBDocumentClient.from(dynamodb, {
      marshallOptions: { removeUndefinedValues: true },
    }),
  };
};

/** What resources.json says: where the sandbox's tables, topic and bus are, for the CLI. */
const resourcesOf = (endpoint: string, config: EnvironmentConfig, tables: SandboxTables) => ({
  endpoint,
  region: LOCAL_REGION,
  environment: config.name,
  tables,
  topic: LOCAL_TOPIC,
  bus: LOCAL_BUS,
  /** The environment's (or the demo's) subscribers, which the CLI lists beside its own. */
  subscriptions: configuredSubscriptions(config),
  /** Whether it keeps crossings for digests, which `subscribe --digest` needs. */
  digests: digestsEnabled(config),
});
