import {
  EventBridgeClient,
  PutEventsCommand,
  type PutEventsCommandInput,
} from '@aws-sdk/client-eventbridge';
import { PublishBatchCommand, type PublishBatchCommandInput, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';

/**
 * The alerts topic behind an SNSClient mock: PublishBatch accepts every entry, as a healthy
 * topic does. A test about a failure overrides it with its own `.on(PublishBatchCommand)`.
 */
export const mockAlertsTopic = () => {
  const mock = mockClient(SNSClient);
  mock.on(PublishBatchCommand).callsFake((input: PublishBatchCommandInput) => ({
    Successful: (input.PublishBatchRequestEntries ?? []).map((e) => ({
      Id: e.Id,
      MessageId: `m-${e.Id}`,
    })),
    Failed: [],
  }));
  return mock;
};

/**
 * The inventory bus behind an EventBridgeClient mock: PutEvents accepts every entry, as a
 * healthy bus does. A test about a failure overrides it with its own `.on(PutEventsCommand)`.
 */
export const mockInventoryBus = () => {
  const mock = mockClient(EventBridgeClient);
  mock.on(PutEventsCommand).callsFake((input: PutEventsCommandInput) => ({
    FailedEntryCount: 0,
    Entries: (input.Entries ?? []).map((_, i) => ({ EventId: `e-${i}` })),
  }));
  return mock;
};
