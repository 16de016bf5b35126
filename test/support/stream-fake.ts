import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';

/**
 * A DynamoDB stream of one shard holding `records` (as the Streams API returns them, created
 * at `created`), then caught up. Returns the mock; `restore()` it when done.
 */
export const mockStreamOf = (records: readonly DynamoDBRecord[], created = new Date()) => {
  const streams = mockClient(DynamoDBStreamsClient);
  streams
    .on(DescribeStreamCommand)
    .resolves({ StreamDescription: { Shards: [{ ShardId: 'shard-1' }] } });
  streams.on(GetShardIteratorCommand).resolves({ ShardIterator: 'it-0' });
  streams
    .on(GetRecordsCommand, { ShardIterator: 'it-0' })
    .resolves({
      Records: records.map((r) => ({
        ...r,
        dynamodb: { ...r.dynamodb, ApproximateCreationDateTime: created },
      })) as never,
      NextShardIterator: 'it-1',
    })
    .on(GetRecordsCommand, { ShardIterator: 'it-1' })
    .resolves({ Records: [], NextShardIterator: 'it-1' });
  return streams;
};
