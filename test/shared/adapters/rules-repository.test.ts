import { DynamoDBClient, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  DynamoDBDocumentClient,
  GetCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import {
  DIRECTORY_WRITE_ATTEMPTS,
  directoryItems,
  shardOf,
} from '../../../shared/adapters/rules-directory.js';
import { RulesRepository } from '../../../shared/adapters/rules-repository.js';
import { ControlKeys } from '../../../shared/contracts/tables.js';
import type { RuleInput } from '../../../shared/domain/rules.js';
import { OverlayChangedError, RulesDirectoryContendedError } from '../../../shared/errors.js';
import { mockControlTable } from '../../support/control-table-fake.js';
import { aRule } from '../../support/factories.js';
import { cancelled } from '../../support/transactions.js';

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

/** The batched reads of rules (the rules directory's head is read apart, once per TTL). */
const ruleReads = () =>
  control.mock
    .commandCalls(BatchGetCommand)
    .filter((call) =>
      Object.values(call.args[0].input.RequestItems ?? {}).some((request) =>
        (request.Keys ?? []).some((key) => String(key.pk).startsWith('RULE#')),
      ),
    ).length;

/** A sku (not `ruleKey`'s) whose key lives in the same directory shard as `ruleKey`. */
const sameShardAs = (ruleKey: string): string => {
  let n = 0;
  while (shardOf(`sku#OTHER-${n}`) !== shardOf(ruleKey)) n++;
  return `OTHER-${n}`;
};

/** A repository over the fake control table with a clock the test moves. */
const repositoryAt = (clock: { now: number }, ttlMs = 60_000) => {
  control = mockControlTable();
  control.mock.on(UpdateCommand).resolves({});
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
    expect(ruleReads()).toBe(1);
    // Cached for a TTL anyway, so read eventually consistent: half the read units (#18).
    expect(control.mock).toHaveReceivedCommandWith(BatchGetCommand, {
      RequestItems: { control: expect.objectContaining({ ConsistentRead: false }) },
    });
  });

  it('reads overlays strongly consistent, since a conditional write follows what it read', async () => {
    await repositoryAt({ now: 0 }).readOverlays(['sku#MUG-1']);
    expect(control.mock).toHaveReceivedCommandWith(BatchGetCommand, {
      RequestItems: { control: expect.objectContaining({ ConsistentRead: true }) },
    });
  });

  it('answers from the cache while fresh, and reads again once a consulted rule expires', async () => {
    const clock = { now: 0 };
    const rules = repositoryAt(clock, 60_000);
    control.putRule(aRule({ name: 'Kitchen', scope: { category: 'kitchen' } }));
    await rules.resolveMany([mug]);

    clock.now = 59_999;
    control.putRule(aRule({ name: 'Mug', scope: { sku: 'MUG-1' } }));
    expect((await rules.resolveMany([mug])).get(mug.itemKey)?.rule.name).toBe('Kitchen');
    expect(ruleReads()).toBe(1);

    clock.now = 60_000;
    expect((await rules.resolveMany([mug])).get(mug.itemKey)?.rule.name).toBe('Mug');
    expect(ruleReads()).toBe(2);
  });

  it('forgets every resolution, and the directory it read, when a rule is written through it', async () => {
    const clock = { now: 0 };
    const rules = repositoryAt(clock);
    control.mock.on(TransactWriteCommand).resolves({});
    control.putRule(aRule({ name: 'Kitchen', scope: { category: 'kitchen' } }));
    for (const item of directoryItems([])) control.putItem(item);
    expect((await rules.resolveMany([mug])).get(mug.itemKey)?.rule.name).toBe('Kitchen');

    await rules.put(aRule({ name: 'Mug', scope: { sku: 'MUG-1' } }));
    // What the transaction wrote: the rule, and the directory naming it.
    control.putRule(aRule({ name: 'Mug', scope: { sku: 'MUG-1' } }));
    for (const item of directoryItems(['sku#MUG-1'])) control.putItem(item);

    expect((await rules.resolveMany([mug])).get(mug.itemKey)?.rule.name).toBe('Mug');
  });

  it('reads only the item keys the rules directory names, and every key without a directory', async () => {
    const clock = { now: 0 };
    const rules = repositoryAt(clock);
    control.putRule(aRule({ name: 'Kitchen', scope: { category: 'kitchen' } }));
    control.putRule(aRule({ name: 'Mug', scope: { sku: 'MUG-1' } }));
    const keysRead = () =>
      control.mock
        .commandCalls(BatchGetCommand)
        .flatMap((c) => Object.values(c.args[0].input.RequestItems ?? {}))
        .flatMap((request) => (request.Keys ?? []).map((key) => String(key.pk)));

    await rules.resolveMany([pan]);
    expect(keysRead()).toContain('RULE#sku#PAN-1#location#WH-1');

    for (const item of directoryItems(['sku#MUG-1'])) control.putItem(item);
    control.mock.resetHistory();
    clock.now = 60_000;
    const resolved = await rules.resolveMany([mug, pan]);

    expect(resolved.get(mug.itemKey)?.rule.name).toBe('Mug');
    expect(resolved.get(pan.itemKey)?.rule.name).toBe('Kitchen');
    expect(keysRead().filter((key) => key.startsWith('RULE#sku#'))).toEqual(['RULE#sku#MUG-1']);
    // The head by BatchGetItem too: the stock-monitor's IAM policy grants no GetItem.
    expect(keysRead()).toContain('RULEDIR');
    expect(control.mock).not.toHaveReceivedCommand(GetCommand);
  });

  it('reads the directory head once per TTL, and a shard again only when its version moved', async () => {
    const clock = { now: 0 };
    const rules = repositoryAt(clock);
    control.putRule(aRule({ name: 'Kitchen', scope: { category: 'kitchen' } }));
    const [head, shard] = directoryItems(['sku#MUG-1']) as [
      Record<string, unknown>,
      Record<string, unknown>,
    ];
    control.putItem(head);
    control.putItem(shard);
    const directoryReads = () =>
      control.mock
        .commandCalls(BatchGetCommand)
        .flatMap((c) => Object.values(c.args[0].input.RequestItems ?? {}))
        .flatMap((request) => (request.Keys ?? []).filter((key) => key.pk === 'RULEDIR'))
        .map((key) => String(key.sk));

    await rules.resolveMany([pan]);
    clock.now = 60_000; // the TTL: the head is read again, the unchanged shard is not
    await rules.resolveMany([pan]);
    expect(directoryReads()).toEqual(['HEAD', String(shard.sk), 'HEAD']);

    // A rule put at the shard's item: its version moves, in the shard and in the head.
    control.putRule(aRule({ name: 'Pan', scope: { sku: 'PAN-1' } }));
    const moved = shardOf('sku#PAN-1');
    control.putItem({
      ...ControlKeys.rulesDirectoryShard(moved),
      version: 2,
      keys: new Set(['sku#PAN-1', ...(moved === shardOf('sku#MUG-1') ? ['sku#MUG-1'] : [])]),
    });
    const versions = head.versions as Record<string, number>;
    control.putItem({ ...head, versions: { ...versions, [String(moved)]: 2 } });
    control.mock.resetHistory();
    clock.now = 120_000;

    expect((await rules.resolveMany([pan])).get(pan.itemKey)?.rule.name).toBe('Pan');
    expect(directoryReads()).toEqual(['HEAD', `SHARD#${moved}`]);
  });

  it('drops the shards it holds when the directory was deleted and built again (its versions restart at 1)', async () => {
    const clock = { now: 0 };
    const rules = repositoryAt(clock, 30_000);
    control.putRule(aRule({ name: 'Kitchen', scope: { category: 'kitchen' } }));
    control.putRule(aRule({ name: 'Mug', scope: { sku: 'MUG-1' } }));
    for (const item of directoryItems(['sku#MUG-1'])) control.putItem(item);
    const inMugsShard = sameShardAs('sku#MUG-1');
    const other = { itemKey: `${inMugsShard}#WH-1`, item: { ...pan.item, sku: inMugsShard } };
    expect((await rules.resolveMany([mug, other])).get(other.itemKey)?.rule.name).toBe('Kitchen');

    // The RULEDIR items deleted and rules reindex run again: every version back at 1, and a
    // rule put in the same shard.
    control.putRule(aRule({ name: 'Other', scope: { sku: inMugsShard } }));
    for (const item of directoryItems(['sku#MUG-1', `sku#${inMugsShard}`])) control.putItem(item);
    clock.now = 30_000;

    expect((await rules.resolveMany([other])).get(other.itemKey)?.rule.name).toBe('Other');
  });

  it('resolves to nothing when no rule covers the item, and remembers that too', async () => {
    const clock = { now: 0 };
    const rules = repositoryAt(clock);
    expect((await rules.resolveMany([pan])).get(pan.itemKey)).toBeUndefined();
    await rules.resolveMany([pan]);
    expect(ruleReads()).toBe(1);
  });
});

/** An overlay as stored on its scope's control item, beside the scope's rule if any. */
const storedOverlay = (ruleKey: string, overlay: Record<string, unknown>, rule?: RuleInput) => ({
  ...ControlKeys.rule(ruleKey),
  ruleKey,
  overlay,
  overlayVersion: 1,
  ...(rule ? { rule } : {}),
});

const later = new Date(Date.UTC(2030, 0, 1)).toISOString();

describe('RulesRepository overlays', () => {
  it('lays the overlays of the chain over the rule the item resolves to, in the same read', async () => {
    const rules = repositoryAt({ now: 0 });
    control.putRule(
      aRule({ scope: { category: 'kitchen' }, thresholds: { LOW_STOCK: 10, OVERSTOCK: 100 } }),
    );
    control.putItem(
      storedOverlay('sku#MUG-1#location#WH-1', {
        scope: { sku: 'MUG-1', location: 'WH-1' },
        thresholds: { LOW_STOCK: 20 },
      }),
    );
    control.putItem(storedOverlay('sku#MUG-1', { scope: { sku: 'MUG-1' }, snoozeUntil: later }));

    const resolved = await rules.resolveMany([mug, pan]);

    expect(resolved.get(mug.itemKey)).toMatchObject({
      key: 'category#kitchen',
      rule: { thresholds: { LOW_STOCK: 20, OVERSTOCK: 100 }, snoozeUntil: later },
      overlays: ['sku#MUG-1#location#WH-1', 'sku#MUG-1'],
    });
    expect(resolved.get(pan.itemKey)?.rule.thresholds).toEqual({ LOW_STOCK: 10, OVERSTOCK: 100 });
    expect(resolved.get(pan.itemKey)?.overlays).toBeUndefined();
    expect(ruleReads()).toBe(1);
    expect(await rules.resolve(mug.item)).toEqual(resolved.get(mug.itemKey));
  });

  it('reports an invalid overlay and one that contradicts the rule, and applies the rule without it', async () => {
    control = mockControlTable();
    const invalid: string[] = [];
    const rules = new RulesRepository(
      DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-west-1' })),
      'control',
      60_000,
      (error) => invalid.push(error.message),
    );
    control.putRule(
      aRule({ scope: { category: 'kitchen' }, thresholds: { LOW_STOCK: 10, OVERSTOCK: 100 } }),
    );
    control.putItem(
      storedOverlay('sku#MUG-1', {
        scope: { sku: 'MUG-1' },
        snoozeUntil: later,
        thresholds: { LOW_STOCK: 150 },
      }),
    );
    control.putItem(storedOverlay('sku#PAN-1', { scope: { sku: 'PAN-1' }, snoozeUntil: 'soon' }));

    const resolved = await rules.resolveMany([mug, pan]);

    expect(resolved.get(mug.itemKey)?.rule).toMatchObject({
      thresholds: { LOW_STOCK: 10, OVERSTOCK: 100 },
      snoozeUntil: later,
    });
    expect(resolved.get(pan.itemKey)?.rule.snoozeUntil).toBeUndefined();
    expect(invalid).toEqual([
      expect.stringContaining('Rule sku#PAN-1 (overlay) is invalid: snoozeUntil'),
      expect.stringContaining(
        'Rule sku#MUG-1 (overlay) is invalid: thresholds.OVERSTOCK: must be above LOW_STOCK + hysteresis (152)',
      ),
    ]);
  });

  it('refuses, naming the fields, an overlay whose thresholds would contradict the rule in force', async () => {
    const rules = repositoryAt({ now: 0 });
    control.putRule(
      aRule({ scope: { category: 'kitchen' }, thresholds: { LOW_STOCK: 10, OVERSTOCK: 100 } }),
    );
    const scope = { sku: 'MUG-1', location: 'WH-1' };

    await expect(
      rules.resolveWithOverlay(mug.item, { scope, thresholds: { LOW_STOCK: 99 } }),
    ).rejects.toThrow('thresholds.OVERSTOCK: must be above LOW_STOCK + hysteresis (101)');
    expect(
      (await rules.resolveWithOverlay(mug.item, { scope, thresholds: { LOW_STOCK: 30 } }))?.rule
        .thresholds,
    ).toEqual({ LOW_STOCK: 30, OVERSTOCK: 100 });
  });

  it('writes overlays in one transaction, conditioned on what was read, expiring only bare snoozes', async () => {
    const rules = repositoryAt({ now: 0 });
    control.mock.on(TransactWriteCommand).resolves({});

    await rules.writeOverlays([
      {
        overlay: { scope: { sku: 'MUG-1' }, snoozeUntil: later },
        read: { overlay: undefined, version: undefined, holdsRule: false },
      },
      {
        overlay: { scope: { sku: 'PAN-1' }, snoozeUntil: later },
        read: { overlay: undefined, version: 3, holdsRule: true },
      },
      {
        overlay: { scope: { sku: 'CUP-1', location: 'WH-1' }, thresholds: { LOW_STOCK: 4 } },
        read: { overlay: undefined, version: undefined, holdsRule: false },
      },
    ]);

    const [call] = control.mock.commandCalls(TransactWriteCommand);
    const items = call?.args[0].input.TransactItems ?? [];
    // No rules directory in this table: the write checks that none appeared since.
    expect(items.at(-1)?.ConditionCheck?.Key).toEqual(ControlKeys.rulesDirectoryHead());
    const updates = items.slice(0, -1).map((i) => i.Update);
    expect(updates.map((u) => [u?.Key, u?.ConditionExpression])).toEqual([
      [
        ControlKeys.rule('sku#MUG-1'),
        'attribute_not_exists(overlayVersion) AND attribute_not_exists(#rule)',
      ],
      [ControlKeys.rule('sku#PAN-1'), 'overlayVersion = :readVersion'],
      [ControlKeys.rule('sku#CUP-1#location#WH-1'), 'attribute_not_exists(overlayVersion)'],
    ]);
    expect(updates[0]?.ExpressionAttributeValues?.[':expiresAt']).toBe(Date.parse(later) / 1000);
    expect(updates[1]?.ExpressionAttributeValues?.[':expiresAt']).toBeUndefined();
    expect(updates[1]?.ExpressionAttributeValues?.[':version']).toBe(4);
    expect(updates[2]?.UpdateExpression).toContain('REMOVE expiresAt');
  });

  it('names the overlays that changed since they were read, and refuses an invalid one before writing', async () => {
    const rules = repositoryAt({ now: 0 });
    control.mock.on(TransactWriteCommand).rejects(
      new TransactionCanceledException({
        message: 'cancelled',
        $metadata: {},
        CancellationReasons: [{ Code: 'None' }, { Code: 'ConditionalCheckFailed' }],
      }),
    );
    const read = { overlay: undefined, version: undefined, holdsRule: false };
    const write = (sku: string) => ({ overlay: { scope: { sku }, snoozeUntil: later }, read });

    await expect(rules.writeOverlays([write('A'), write('B')])).rejects.toThrow(
      OverlayChangedError,
    );
    await expect(rules.writeOverlays([write('A'), write('B')])).rejects.toThrow('sku#B changed');
    await expect(rules.writeOverlays([{ overlay: { scope: { sku: 'A' } }, read }])).rejects.toThrow(
      'Rule sku#A (overlay) is invalid: (root): sets nothing',
    );
    expect(control.mock).toHaveReceivedCommandTimes(TransactWriteCommand, 2);
  });

  it('keeps the overlay when the rule at its scope is written or deleted', async () => {
    const rules = repositoryAt({ now: 0 });
    control.mock.on(UpdateCommand).resolves({});
    control.mock
      .on(TransactWriteCommand)
      .resolvesOnce({})
      .rejects(
        new TransactionCanceledException({
          message: 'has an overlay',
          $metadata: {},
          CancellationReasons: [{ Code: 'ConditionalCheckFailed' }, { Code: 'None' }],
        }),
      );

    await rules.put(aRule({ scope: { sku: 'MUG-1' } }));
    await rules.delete('sku#MUG-1');

    const [put, remove] = control.mock
      .commandCalls(TransactWriteCommand)
      .map((c) => c.args[0].input.TransactItems?.[0]);
    expect(put?.Update?.UpdateExpression).toBe(
      'SET #rule = :rule, kind = :kind, #at = :at, ruleKey = :ruleKey, updatedBy = :by REMOVE expiresAt',
    );
    expect(remove?.Delete?.ConditionExpression).toBe('attribute_not_exists(#overlay)');
    const [removeRule] = control.mock.commandCalls(UpdateCommand).map((c) => c.args[0].input);
    expect(removeRule?.UpdateExpression).toBe('REMOVE #rule, kind, #at, updatedBy');
  });
});

/** A repository over a fake control table holding an empty, ready rules directory. */
const repositoryWithDirectory = () => {
  const rules = repositoryAt({ now: 0 });
  for (const item of directoryItems([])) control.putItem(item);
  return rules;
};

describe('RulesRepository writes meeting other writers on the rules directory', () => {
  it('tries a write again, reading the head afresh, when another writer held an item of it or it was throttled', async () => {
    const rules = repositoryWithDirectory();
    control.mock
      .on(TransactWriteCommand)
      .rejectsOnce(cancelled('None', 'None', 'TransactionConflict'))
      .rejectsOnce(cancelled('None', 'ThrottlingError', 'None'))
      .resolves({});

    await rules.put(aRule({ scope: { sku: 'MUG-1' } }));

    expect(control.mock).toHaveReceivedCommandTimes(TransactWriteCommand, 3);
    expect(control.mock).toHaveReceivedCommandTimes(GetCommand, 3);
  });

  it('names the key and says it was NOT written when other writers keep conflicting through every try', async () => {
    const rules = repositoryWithDirectory();
    control.mock.on(TransactWriteCommand).rejects(cancelled('None', 'None', 'TransactionConflict'));

    const put = rules.put(aRule({ scope: { sku: 'MUG-1' } }));

    await expect(put).rejects.toThrow(RulesDirectoryContendedError);
    await expect(put).rejects.toThrow(/^sku#MUG-1 was NOT written: other writes .* conflicting/);
    expect(control.mock).toHaveReceivedCommandTimes(TransactWriteCommand, DIRECTORY_WRITE_ATTEMPTS);
  });

  it('does not try again a write whose own condition failed, nor one refused for any other reason', async () => {
    const rules = repositoryWithDirectory();
    control.mock
      .on(TransactWriteCommand)
      .rejectsOnce(cancelled('ConditionalCheckFailed', 'None', 'TransactionConflict'))
      .rejectsOnce(cancelled('ValidationError', 'None', 'None'));
    const read = { overlay: undefined, version: undefined, holdsRule: false };
    const overlay = { scope: { sku: 'MUG-1' }, snoozeUntil: later };

    await expect(rules.writeOverlays([{ overlay, read }])).rejects.toThrow(OverlayChangedError);
    await expect(rules.writeOverlays([{ overlay, read }])).rejects.toThrow(
      TransactionCanceledException,
    );
    expect(control.mock).toHaveReceivedCommandTimes(TransactWriteCommand, 2);
  });

  it('reads a directory condition that keeps failing as the directory moving, not as an overlay that changed', async () => {
    const rules = repositoryWithDirectory();
    // One overlay, a shard and the head: the head's condition (its shard count) keeps failing.
    control.mock
      .on(TransactWriteCommand)
      .rejects(cancelled('None', 'None', 'ConditionalCheckFailed'));
    const read = { overlay: undefined, version: undefined, holdsRule: false };

    const write = rules.writeOverlays([
      { overlay: { scope: { sku: 'MUG-1' }, snoozeUntil: later }, read },
    ]);

    await expect(write).rejects.toThrow(RulesDirectoryContendedError);
    await expect(write).rejects.toThrow(/^sku#MUG-1 was NOT written/);
  });
});
