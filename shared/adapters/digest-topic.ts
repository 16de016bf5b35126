import {
  GetSubscriptionAttributesCommand,
  ListSubscriptionsByTopicCommand,
  type MessageAttributeValue,
  PublishBatchCommand,
  type SNSClient,
} from '@aws-sdk/client-sns';
import {
  type DigestSubscriber,
  digestAttributesOf,
  digestSubscriberOf,
  type FilterPolicy,
} from '../contracts/subscriptions.js';
import type { LocalizedDigest } from '../domain/digest.js';
import { isLocale } from '../domain/locales.js';
import { PublishFailedError } from '../errors.js';

/** Where the digest function finds its subscribers and sends their digests. */
export interface DigestTopic {
  /** Every digest subscriber of the topic, as its filter policy describes it. */
  subscribers(): Promise<DigestSubscriber[]>;
  /** Sends one subscriber its digest; throws when SNS does not take it. */
  send(subscriber: DigestSubscriber, digest: LocalizedDigest, id: string): Promise<void>;
}

/** The SNS entry of a digest: per-protocol bodies, and attributes only its subscriber's policy matches. */
export const digestEntryOf = (
  subscriber: DigestSubscriber,
  digest: LocalizedDigest,
  id: string,
) => ({
  Id: id,
  Subject: digest.subject,
  MessageStructure: 'json',
  Message: JSON.stringify({
    default: digest.summary,
    email: digest.email,
    sms: digest.sms,
    https: digest.https,
  }),
  MessageAttributes: Object.fromEntries(
    Object.entries(digestAttributesOf(subscriber)).map(
      ([name, values]): [string, MessageAttributeValue] => [
        name,
        { DataType: 'String.Array', StringValue: JSON.stringify(values) },
      ],
    ),
  ),
});

/**
 * The alerts topic as the digest function uses it: subscribers from the topic's own
 * subscriptions (their filter policies are the one record of what each chose, whether the
 * config or `subscribe` made them), one PublishBatch entry per digest.
 */
export class SnsDigestTopic implements DigestTopic {
  constructor(
    private readonly sns: SNSClient,
    private readonly topicArn: string,
  ) {}

  async subscribers(): Promise<DigestSubscriber[]> {
    const arns: string[] = [];
    let NextToken: string | undefined;
    do {
      const page = await this.sns.send(
        new ListSubscriptionsByTopicCommand({ TopicArn: this.topicArn, NextToken }),
      );
      for (const s of page.Subscriptions ?? [])
        if (s.SubscriptionArn?.startsWith('arn:')) arns.push(s.SubscriptionArn);
      NextToken = page.NextToken;
    } while (NextToken);
    const found: DigestSubscriber[] = [];
    for (const SubscriptionArn of arns) {
      const { Attributes } = await this.sns.send(
        new GetSubscriptionAttributesCommand({ SubscriptionArn }),
      );
      const policy = Attributes?.FilterPolicy;
      if (!policy || (Attributes?.FilterPolicyScope ?? 'MessageAttributes') !== 'MessageAttributes')
        continue;
      const subscriber = digestSubscriberOf(JSON.parse(policy) as FilterPolicy, isLocale);
      if (subscriber) found.push(subscriber);
    }
    return found;
  }

  async send(subscriber: DigestSubscriber, digest: LocalizedDigest, id: string): Promise<void> {
    const output = await this.sns.send(
      new PublishBatchCommand({
        TopicArn: this.topicArn,
        PublishBatchRequestEntries: [digestEntryOf(subscriber, digest, id)],
      }),
    );
    const failed = output.Failed?.[0];
    if (failed) throw new PublishFailedError(`${failed.Code ?? 'Failed'}: ${failed.Message ?? ''}`);
  }
}
