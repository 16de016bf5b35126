import {
  type MessageAttributeValue,
  PublishBatchCommand,
  type PublishBatchRequestEntry,
  type SNSClient,
} from '@aws-sdk/client-sns';
import type { AlertMessage } from '../domain/messages.js';
import {
  DEFAULT_RETRY,
  type EntriesOutcome,
  type RetryOptions,
  sendWithEntryRetries,
} from './retry-entries.js';

/**
 * Amazon SNS's limits on what one call may carry, for a standard topic at its default
 * `MaximumMessageSize`:
 * - PublishBatch API reference: "up to 10 messages"; more fail the whole call with
 *   `TooManyEntriesInBatchRequest`. "The maximum allowed individual message size and the maximum
 *   total payload size (the sum of the individual lengths of all of the batched messages) are
 *   both 256 KiB (262,144 bytes)"; a call over the total fails whole with `BatchRequestTooLong`
 *   ("The length of all the batch messages put together is more than the limit").
 * - Developer guide, large message payloads: "Amazon SNS validates the combined size of the
 *   message body and message attributes"; over the limit, Publish returns `InvalidParameter`
 *   ("Invalid parameter: Message too long"). MessageAttributeValue: "All parts of the message
 *   attribute, including name, type, and value, are included in the message size restriction."
 * - Publish `Subject`: "UTF-8 text with no line breaks or control characters, and less than 100
 *   characters long"; the service accepts exactly 100 (moto, which follows it, refuses only
 *   more: moto/sns/models.py, getmoto/moto#1503).
 * https://docs.aws.amazon.com/sns/latest/api/API_PublishBatch.html,
 * https://docs.aws.amazon.com/sns/latest/dg/large-message-payloads.html,
 * https://docs.aws.amazon.com/sns/latest/api/API_MessageAttributeValue.html
 */
export const SnsLimits = {
  entriesPerBatch: 10,
  messageBytes: 262_144,
  batchBytes: 262_144,
  subjectLength: 100,
} as const;

/** SNS allows at most 10 entries per PublishBatch. */
export const SNS_BATCH_LIMIT = SnsLimits.entriesPerBatch;

/**
 * Every alert, as published (JSON body with `default`, `email` and `sms`, subject, attributes),
 * stays within this many bytes as SNS counts them: far under SNS's 256 KiB, and small enough
 * that ten always fit in one PublishBatch. The message text's `DISPLAY_BYTES` keep it there;
 * the tests hold the two together.
 */
export const ALERT_MESSAGE_MAX_BYTES = 24 * 1024;

/** One message as SNS sizes it: its body, subject and attributes (name, data type, value). */
export interface SizedMessage {
  readonly body: string;
  readonly subject?: string | undefined;
  readonly attributes: ReadonlyArray<
    readonly [name: string, dataType: string, value: string | Uint8Array]
  >;
}

/**
 * The UTF-8 bytes SNS counts against its size limits: the body and each attribute's name, type
 * and value. The subject is counted too: AWS does not say it is exempt, and counting it can only
 * make us stricter than SNS, never looser.
 */
export const snsMessageBytes = (message: SizedMessage): number =>
  Buffer.byteLength(message.body) +
  Buffer.byteLength(message.subject ?? '') +
  message.attributes.reduce(
    (sum, [name, dataType, value]) =>
      sum + Buffer.byteLength(name) + Buffer.byteLength(dataType) + Buffer.byteLength(value),
    0,
  );

/** The SNS request entry of an alert: per-protocol bodies and filterable attributes. */
export const toPublishEntry = (message: AlertMessage): PublishBatchRequestEntry => {
  const text = (value: string): MessageAttributeValue => ({
    DataType: 'String',
    StringValue: value,
  });
  const { attributes } = message;
  return {
    Id: message.id,
    Subject: message.subject,
    MessageStructure: 'json',
    // `default` serves protocols without a body of their own (SQS, HTTP, Lambda): a summary, not
    // a second copy of the e-mail.
    Message: JSON.stringify({ default: message.summary, email: message.email, sms: message.sms }),
    MessageAttributes: {
      level: text(attributes.level),
      severity: text(attributes.severity),
      sku: text(attributes.sku),
      location: text(attributes.location),
      category: text(attributes.category),
      transition: text(attributes.transition),
      channels: { DataType: 'String.Array', StringValue: JSON.stringify(attributes.channels) },
    },
  };
};

/** The bytes SNS counts for a PublishBatch entry against its message and batch limits. */
export const publishEntryBytes = (entry: PublishBatchRequestEntry): number =>
  snsMessageBytes({
    body: entry.Message ?? '',
    subject: entry.Subject,
    attributes: Object.entries(entry.MessageAttributes ?? {}).map(
      ([name, value]) =>
        [name, value.DataType ?? '', value.StringValue ?? value.BinaryValue ?? ''] as const,
    ),
  });

/**
 * Publishes alerts to the alerts topic, retrying only failed entries. Each call carries at most
 * ten entries and at most 256 KiB in total, so one alert SNS refuses fails alone, never its
 * neighbours.
 */
export class AlertPublisher {
  constructor(
    private readonly sns: SNSClient,
    private readonly topicArn: string,
    private readonly retry: RetryOptions = DEFAULT_RETRY,
  ) {}

  publish(messages: readonly AlertMessage[]): Promise<EntriesOutcome> {
    const entries = messages.map((message) => {
      const entry = toPublishEntry(message);
      return { id: message.id, entry, bytes: publishEntryBytes(entry) };
    });
    return sendWithEntryRetries(
      entries,
      {
        maxEntries: SnsLimits.entriesPerBatch,
        maxBytes: SnsLimits.batchBytes,
        bytesOf: (e) => e.bytes,
      },
      async (chunk) => {
        const output = await this.sns.send(
          new PublishBatchCommand({
            TopicArn: this.topicArn,
            PublishBatchRequestEntries: chunk.map((e) => e.entry),
          }),
        );
        return new Map(
          (output.Failed ?? []).map((f) => [
            f.Id ?? '',
            `${f.Code ?? 'Failed'}: ${f.Message ?? ''}`,
          ]),
        );
      },
      this.retry,
    );
  }
}
