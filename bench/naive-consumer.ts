import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBStreamEvent } from 'aws-lambda';

/**
 * The baseline: what the AWS samples that wire a DynamoDB stream to SNS do. Per record it reads
 * the rule, compares old and new quantity with the low threshold, publishes one SNS message and
 * one event per crossing, and writes the item's state. Kept only to measure against.
 */
export const createNaiveConsumer = (config: {
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  requestHandler: unknown;
  controlTable: string;
  topicArn: string;
  busName: string;
}) => {
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
      const oldImage = record.dynamodb?.OldImage
        ? unmarshall(record.dynamodb.OldImage as never)
        : undefined;
      const newImage = record.dynamodb?.NewImage
        ? unmarshall(record.dynamodb.NewImage as never)
        : undefined;
      if (!newImage) continue;
      const rule = await doc.send(
        new GetCommand({ TableName: config.controlTable, Key: { pk: 'RULE#default', sk: 'RULE' } }),
      );
      const low = Number(rule.Item?.rule?.thresholds?.LOW_STOCK ?? 10);
      const crossed =
        Number(newImage.quantity) <= low &&
        (oldImage === undefined || Number(oldImage.quantity) > low);
      if (crossed) {
        await sns.send(
          new PublishCommand({
            TopicArn: config.topicArn,
            Subject: `Low stock: ${newImage.sku}`,
            Message: `${newImage.sku} is at ${newImage.quantity}`,
          }),
        );
        await events.send(
          new PutEventsCommand({
            Entries: [
              {
                EventBusName: config.busName,
                Source: 'inventory.alerts',
                DetailType: 'StockLevelTriggered',
                Detail: JSON.stringify(newImage),
              },
            ],
          }),
        );
      }
      await doc.send(
        new PutCommand({
          TableName: config.controlTable,
          Item: { pk: `ITEM#${newImage.sku}#${newImage.location}`, sk: 'ALERTS', low: crossed },
        }),
      );
    }
  };
};
