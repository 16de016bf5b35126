import { SNSClient } from '@aws-sdk/client-sns';
import { type DigestTopic, SnsDigestTopic } from '../shared/adapters/digest-topic.js';
import {
  type DigestSubscriber,
  digestSubscriberOf,
  type FilterPolicy,
} from '../shared/contracts/subscriptions.js';
import type { LocalizedDigest } from '../shared/domain/digest.js';
import { isLocale } from '../shared/domain/locales.js';

/**
 * The local topic as the digest-sender sees it: subscribers from the sandbox's subscriptions
 * (the ones SNS would list), digests sent through the same PublishBatch on the local transport
 * as in AWS, so the outbox delivers them by the same filter policies.
 */
export class SandboxDigestTopic implements DigestTopic {
  private readonly sns: SnsDigestTopic;

  constructor(
    private readonly subscriptions: () => readonly { filterPolicy: FilterPolicy }[],
    snsConfig: ConstructorParameters<typeof SNSClient>[0],
    topicArn: string,
  ) {
    this.sns = new SnsDigestTopic(new SNSClient(snsConfig ?? {}), topicArn);
  }

  async subscribers(): Promise<DigestSubscriber[]> {
    return this.subscriptions().flatMap((s) => digestSubscriberOf(s.filterPolicy, isLocale) ?? []);
  }

  send(subscriber: DigestSubscriber, digest: LocalizedDigest, id: string): Promise<void> {
    return this.sns.send(subscriber, digest, id);
  }
}
