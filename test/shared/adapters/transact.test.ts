import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { TRANSACT_LIMIT, transactWriteEach } from '../../../shared/adapters/transact.js';
import { cancelled } from '../../support/transactions.js';

const doc = mockClient(DynamoDBDocumentClient);
afterEach(() => doc.reset());

/** A state Put and its digest-buffer Put, as the stock-monitor's commit writes them. */
const actionsOf = (n: number) => [
  { Put: { TableName: 't', Item: { pk: `ITEM#${n}`, sk: 'ALERTS' } } },
  { Put: { TableName: 't', Item: { pk: `ITEM#${n}`, sk: 'DIGEST#a' } } },
];

describe('transactWriteEach with several actions per entry', () => {
  it('keeps an entry’s actions in one transaction of at most 100, and leaves out the entry whose condition failed', async () => {
    // Prepare: 60 entries of two actions; in the second transaction, entry 55's first action fails its condition
    const entries = Array.from({ length: 60 }, (_, i) => i);
    doc
      .on(TransactWriteCommand)
      .resolvesOnce({})
      .rejectsOnce(
        cancelled(
          ...Array.from({ length: 20 }, (_, i) => (i === 10 ? 'ConditionalCheckFailed' : 'None')),
        ),
      )
      .resolves({});

    // Act
    const failed = await transactWriteEach(
      DynamoDBDocumentClient.from(new DynamoDBClient({})),
      entries,
      actionsOf,
    );

    // Assess
    expect(failed).toEqual([55]);
    const sizes = doc
      .commandCalls(TransactWriteCommand)
      .map((c) => c.args[0].input.TransactItems?.length);
    expect(sizes).toEqual([TRANSACT_LIMIT, 20, 18]);
    const retried = doc.commandCalls(TransactWriteCommand)[2]?.args[0].input.TransactItems ?? [];
    expect(retried.map((a) => a.Put?.Item?.pk)).not.toContain('ITEM#55');
  });

  it('refuses an entry of more actions than one transaction takes, before sending anything', async () => {
    const tooMany = Array.from({ length: TRANSACT_LIMIT + 1 }, (_, i) => ({
      Put: { TableName: 't', Item: { pk: 'ITEM#1', sk: `DIGEST#${i}` } },
    }));
    await expect(
      transactWriteEach(DynamoDBDocumentClient.from(new DynamoDBClient({})), [1], () => tooMany),
    ).rejects.toThrow('an entry of 101 actions cannot be one transaction');
    expect(doc.commandCalls(TransactWriteCommand)).toHaveLength(0);
  });
});
