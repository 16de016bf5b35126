import { Readable } from 'node:stream';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { type HttpRequest, HttpResponse } from '@smithy/core/transport';
import {
  bodyText,
  LocalRequestHandler,
  type WireEvent,
  type WirePublishEntry,
} from '../sandbox/local-transport.js';
import { snsMessageBytes } from '../shared/adapters/alert-publisher.js';
import { putEventsEntryBytes } from '../shared/adapters/event-publisher.js';
import { directoryItems } from '../shared/adapters/rules-directory.js';
import { ControlKeys, type TableDefinition } from '../shared/contracts/tables.js';
import type { RuleInput } from '../shared/domain/rules.js';
import { chunks64k } from './capacity.js';
import { DynamoMeter } from './dynamo-meter.js';

/** The control table's name in every bench environment: where the stub's rules live. */
export const RULES_TABLE = 'bench-control';

const READS = new Set(['BatchGetItem', 'GetItem', 'Query']);

/** What a metered stub bills besides DynamoDB: SNS and EventBridge requests as billed. */
export interface MessagingTally {
  /** SNS publishes, each 64 KB chunk of a message one (a PublishBatch entry is one publish). */
  snsPublishes: number;
  /** EventBridge PutEvents entries, each 64 KB chunk one. */
  eventEntries: number;
}

/**
 * An in-process AWS for benchmarks: answers the DynamoDB, SNS and EventBridge calls the
 * functions make, after a configurable latency, and counts every call by operation.
 *
 * Two modes. Timing (the default): DynamoDB holds only rules (state reads find nothing, writes
 * succeed without being read), so each crossing in a generated batch is a new alert and the
 * stub costs the function as little as possible. Metering (`tables` given): every DynamoDB
 * request goes through a {@link DynamoMeter}, which keeps what is written and bills each
 * request from its item sizes, and every SNS and EventBridge entry is billed by size; the
 * events put are kept, for the executor to be invoked with.
 */
export class StubAws {
  readonly calls = new Map<string, number>();
  readonly meter: DynamoMeter | undefined;
  readonly messaging: MessagingTally = { snsPublishes: 0, eventEntries: 0 };
  /** CPU time the stub itself spent in metering mode (parsing, billing), to leave out of the functions'. */
  stubCpuMicros = 0;
  /** Events put on the bus (metering mode), oldest first. */
  readonly events: WireEvent[] = [];
  private readonly local: LocalRequestHandler;
  /** The control table's rule items (and rules directory), wire format, by `[pk, sk]`. */
  private readonly controlItems = new Map<string, Record<string, unknown>>();

  /**
   * `rules` are stored under their keys; with `directory` (the default, as a table of this
   * release holds) the rules directory names the item-scoped ones, without it the table is
   * one an earlier release wrote.
   */
  constructor(
    rules: Map<string, RuleInput>,
    private readonly latencyMs = 0,
    tables?: Readonly<Record<string, TableDefinition>>,
    { directory = true }: { directory?: boolean } = {},
  ) {
    const items = [
      ...[...rules].map(([ruleKey, rule]) => ({ ...ControlKeys.rule(ruleKey), ruleKey, rule })),
      ...(directory ? directoryItems(rules.keys()) : []),
    ];
    for (const item of items)
      this.controlItems.set(
        JSON.stringify([item.pk, item.sk]),
        marshall(item, { removeUndefinedValues: true }),
      );
    this.meter = tables ? this.seeded(new DynamoMeter(tables)) : undefined;
    this.local = new LocalRequestHandler(
      tables
        ? {
            publish: (_topic, entries) => this.billPublish(entries),
            putEvents: (entries) => this.billEvents(entries),
          }
        : { publish: () => {}, putEvents: () => {} },
    );
  }

  /** The meter with every rule (and the directory) stored, as the control table holds them. */
  private seeded(meter: DynamoMeter): DynamoMeter {
    for (const item of this.controlItems.values()) meter.seed(RULES_TABLE, item as never);
    return meter;
  }

  private billPublish(entries: readonly WirePublishEntry[]) {
    for (const entry of entries)
      this.messaging.snsPublishes += chunks64k(
        snsMessageBytes({
          body: entry.message,
          subject: entry.subject,
          attributes: Object.entries(entry.attributes).map(
            ([name, a]) => [name, a.dataType, a.value] as const,
          ),
        }),
      );
  }

  private billEvents(entries: readonly WireEvent[]) {
    for (const entry of entries) {
      this.messaging.eventEntries += chunks64k(putEventsEntryBytes(entry));
      this.events.push(entry);
    }
  }

  get totalCalls(): number {
    return [...this.calls.values()].reduce((a, b) => a + b, 0);
  }

  reset(): void {
    this.calls.clear();
    this.meter?.reset();
    Object.assign(this.messaging, { snsPublishes: 0, eventEntries: 0 });
    this.events.length = 0;
    this.stubCpuMicros = 0;
  }

  /** The SDK request handler to give every client. */
  readonly handler = {
    handle: async (request: HttpRequest) => {
      if (this.latencyMs > 0) await new Promise((r) => setTimeout(r, this.latencyMs));
      if (!this.meter) return this.answer(request);
      const started = process.cpuUsage();
      try {
        return this.answer(request);
      } finally {
        const used = process.cpuUsage(started);
        this.stubCpuMicros += used.user + used.system;
      }
    },
    updateHttpClientConfig: () => {},
    httpHandlerConfigs: () => ({}),
  };

  /** Answers one request (the synchronous part: what the stub's own CPU time is). */
  private answer(request: HttpRequest) {
    const target = String(request.headers['x-amz-target'] ?? '');
    if (target.startsWith('DynamoDB_20120810.')) return this.dynamodb(target.slice(18), request);
    const body = bodyText(request);
    const operation = target || new URLSearchParams(body).get('Action') || 'unknown';
    this.count(operation.replace('AWSEvents.', ''));
    return this.local.handle(request);
  }

  private count(operation: string) {
    this.calls.set(operation, (this.calls.get(operation) ?? 0) + 1);
  }

  /** The stored control item (wire format) a key names, if it is a rule's or the directory's. */
  private ruleItem(key: unknown) {
    const { pk, sk } = unmarshall(key as never) as { pk?: string; sk?: string };
    return this.controlItems.get(JSON.stringify([pk, sk]));
  }

  private dynamodb(operation: string, request: HttpRequest) {
    this.count(operation);
    if (this.meter)
      return this.reply(this.meter.handle(operation, JSON.parse(bodyText(request)) as never));
    // Writes succeed without reading the request: parsing it is AWS's work, not the function's,
    // and would count against the function's throughput in this shared process.
    const input = READS.has(operation)
      ? (JSON.parse(bodyText(request)) as Record<string, unknown>)
      : {};
    let output: Record<string, unknown> = {};
    if (operation === 'BatchGetItem') {
      const requestItems = input.RequestItems as Record<
        string,
        { Keys: Record<string, { S: string }>[] }
      >;
      output = {
        Responses: Object.fromEntries(
          Object.entries(requestItems).map(([table, { Keys }]) => [
            table,
            Keys.flatMap((key) => {
              const item = this.ruleItem(key);
              return item ? [item] : [];
            }),
          ]),
        ),
        UnprocessedKeys: {},
      };
    } else if (operation === 'GetItem') {
      const item = this.ruleItem(input.Key ?? {});
      output = item ? { Item: item } : {};
    } else if (operation === 'Query') {
      output = { Items: [], Count: 0 };
    }
    return this.reply(output);
  }

  private reply(output: Record<string, unknown>) {
    return Promise.resolve({
      response: new HttpResponse({
        statusCode: 200,
        headers: { 'content-type': 'application/x-amz-json-1.0' },
        body: Readable.from([Buffer.from(JSON.stringify(output))]),
      }),
    });
  }
}
