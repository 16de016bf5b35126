import {
  type MessageAttributeValue,
  PublishBatchCommand,
  type PublishBatchRequestEntry,
  type SNSClient,
} from '@aws-sdk/client-sns';
import { DetailType } from '../contracts/events.js';
import { FilterKey, filterAttributesOf } from '../contracts/subscriptions.js';
import { DEFAULT_LOCALE, isLocale, LOCALES, type Locale } from '../domain/locales.js';
import {
  type AlertMessage,
  type LocalizedAlert,
  type RenderOptions,
  renderAlert,
  SUBJECT_MAX_LENGTH,
} from '../domain/messages.js';
import { InvalidEnvironmentConfigError } from '../errors.js';
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
 *   characters long": 99 at most (see `SUBJECT_MAX_LENGTH`, which the text is cut to).
 * https://docs.aws.amazon.com/sns/latest/api/API_PublishBatch.html,
 * https://docs.aws.amazon.com/sns/latest/api/API_Publish.html,
 * https://docs.aws.amazon.com/sns/latest/dg/large-message-payloads.html,
 * https://docs.aws.amazon.com/sns/latest/api/API_MessageAttributeValue.html
 */
export const SnsLimits = {
  entriesPerBatch: 10,
  messageBytes: 262_144,
  batchBytes: 262_144,
  subjectLength: SUBJECT_MAX_LENGTH,
} as const;

/** SNS allows at most 10 entries per PublishBatch. */
export const SNS_BATCH_LIMIT = SnsLimits.entriesPerBatch;

/** SNS takes at most 10 message attributes on a message; an alert carries 9. */
export const SNS_MESSAGE_ATTRIBUTES_LIMIT = 10;

/**
 * Every alert, as published in one locale (JSON body with `default`, `email`, `sms` and the
 * webhook's `https`, subject, attributes), stays within this many bytes as SNS counts them: far
 * under SNS's 256 KiB, so at least five always fit in one PublishBatch (an ordinary alert is
 * about 3 KB, so ten do). The message text's `DISPLAY_BYTES` and the event contract's bounds
 * keep it there; the tests hold them together.
 */
export const ALERT_MESSAGE_MAX_BYTES = 51 * 1024;

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

/**
 * The body webhook subscribers receive (raw delivery of the `https` key): the level change as
 * the bus carries it, its detail-type, and the one-line summary in the subscriber's language.
 */
export const webhookBodyOf = (message: AlertMessage, text: LocalizedAlert): string =>
  JSON.stringify({
    detailType:
      message.transition.kind === 'TRIGGERED'
        ? DetailType.StockLevelTriggered
        : DetailType.StockLevelResolved,
    ...message.detail,
    locale: text.locale,
    summary: text.summary,
  });

/**
 * The SNS request entry of an alert in one locale: per-protocol bodies, and the attributes
 * subscribers filter on (see `FilterKey`) besides the readable ones.
 */
export const toPublishEntry = (
  message: AlertMessage,
  text: LocalizedAlert,
  digestsKept = true,
): PublishBatchRequestEntry => {
  const string = (value: string): MessageAttributeValue => ({
    DataType: 'String',
    StringValue: value,
  });
  const array = (values: readonly string[]): MessageAttributeValue => ({
    DataType: 'String.Array',
    StringValue: JSON.stringify(values),
  });
  const { attributes } = message;
  const filters = filterAttributesOf({ ...attributes, locale: text.locale }, digestsKept);
  return {
    Id: `${message.id}-${text.locale}`,
    Subject: text.subject,
    MessageStructure: 'json',
    // `default` serves protocols without a body of their own (SQS, Lambda): a summary, not a
    // second copy of the e-mail.
    Message: JSON.stringify({
      default: text.summary,
      email: text.email,
      sms: text.sms,
      https: webhookBodyOf(message, text),
    }),
    MessageAttributes: {
      level: string(attributes.level),
      severity: string(attributes.severity),
      sku: string(attributes.sku),
      location: string(attributes.location),
      category: string(attributes.category),
      transition: string(attributes.transition),
      [FilterKey.locale]: string(filters.locale),
      [FilterKey.delivery]: array(filters.delivery),
      [FilterKey.alert]: array(filters.alert),
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

/** Which languages the environment publishes in, and how it writes money. */
export interface AlertLanguages extends RenderOptions {
  /** The locales in use: one message per alert for each. */
  readonly locales: readonly Locale[];
}

export const DEFAULT_LANGUAGES: AlertLanguages = { locales: [DEFAULT_LOCALE], currency: 'USD' };

/**
 * The languages from the function's environment (`ALERT_LOCALES`, `CURRENCY_CODE`, as the stack
 * sets them); absent values take the defaults. Throws on a locale no catalogue has, so a bad
 * deployment fails at start rather than leave subscribers without alerts.
 */
export const alertLanguagesOf = (
  locales: string | undefined,
  currency: string | undefined,
): AlertLanguages => {
  const listed = (locales ?? '')
    .split(',')
    .map((l) => l.trim())
    .filter(Boolean);
  const unknown = listed.filter((l) => !isLocale(l));
  if (unknown.length > 0)
    throw new InvalidEnvironmentConfigError(
      `ALERT_LOCALES: no catalogue for ${unknown.join(', ')}; use ${LOCALES.join(', ')}`,
    );
  return {
    locales: listed.length > 0 ? (listed as Locale[]) : DEFAULT_LANGUAGES.locales,
    currency: currency || DEFAULT_LANGUAGES.currency,
  };
};

/**
 * Publishes alerts to the alerts topic, one message per alert and locale in use (SNS delivers
 * every message to every subscriber whose filter matches, so each subscriber's policy names its
 * locale), retrying only failed entries. Each call carries at most ten entries and at most
 * 256 KiB in total, so a message SNS refuses for its own size or subject fails alone, never its
 * neighbours (an entry Id or attribute SNS refuses fails the whole call; the ids and attributes
 * built here are all of the kind SNS takes, which the sandbox checks). An alert
 * fails when any of its messages still fails; a redelivery then sends all of them again.
 */
export class AlertPublisher {
  constructor(
    private readonly sns: SNSClient,
    private readonly topicArn: string,
    private readonly retry: RetryOptions = DEFAULT_RETRY,
    private readonly languages: AlertLanguages = DEFAULT_LANGUAGES,
    /** Whether the environment keeps crossings for digests; if not, digest subscribers take alerts at once. */
    private readonly digestsKept = true,
  ) {}

  async publish(messages: readonly AlertMessage[]): Promise<EntriesOutcome> {
    const alertOf = new Map<string, string>();
    const entries = messages.flatMap((message) =>
      this.languages.locales.map((locale) => {
        const entry = toPublishEntry(
          message,
          renderAlert(message, locale, this.languages),
          this.digestsKept,
        );
        const id = entry.Id as string;
        alertOf.set(id, message.id);
        return { id, entry, bytes: publishEntryBytes(entry) };
      }),
    );
    const outcome = await sendWithEntryRetries(
      entries,
      {
        maxEntries: SnsLimits.entriesPerBatch,
        maxBytes: SnsLimits.batchBytes,
        bytesOf: (e) => e.bytes,
      },
      (chunk) => this.send(chunk.map((e) => e.entry)),
      this.retry,
    );
    const failed = new Map<string, string>();
    for (const [id, reason] of outcome.failed) failed.set(alertOf.get(id) ?? id, reason);
    return { failed, retries: outcome.retries };
  }

  /** One PublishBatch call; returns the ids that failed, with SNS's reason. */
  private async send(entries: PublishBatchRequestEntry[]): Promise<Map<string, string>> {
    const output = await this.sns.send(
      new PublishBatchCommand({ TopicArn: this.topicArn, PublishBatchRequestEntries: entries }),
    );
    return new Map(
      (output.Failed ?? []).map((f) => [f.Id ?? '', `${f.Code ?? 'Failed'}: ${f.Message ?? ''}`]),
    );
  }
}
