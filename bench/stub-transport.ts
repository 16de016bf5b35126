import { Readable } from 'node:stream';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { type HttpRequest, HttpResponse } from '@smithy/core/transport';
import { bodyText, LocalRequestHandler } from '../sandbox/local-transport.js';
import { ControlKeys } from '../shared/contracts/tables.js';
import type { RuleInput } from '../shared/domain/rules.js';

const READS = new Set(['BatchGetItem', 'GetItem', 'Query']);

/**
 * An in-process AWS for benchmarks: answers the DynamoDB, SNS and EventBridge calls the
 * stock-monitor makes, after a configurable latency, and counts every call by operation.
 * DynamoDB holds only rules (state reads find nothing, writes succeed), so each crossing in a
 * generated batch is a new alert.
 */
export class StubAws {
  readonly calls = new Map<string, number>();
  private readonly local: LocalRequestHandler;

  constructor(
    private readonly rules: Map<string, RuleInput>,
    private readonly latencyMs = 0,
  ) {
    this.local = new LocalRequestHandler({ publish: () => {}, putEvents: () => {} });
  }

  get totalCalls(): number {
    return [...this.calls.values()].reduce((a, b) => a + b, 0);
  }

  reset(): void {
    this.calls.clear();
  }

  /** The SDK request handler to give every client. */
  readonly handler = {
    handle: async (request: HttpRequest) => {
      if (this.latencyMs > 0) await new Promise((r) => setTimeout(r, this.latencyMs));
      const target = String(request.headers['x-amz-target'] ?? '');
      if (target.startsWith('DynamoDB_20120810.')) return this.dynamodb(target.slice(18), request);
      const body = bodyText(request);
      const operation = target || new URLSearchParams(body).get('Action') || 'unknown';
      this.count(operation.replace('AWSEvents.', ''));
      return this.local.handle(request);
    },
    updateHttpClientConfig: () => {},
    httpHandlerConfigs: () => ({}),
  };

  private count(operation: string) {
    this.calls.set(operation, (this.calls.get(operation) ?? 0) + 1);
  }

  /** The stored rule item (wire format) a control-table key names, if it is a known rule's. */
  private ruleItem(key: unknown) {
    const { pk } = unmarshall(key as never) as { pk?: string };
    const ruleKey = pk?.startsWith('RULE#') ? pk.slice(5) : undefined;
    const rule = ruleKey ? this.rules.get(ruleKey) : undefined;
    return ruleKey && rule
      ? marshall({ ...ControlKeys.rule(ruleKey), ruleKey, rule }, { removeUndefinedValues: true })
      : undefined;
  }

  private dynamodb(operation: string, request: HttpRequest) {
    this.count(operation);
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
    return Promise.resolve({
      response: new HttpResponse({
        statusCode: 200,
        headers: { 'content-type': 'application/x-amz-json-1.0' },
        body: Readable.from([Buffer.from(JSON.stringify(output))]),
      }),
    });
  }
}
