import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import { RulesRepository } from '../../../shared/adapters/rules-repository.js';
import { mockControlTable } from '../../support/control-table-fake.js';
import { aRule } from '../../support/factories.js';

const mug = {
  itemKey: 'MUG-1#WH-1',
  item: { sku: 'MUG-1', location: 'WH-1', category: 'kitchen' },
};
const pan = {
  itemKey: 'PAN-1#WH-1',
  item: { sku: 'PAN-1', location: 'WH-1', category: 'kitchen' },
};

let control: ReturnType<typeof mockControlTable>;
afterEach(() => control.mock.reset());

/** A repository over the fake control table with a clock the test moves. */
const repositoryAt = (clock: { now: number }, ttlMs = 60_000) => {
  control = mockControlTable();
  control.mock.on(PutCommand).resolves({});
  return new RulesRepository(
    DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-west-1' })),
    'control',
    ttlMs,
    () => {},
    () => clock.now,
  );
};

describe('RulesRepository.resolveMany', () => {
  it('resolves most-specific-first, each item once, with one batched read for a whole batch', async () => {
    const clock = { now: 0 };
    const rules = repositoryAt(clock);
    control.putRule(aRule({ name: 'Kitchen', scope: { category: 'kitchen' } }));
    control.putRule(aRule({ name: 'Mug', scope: { sku: 'MUG-1' } }));

    const resolved = await rules.resolveMany([mug, pan, mug]);

    expect(resolved.get('MUG-1#WH-1')).toMatchObject({ key: 'sku#MUG-1', rule: { name: 'Mug' } });
    expect(resolved.get('PAN-1#WH-1')).toMatchObject({
      key: 'category#kitchen',
      rule: { name: 'Kitchen' },
    });
    expect(control.mock).toHaveReceivedCommandTimes(BatchGetCommand, 1);
  });

  it('answers from the cache while fresh, and reads again once a consulted rule expires', async () => {
    const clock = { now: 0 };
    const rules = repositoryAt(clock, 60_000);
    control.putRule(aRule({ name: 'Kitchen', scope: { category: 'kitchen' } }));
    await rules.resolveMany([mug]);

    clock.now = 59_999;
    control.putRule(aRule({ name: 'Mug', scope: { sku: 'MUG-1' } }));
    expect((await rules.resolveMany([mug])).get(mug.itemKey)?.rule.name).toBe('Kitchen');
    expect(control.mock).toHaveReceivedCommandTimes(BatchGetCommand, 1);

    clock.now = 60_000;
    expect((await rules.resolveMany([mug])).get(mug.itemKey)?.rule.name).toBe('Mug');
    expect(control.mock).toHaveReceivedCommandTimes(BatchGetCommand, 2);
  });

  it('forgets every resolution when a rule is written through it', async () => {
    const clock = { now: 0 };
    const rules = repositoryAt(clock);
    control.putRule(aRule({ name: 'Kitchen', scope: { category: 'kitchen' } }));
    expect((await rules.resolveMany([mug])).get(mug.itemKey)?.rule.name).toBe('Kitchen');

    await rules.put(aRule({ name: 'Mug', scope: { sku: 'MUG-1' } }));
    control.putRule(aRule({ name: 'Mug', scope: { sku: 'MUG-1' } }));

    expect((await rules.resolveMany([mug])).get(mug.itemKey)?.rule.name).toBe('Mug');
  });

  it('resolves to nothing when no rule covers the item, and remembers that too', async () => {
    const clock = { now: 0 };
    const rules = repositoryAt(clock);
    expect((await rules.resolveMany([pan])).get(pan.itemKey)).toBeUndefined();
    await rules.resolveMany([pan]);
    expect(control.mock).toHaveReceivedCommandTimes(BatchGetCommand, 1);
  });
});
