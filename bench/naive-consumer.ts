import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';

/** Where the naive consumer sends what it finds, and the clients it sends it with. */
interface NaiveConfig {
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  requestHandler: unknown;
  controlTable: string;
  topicArn: string;
  busName: string;
}

/** One image of a stream record as a plain item, if the record carries it. */
const imageOf = (record: DynamoDBRecord, which: 'NewImage' | 'OldImage') => {
  const raw = record.dynamodb?.[which];
  return raw ? unmarshall(raw as never) : undefined;
};

/** The crossing as the samples announce it: one SNS message, then one event on the bus. */
const announce = async (
  config: NaiveConfig,
  sns: SNSClient,
  events: EventBridgeClient,
  item: Record<string, unknown>,
) => {
  await sns.send(
    new PublishCommand({
      TopicArn: config.topicArn,
      Subject: `Low stock: ${item.sku}`,
      Message: `${item.sku} is at ${item.quantity}`,
    }),
  );
  await events.send(
    new PutEventsCommand({
      Entries: [
        {
          EventBusName: config.busName,
          Source: 'inventory.alerts',
          DetailType: 'StockLevelTriggered',
          Detail: JSON.stringify(item),
        },
      ],
    }),
  );
};

/**
 * The baseline: what the AWS samples that wire a DynamoDB stream to SNS do. Per record it reads
 * the rule, compares old and new quantity with the low threshold, publishes one SNS message and
 * one event per crossing, and writes the item's state. Kept only to measure against.
 */
export const createNaiveConsumer = (config: NaiveConfig) => {
  const common = {
    region: config.region,
    credentials: config.credentials,
    requestHandler: config.requestHandler as never,
  };
  const doc = DynamoDBDocumentClient.from(new DynamoDBClient(common));
  const sns = new SNSClient(common);
  const events = new EventBridgeClient(common);
  return async (event: DynamoDBStreamEvent) => {
    for (const record of event.Records) {
      const oldImage = imageOf(record, 'OldImage');
      const newImage = imageOf(record, 'NewImage');
      if (!newImage) continue;
      const rule = await doc.send(
        new GetCommand({ TableName: config.controlTable, Key: { pk: 'RULE#default', sk: 'RULE' } }),
      );
      const low = Number(rule.Item?.rule?.thresholds?.LOW_STOCK ?? 10);
      const crossed =
        Number(newImage.quantity) <= low &&
        (oldImage === undefined || Number(oldImage.quantity) > low);
      if (crossed) await announce(config, sns, events, newImage);
      await doc.send(
        new PutCommand({
          TableName: config.controlTable,
          Item: { pk: `ITEM#${newImage.sku}#${newImage.location}`, sk: 'ALERTS', low: crossed },
        }),
      );
    }
  };
};
