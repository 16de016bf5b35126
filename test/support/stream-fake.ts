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
 * at `created`), `pageSize` per GetRecords (all at once by default), then caught up. Returns
 * the mock; `restore()` it when done.
 */
export const mockStreamOf = (
  records: readonly DynamoDBRecord[],
  created = new Date(),
  pageSize = Math.max(records.length, 1),
) => {
  const streams = mockClient(DynamoDBStreamsClient);
  streams
    .on(DescribeStreamCommand)
    .resolves({ StreamDescription: { Shards: [{ ShardId: 'shard-1' }] } });
  streams.on(GetShardIteratorCommand).resolves({ ShardIterator: 'it-0' });
  const pages = Math.ceil(records.length / pageSize);
  for (let page = 0; page < pages; page++) {
    streams.on(GetRecordsCommand, { ShardIterator: `it-${page}` }).resolves({
      Records: records.slice(page * pageSize, (page + 1) * pageSize).map((r) => ({
        ...r,
        dynamodb: { ...r.dynamodb, ApproximateCreationDateTime: created },
      })) as never,
      NextShardIterator: `it-${page + 1}`,
    });
  }
  streams
    .on(GetRecordsCommand, { ShardIterator: `it-${pages}` })
    .resolves({ Records: [], NextShardIterator: `it-${pages}` });
  return streams;
};
