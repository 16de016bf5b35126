import { Readable } from 'node:stream';
import { type HttpRequest, HttpResponse } from '@smithy/core/transport';
import {
  SNS_MESSAGE_ATTRIBUTES_LIMIT,
  SnsLimits,
  snsMessageBytes,
} from '../shared/adapters/alert-publisher.js';
import { PutEventsLimits, putEventsEntryBytes } from '../shared/adapters/event-publisher.js';

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
  readonly Resources?: string[];
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

/**
 * One SNS message from its query-protocol fields (`Message`, `Subject`, `MessageStructure`,
 * `MessageAttributes.entry.N.*`), as Publish sends them at the top level and PublishBatch under
 * each `PublishBatchRequestEntries.member.N.`.
 */
const entryOf = (fields: Iterable<readonly [string, string]>, id?: string): WirePublishEntry => {
  let subject: string | undefined;
  let message = '';
  let structure: string | undefined;
  let entryId = id ?? '';
  const attrs = new Map<number, Record<string, string>>();
  for (const [field, value] of fields) {
    const attribute =
      /^MessageAttributes\.entry\.(\d+)\.(Name|Value\.DataType|Value\.(?:String|Binary)Value)$/.exec(
        field,
      );
    if (attribute) {
      const slot = attrs.get(Number(attribute[1])) ?? {};
      slot[attribute[2] as string] = value;
      attrs.set(Number(attribute[1]), slot);
    } else if (field === 'Id') entryId = value;
    else if (field === 'Subject') subject = value;
    else if (field === 'Message') message = value;
    else if (field === 'MessageStructure') structure = value;
  }
  return {
    id: entryId,
    subject,
    message,
    messageStructure: structure,
    attributes: Object.fromEntries(
      [...attrs.values()].map((a) => [
        a.Name ?? '',
        {
          dataType: a['Value.DataType'] ?? 'String',
          value: a['Value.StringValue'] ?? a['Value.BinaryValue'] ?? '',
        },
      ]),
    ),
  };
};

/** Parses the SNS query-protocol form of PublishBatch into entries. */
export const parsePublishBatch = (
  form: URLSearchParams,
): { topicArn: string; entries: WirePublishEntry[] } => {
  const members = new Map<number, [string, string][]>();
  for (const [key, value] of form) {
    const match = /^PublishBatchRequestEntries\.member\.(\d+)\.(.+)$/.exec(key);
    if (!match) continue;
    const index = Number(match[1]);
    const fields = members.get(index) ?? [];
    fields.push([match[2] as string, value]);
    members.set(index, fields);
  }
  return {
    topicArn: form.get('TopicArn') ?? '',
    entries: [...members.entries()].sort(([a], [b]) => a - b).map(([, fields]) => entryOf(fields)),
  };
};

/** The bytes SNS counts for a message as it arrived on the wire. */
const wireBytes = (entry: WirePublishEntry): number =>
  snsMessageBytes({
    body: entry.message,
    subject: entry.subject,
    attributes: Object.entries(entry.attributes).map(
      ([name, a]) => [name, a.dataType, a.value] as const,
    ),
  });

/**
 * Why SNS would refuse a message entry, if it would: a subject that is not printable ASCII or
 * not "less than 100 characters long" (so 100 is refused), or more message attributes than SNS
 * takes. Publish's reference has
 * said both "ASCII text" and "UTF-8 text" for subjects, and SNS receivers (Amazon Managed
 * Prometheus's) rewrite non-ASCII subjects: the sandbox takes the stricter reading.
 */
const entryProblem = (entry: WirePublishEntry): string | undefined => {
  const { subject } = entry;
  if (
    subject !== undefined &&
    (subject.length > SnsLimits.subjectLength || !/^[\x20-\x7e]*$/.test(subject))
  )
    return 'Invalid parameter: Subject';
  if (Object.keys(entry.attributes).length > SNS_MESSAGE_ATTRIBUTES_LIMIT)
    return `Invalid parameter: Too many message attributes (at most ${SNS_MESSAGE_ATTRIBUTES_LIMIT})`;
  return undefined;
};

/** An error SNS answers for a whole call: its query-protocol code and message. */
interface SnsRefusal {
  readonly code: string;
  readonly message: string;
}

/**
 * Why SNS would refuse a whole PublishBatch for an entry's Id: "up to 80 characters ...
 * alphanumeric characters, hyphens(-), and underscores (_)" (PublishBatchRequestEntry,
 * https://docs.aws.amazon.com/sns/latest/api/API_PublishBatchRequestEntry.html). The code and
 * wording are AWS's as LocalStack's AWS-validated snapshots record them
 * (test_publish_batch_invalid_entry_id); an empty Id, which AWS requires, counts as impermissible.
 */
const idProblem = (id: string): SnsRefusal | undefined => {
  const what = 'The Id of a batch entry in the batch request';
  if (id.length > 80) return { code: 'InvalidBatchEntryId', message: `${what} is too long: ${id}` };
  if (!/^[A-Za-z0-9_-]+$/.test(id))
    return {
      code: 'InvalidBatchEntryId',
      message: `${what} contains an impermissible character: ${id}`,
    };
  return undefined;
};

const invalidStructure = (reason: string): SnsRefusal => ({
  code: 'InvalidParameter',
  message: `Invalid parameter: Message Structure - ${reason}`,
});

/**
 * Why SNS would refuse a whole call for one message's content, in Publish and PublishBatch alike
 * (a valid neighbour does not help; AWS's codes and wording as LocalStack's AWS-validated snapshots
 * record them: test_empty_sns_message, test_empty_or_wrong_message_attributes,
 * test_message_structure_json_exc, test_publish_batch_exceptions). MessageAttributeValue: "Name,
 * type, and value must not be empty or null. In addition, the message body should not be empty or
 * null" (https://docs.aws.amazon.com/sns/latest/api/API_MessageAttributeValue.html). Publish's
 * MessageStructure: with `json` the message must "be a syntactically valid JSON object" and
 * "contain at least a top-level JSON key of "default" with a value that is a string"; other keys
 * with non-string values are ignored, not refused
 * (https://docs.aws.amazon.com/sns/latest/api/API_Publish.html). The empty batch body is checked
 * like the empty Publish body: AWS's own answer to it in a batch is not on record.
 */
const contentProblem = (entry: WirePublishEntry): SnsRefusal | undefined => {
  if (entry.message === '')
    return { code: 'InvalidParameter', message: 'Invalid parameter: Empty message' };
  const empty = Object.entries(entry.attributes).find(([, a]) => a.value === '');
  if (empty)
    return {
      code: 'ParameterValueInvalid',
      message: `The message attribute '${empty[0]}' must contain non-empty message attribute value for message attribute type '${empty[1].dataType}'.`,
    };
  if (entry.messageStructure !== 'json') return undefined;
  let body: unknown;
  try {
    body = JSON.parse(entry.message);
  } catch {
    return invalidStructure('JSON message body failed to parse');
  }
  const isObject = typeof body === 'object' && body !== null && !Array.isArray(body);
  return isObject && typeof (body as Record<string, unknown>).default === 'string'
    ? undefined
    : invalidStructure('No default entry in JSON message body');
};

/** Why SNS would refuse a whole PublishBatch, if it would (see {@link LocalRequestHandler}). */
const batchProblem = (entries: readonly WirePublishEntry[]): SnsRefusal | undefined => {
  if (entries.length === 0)
    return { code: 'EmptyBatchRequest', message: "The batch request doesn't contain any entries." };
  if (entries.length > SnsLimits.entriesPerBatch)
    return {
      code: 'TooManyEntriesInBatchRequest',
      message: 'The batch request contains more entries than permissible.',
    };
  const badId = entries.map((e) => idProblem(e.id)).find(Boolean);
  if (badId) return badId;
  if (new Set(entries.map((e) => e.id)).size < entries.length)
    return {
      code: 'BatchEntryIdsNotDistinct',
      message: 'Two or more batch entries in the request have the same Id.',
    };
  const badContent = entries.map(contentProblem).find(Boolean);
  if (badContent) return badContent;
  if (entries.reduce((sum, e) => sum + wireBytes(e), 0) > SnsLimits.batchBytes)
    return {
      code: 'BatchRequestTooLong',
      message: 'The length of all the batch messages put together is more than the limit.',
    };
  return undefined;
};

/** An SNS error response (query protocol), which the SDK turns into the service's exception. */
const snsError = (code: string, message: string) =>
  respond(
    400,
    'text/xml',
    '<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/">' +
      `<Error><Type>Sender</Type><Code>${code}</Code><Message>${xmlEscape(message)}</Message></Error>` +
      '<RequestId>local</RequestId></ErrorResponse>',
  );

/** A PutEvents entry as it arrived: the SDK leaves out whatever the caller left out. */
type ArrivedEvent = Partial<WireEvent>;

const isJsonObject = (text: string): boolean => {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value);
  } catch {
    return false;
  }
};

/**
 * Why EventBridge would fail one PutEvents entry, if it would; the call and its other entries
 * go on. PutEventsRequestEntry: "Detail, DetailType, and Source are required for EventBridge to
 * successfully send an event to an event bus. If you include event entries in a request that do
 * not include each of those properties, EventBridge fails that entry", and Detail is "A valid
 * JSON object" (https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEventsRequestEntry.html).
 * Codes and wording are AWS's as LocalStack's AWS-validated snapshots record them
 * (tests/aws/services/events/test_events.py): an array, a string or invalid JSON is
 * `MalformedDetail`.
 */
const eventProblem = (
  entry: ArrivedEvent,
): { ErrorCode: string; ErrorMessage: string } | undefined => {
  for (const field of ['Source', 'DetailType', 'Detail'] as const)
    if (!entry[field])
      return {
        ErrorCode: 'InvalidArgument',
        ErrorMessage: `Parameter ${field} is not valid. Reason: ${field} is a required argument.`,
      };
  return isJsonObject(entry.Detail ?? '')
    ? undefined
    : { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
};

/** An EventBridge error response (JSON 1.1), which the SDK turns into an exception of that name. */
const eventsError = (type: string, message: string) =>
  respond(400, 'application/x-amz-json-1.1', JSON.stringify({ __type: type, message }));

/**
 * An SDK `requestHandler` that answers SNS PublishBatch and EventBridge PutEvents in-process.
 * The production clients and adapters build and sign their requests as usual; only the
 * transport is local. Unknown operations fail loudly rather than pretend.
 *
 * SNS's limits (see `SnsLimits`) are enforced as SNS enforces them, so the sandbox never accepts
 * what AWS would refuse: more than ten entries (`TooManyEntriesInBatchRequest`), an entry Id SNS
 * does not take (`InvalidBatchEntryId`) or one used twice (`BatchEntryIdsNotDistinct`), a call
 * whose messages add up to more than 256 KiB (`BatchRequestTooLong`; one oversized message is
 * enough), a single Publish over 256 KiB (`InvalidParameter`), an empty body or a json-structured
 * body without a string `default` (`InvalidParameter`), an empty attribute value
 * (`ParameterValueInvalid`), each failing the whole call with SNS's error, and an entry with an
 * invalid subject (not printable ASCII, or 100 characters or more) or more than ten message
 * attributes failing alone (`InvalidParameter`).
 *
 * EventBridge's limits (see `PutEventsLimits`) likewise: a PutEvents call with no entries or more
 * than ten, or whose entries add up to 256 KiB or more as EventBridge sizes them (one oversized
 * entry is enough), fails whole with `ValidationException` and puts nothing on the bus; an entry
 * without a Source, DetailType or Detail (`InvalidArgument`) or whose Detail is not a JSON object
 * (`MalformedDetail`) fails alone, in its result, and its neighbours go on the bus.
 */
export class LocalRequestHandler {
  constructor(private readonly services: LocalServices) {}

  async handle(request: HttpRequest): Promise<{ response: HttpResponse }> {
    const target = String(request.headers['x-amz-target'] ?? request.headers['X-Amz-Target'] ?? '');
    if (target === 'AWSEvents.PutEvents')
      return this.putEvents(JSON.parse(bodyText(request)) as { Entries?: ArrivedEvent[] });
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
    const refused = batchProblem(entries);
    if (refused) return snsError(refused.code, refused.message);
    const failed = entries.flatMap((e) => {
      const invalid = entryProblem(e);
      if (invalid) return [{ id: e.id, code: 'InvalidParameter', message: invalid, sender: true }];
      const code = this.services.faults?.('sns', e.id);
      return code ? [{ id: e.id, code, message: 'injected fault', sender: false }] : [];
    });
    const failedIds = new Set(failed.map((f) => f.id));
    const delivered = entries.filter((e) => !failedIds.has(e.id));
    await this.services.publish(topicArn, delivered);
    const member = (inner: string) => `<member>${inner}</member>`;
    const xml =
      '<PublishBatchResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishBatchResult>' +
      `<Successful>${delivered.map((e) => member(`<Id>${xmlEscape(e.id)}</Id><MessageId>local-${xmlEscape(e.id)}</MessageId>`)).join('')}</Successful>` +
      `<Failed>${failed.map((f) => member(`<Id>${xmlEscape(f.id)}</Id><Code>${f.code}</Code><SenderFault>${f.sender}</SenderFault><Message>${xmlEscape(f.message)}</Message>`)).join('')}</Failed>` +
      '</PublishBatchResult><ResponseMetadata><RequestId>local</RequestId></ResponseMetadata></PublishBatchResponse>';
    return respond(200, 'text/xml', xml);
  }

  /** Single Publish, which only the benchmarks' naive baseline uses. */
  private async publishOne(form: URLSearchParams) {
    const entry = entryOf(form, 'single');
    if (wireBytes(entry) > SnsLimits.messageBytes)
      return snsError('InvalidParameter', 'Invalid parameter: Message too long');
    const refused = contentProblem(entry);
    if (refused) return snsError(refused.code, refused.message);
    const invalid = entryProblem(entry);
    if (invalid) return snsError('InvalidParameter', invalid);
    await this.services.publish(form.get('TopicArn') ?? '', [entry]);
    return respond(
      200,
      'text/xml',
      '<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>local</MessageId></PublishResult><ResponseMetadata><RequestId>local</RequestId></ResponseMetadata></PublishResponse>',
    );
  }

  private async putEvents(body: { Entries?: ArrivedEvent[] }) {
    const entries = body.Entries ?? [];
    if (entries.length < 1 || entries.length > PutEventsLimits.entriesPerCall)
      return eventsError(
        'ValidationException',
        `1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length ${entries.length < 1 ? 'greater than or equal to 1' : `less than or equal to ${PutEventsLimits.entriesPerCall}`}`,
      );
    if (entries.reduce((sum, e) => sum + putEventsEntryBytes(e), 0) >= PutEventsLimits.requestBytes)
      return eventsError(
        'ValidationException',
        'Total size of the entries in the request is over the limit.',
      );
    const results = entries.map((entry, index) => {
      const invalid = eventProblem(entry);
      if (invalid) return invalid;
      const code = this.services.faults?.('events', `${index}:${entry.DetailType}`);
      return code
        ? { ErrorCode: code, ErrorMessage: 'injected fault' }
        : { EventId: `local-${Date.now()}-${index}` };
    });
    await this.services.putEvents(
      // Every entry without an ErrorCode passed eventProblem, so it has Source, DetailType, Detail.
      entries.filter((_, index) => !('ErrorCode' in (results[index] ?? {}))) as WireEvent[],
    );
    const failedCount = results.filter((r) => 'ErrorCode' in r).length;
    return respond(
      200,
      'application/x-amz-json-1.1',
      JSON.stringify({ FailedEntryCount: failedCount, Entries: results }),
    );
  }
}
