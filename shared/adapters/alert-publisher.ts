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

/** SNS allows at most 10 entries per PublishBatch. */
export const SNS_BATCH_LIMIT = 10;

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
    Message: JSON.stringify({ default: message.email, email: message.email, sms: message.sms }),
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

/** Publishes alerts to the alerts topic, ten per call, retrying only failed entries. */
export class AlertPublisher {
  constructor(
    private readonly sns: SNSClient,
    private readonly topicArn: string,
    private readonly retry: RetryOptions = DEFAULT_RETRY,
  ) {}

  publish(messages: readonly AlertMessage[]): Promise<EntriesOutcome> {
    return sendWithEntryRetries(
      messages,
      SNS_BATCH_LIMIT,
      async (chunk) => {
        const output = await this.sns.send(
          new PublishBatchCommand({
            TopicArn: this.topicArn,
            PublishBatchRequestEntries: chunk.map(toPublishEntry),
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
