import { DynamoDBClient, TransactionConflictException } from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  PutCommand,
  ScanCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import {
  buildRulesDirectory,
  DIRECTORY_SHARDS,
  DIRECTORY_WRITE_ATTEMPTS,
} from '../../../shared/adapters/rules-directory.js';
import { RulesReindexIncompleteError } from '../../../shared/errors.js';
import { mockControlTable } from '../../support/control-table-fake.js';
import { cancelled } from '../../support/transactions.js';

let control: ReturnType<typeof mockControlTable>;
afterEach(() => control.mock.reset());

const doc = () => DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-west-1' }));

/** A control table holding one sku rule and no directory, as `rules reindex` finds it. */
const tableToIndex = () => {
  control = mockControlTable();
  control.mock.on(PutCommand).resolves({});
  control.mock.on(ScanCommand).resolves({ Items: [{ ruleKey: 'sku#MUG-1' }] });
};

describe('buildRulesDirectory (rules reindex) meeting rule writes', () => {
  it('tries a shard, and marking the head ready, again when a rule write held the head', async () => {
    tableToIndex();
    control.mock
      .on(TransactWriteCommand)
      .rejectsOnce(cancelled('None', 'TransactionConflict'))
      .resolves({});
    control.mock
      .on(UpdateCommand)
      .rejectsOnce(new TransactionConflictException({ message: 'in a transaction', $metadata: {} }))
      .resolves({});

    const build = await buildRulesDirectory(doc(), 'control');

    expect(build).toEqual({ keys: 1, shards: DIRECTORY_SHARDS, merged: 0 });
    expect(control.mock).toHaveReceivedCommandTimes(TransactWriteCommand, DIRECTORY_SHARDS + 1);
    expect(control.mock).toHaveReceivedCommandTimes(UpdateCommand, 2);
    expect(
      control.mock.commandCalls(UpdateCommand)[1]?.args[0].input.ExpressionAttributeValues,
    ).toEqual({
      ':ready': 'ready',
    });
  });

  it('says the directory stays building, and to run it again, when conflicts outlast every retry', async () => {
    tableToIndex();
    control.mock.on(TransactWriteCommand).rejects(cancelled('None', 'TransactionConflict'));

    const build = buildRulesDirectory(doc(), 'control');

    await expect(build).rejects.toThrow(RulesReindexIncompleteError);
    await expect(build).rejects.toThrow(/stays 'building'.*Run rules reindex again/);
    expect(control.mock).toHaveReceivedCommandTimes(TransactWriteCommand, DIRECTORY_WRITE_ATTEMPTS);
    expect(control.mock).not.toHaveReceivedCommand(UpdateCommand);
  });

  it('creates the head with a random generation, so a rebuilt directory is told from the one before', async () => {
    tableToIndex();
    control.mock.on(TransactWriteCommand).resolves({});
    control.mock.on(UpdateCommand).resolves({});

    await buildRulesDirectory(doc(), 'control');
    await buildRulesDirectory(doc(), 'control');

    const generations = control.mock
      .commandCalls(PutCommand)
      .map((call) => call.args[0].input.Item?.generation);
    expect(generations).toHaveLength(2);
    expect(new Set(generations).size).toBe(2);
    expect(generations[0]).toMatch(/^[0-9a-f-]{36}$/);
  });
});
