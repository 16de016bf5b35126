import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { DemandThresholds } from '../../../shared/adapters/demand-repository.js';
import { ControlKeys } from '../../../shared/contracts/tables.js';
import { demandPolicy } from '../../support/demand.js';

const mock = mockClient(DynamoDBDocumentClient);
afterEach(() => mock.reset());

const policy = demandPolicy();
const NOW = Date.parse('2026-11-26T09:00:00Z');
const item = (sku: string) => ({ sku, location: 'WH-1', policy });

/** The demand thresholds of a fresh container at a clock the test moves. */
const thresholdsAt = (clock: { now: number }) =>
  new DemandThresholds(
    DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-west-1' })),
    'control',
    15 * 60_000,
    () => clock.now,
  );

describe('DemandThresholds window', () => {
  it('ends at the last day rolled up when that is before yesterday, read once per TTL', async () => {
    // Prepare: the roll-up last ran for the 23rd (the night of the 25th failed).
    mock.on(BatchGetCommand).resolves({
      Responses: { control: [{ ...ControlKeys.demandRollup(), through: '2026-11-23' }] },
    });
    mock.on(QueryCommand).resolves({ Items: [] });
    const clock = { now: NOW };
    const thresholds = thresholdsAt(clock);
    // Act: two batches' misses within the TTL, then one after it.
    await thresholds.get([item('A'), item('B')]);
    clock.now += 60_000;
    await thresholds.get([item('C')]);
    clock.now += 15 * 60_000;
    await thresholds.get([item('D')]);
    // Assess
    expect(mock.commandCalls(BatchGetCommand)).toHaveLength(2);
    const windows = mock
      .commandCalls(QueryCommand)
      .map((c) => [
        c.args[0].input.ExpressionAttributeValues?.[':from'],
        c.args[0].input.ExpressionAttributeValues?.[':to'],
      ]);
    expect(windows).toEqual(Array(4).fill(['DEMAND#2026-11-17', 'DEMAND#2026-11-23']));
  });

  it('ends yesterday when the roll-up is up to date, or never ran', async () => {
    mock.on(BatchGetCommand).resolves({});
    mock.on(QueryCommand).resolves({ Items: [] });
    await thresholdsAt({ now: NOW }).get([item('A')]);
    expect(mock.commandCalls(QueryCommand)[0]?.args[0].input.ExpressionAttributeValues).toEqual(
      expect.objectContaining({ ':to': 'DEMAND#2026-11-25' }),
    );
  });

  it('reads the marker again after a failed read', async () => {
    mock.on(BatchGetCommand).rejectsOnce(new Error('throttled')).resolves({});
    mock.on(QueryCommand).resolves({ Items: [] });
    const thresholds = thresholdsAt({ now: NOW });
    await expect(thresholds.get([item('A')])).rejects.toThrow('throttled');
    await thresholds.get([item('A')]);
    expect(mock.commandCalls(BatchGetCommand)).toHaveLength(2);
  });
});
