import { Readable } from 'node:stream';
import { type HttpRequest, HttpResponse } from '@smithy/core/transport';

/** One SNS PublishBatch entry as the SDK sent it over the wire (query protocol). */
export interface WirePublishEntry {
  readonly id: string;
  readonly subject?: string | undefined;
  readonly message: string;
  readonly messageStructure?: string | undefined;
  readonly attributes: Record<string, { dataType: string; value: string }>;
}

/** One EventBridge PutEvents entry as the SDK sent it (JSON 1.1 protocol). */
export interface WireEvent {
  readonly EventBusName?: string;
  readonly Source: string;
  readonly DetailType: string;
  readonly Detail: string;
  readonly Time?: number | string;
}

/** Whether an entry fails, and how; lets the drills inject faults into the transport. */
export type FaultInjector = (service: 'sns' | 'events', id: string) => string | undefined;

export interface LocalServices {
  /** Receives published alerts; returns nothing (delivery is local). */
  readonly publish: (topicArn: string, entries: WirePublishEntry[]) => void | Promise<void>;
  /** Receives events; delivery to rules is asynchronous, as on EventBridge. */
  readonly putEvents: (entries: WireEvent[]) => void | Promise<void>;
  readonly faults?: FaultInjector;
}

const xmlEscape = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const respond = (statusCode: number, contentType: string, body: string) => ({
  response: new HttpResponse({
    statusCode,
    headers: { 'content-type': contentType, 'x-amzn-requestid': `local-${Date.now()}` },
    body: Readable.from([Buffer.from(body)]),
  }),
});

/** The request body as text, whatever form the SDK left it in. */
export const bodyText = (request: HttpRequest): string => {
  const body = request.body as unknown;
  if (body instanceof Uint8Array)
    return Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
  if (typeof body === 'string') return body;
  return '';
};

/** Parses the SNS query-protocol form of PublishBatch into entries. */
export const parsePublishBatch = (
  form: URLSearchParams,
): { topicArn: string; entries: WirePublishEntry[] } => {
  interface Draft {
    id?: string;
    subject?: string;
    message?: string;
    structure?: string;
    attrs: Map<number, Record<string, string>>;
  }
  const entries = new Map<number, Draft>();
  for (const [key, value] of form) {
    const match = /^PublishBatchRequestEntries\.member\.(\d+)\.(.+)$/.exec(key);
    if (!match) continue;
    const index = Number(match[1]);
    const field = match[2] as string;
    const entry: Draft = entries.get(index) ?? { attrs: new Map() };
    entries.set(index, entry);
    const attribute =
      /^MessageAttributes\.entry\.(\d+)\.(Name|Value\.DataType|Value\.StringValue)$/.exec(field);
    if (attribute) {
      const slot = entry.attrs.get(Number(attribute[1])) ?? {};
      slot[attribute[2] as string] = value;
      entry.attrs.set(Number(attribute[1]), slot);
    } else if (field === 'Id') entry.id = value;
    else if (field === 'Subject') entry.subject = value;
    else if (field === 'Message') entry.message = value;
    else if (field === 'MessageStructure') entry.structure = value;
  }
  return {
    topicArn: form.get('TopicArn') ?? '',
    entries: [...entries.entries()]
      .sort(([a], [b]) => a - b)
      .map(([, e]) => ({
        id: e.id ?? '',
        subject: e.subject,
        message: e.message ?? '',
        messageStructure: e.structure,
        attributes: Object.fromEntries(
          [...e.attrs.values()].map((a) => [
            a.Name ?? '',
            { dataType: a['Value.DataType'] ?? 'String', value: a['Value.StringValue'] ?? '' },
          ]),
        ),
      })),
  };
};

/**
 * An SDK `requestHandler` that answers SNS PublishBatch and EventBridge PutEvents in-process.
 * The production clients and adapters build and sign their requests as usual; only the
 * transport is local. Unknown operations fail loudly rather than pretend.
 */
export class LocalRequestHandler {
  constructor(private readonly services: LocalServices) {}

  async handle(request: HttpRequest): Promise<{ response: HttpResponse }> {
    const target = String(request.headers['x-amz-target'] ?? request.headers['X-Amz-Target'] ?? '');
    if (target === 'AWSEvents.PutEvents')
      return this.putEvents(JSON.parse(bodyText(request)) as { Entries: WireEvent[] });
    const form = new URLSearchParams(bodyText(request));
    if (form.get('Action') === 'PublishBatch') return this.publishBatch(form);
    if (form.get('Action') === 'Publish') return this.publishOne(form);
    return respond(
      400,
      'application/json',
      JSON.stringify({
        __type: 'UnknownOperation',
        message: `local transport: ${target || form.get('Action')}`,
      }),
    );
  }

  updateHttpClientConfig(): void {}
  httpHandlerConfigs(): Record<string, never> {
    return {};
  }

  private async publishBatch(form: URLSearchParams) {
    const { topicArn, entries } = parsePublishBatch(form);
    const failed = entries.flatMap((e) => {
      const code = this.services.faults?.('sns', e.id);
      return code ? [{ id: e.id, code }] : [];
    });
    const failedIds = new Set(failed.map((f) => f.id));
    const delivered = entries.filter((e) => !failedIds.has(e.id));
    await this.services.publish(topicArn, delivered);
    const member = (inner: string) => `<member>${inner}</member>`;
    const xml =
      '<PublishBatchResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishBatchResult>' +
      `<Successful>${delivered.map((e) => member(`<Id>${xmlEscape(e.id)}</Id><MessageId>local-${xmlEscape(e.id)}</MessageId>`)).join('')}</Successful>` +
      `<Failed>${failed.map((f) => member(`<Id>${xmlEscape(f.id)}</Id><Code>${f.code}</Code><SenderFault>false</SenderFault><Message>injected fault</Message>`)).join('')}</Failed>` +
      '</PublishBatchResult><ResponseMetadata><RequestId>local</RequestId></ResponseMetadata></PublishBatchResponse>';
    return respond(200, 'text/xml', xml);
  }

  /** Single Publish, which only the benchmarks' naive baseline uses. */
  private async publishOne(form: URLSearchParams) {
    await this.services.publish(form.get('TopicArn') ?? '', [
      {
        id: 'single',
        subject: form.get('Subject') ?? undefined,
        message: form.get('Message') ?? '',
        attributes: {},
      },
    ]);
    return respond(
      200,
      'text/xml',
      '<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>local</MessageId></PublishResult><ResponseMetadata><RequestId>local</RequestId></ResponseMetadata></PublishResponse>',
    );
  }

  private async putEvents(body: { Entries: WireEvent[] }) {
    const results = body.Entries.map((entry, index) => {
      const code = this.services.faults?.('events', `${index}:${entry.DetailType}`);
      return code
        ? { ErrorCode: code, ErrorMessage: 'injected fault' }
        : { EventId: `local-${Date.now()}-${index}` };
    });
    await this.services.putEvents(
      body.Entries.filter((_, index) => !('ErrorCode' in (results[index] ?? {}))),
    );
    const failedCount = results.filter((r) => 'ErrorCode' in r).length;
    return respond(
      200,
      'application/x-amz-json-1.1',
      JSON.stringify({ FailedEntryCount: failedCount, Entries: results }),
    );
  }
}
