import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  type BatchGetCommand,
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  type TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { describe, expect, inject, it } from 'vitest';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../sandbox/dynamodb-local.js';
import { createTables } from '../../sandbox/tables.js';
import {
  buildRulesDirectory,
  DIRECTORY_SHARDS,
  shardOf,
} from '../../shared/adapters/rules-directory.js';
import { RulesRepository } from '../../shared/adapters/rules-repository.js';
import { ControlKeys } from '../../shared/contracts/tables.js';
import { ruleKeyOf } from '../../shared/domain/rules.js';
import { RulesDirectoryFullError } from '../../shared/errors.js';
import { cliFixture } from '../support/cli-fixture.js';
import { aRule } from '../support/factories.js';

const TTL = 30_000;
let tablesMade = 0;

/**
 * A fresh control table on DynamoDB Local (with its empty rules directory, as the sandbox
 * creates it), a writer (the CLI) and a document client.
 */
const freshTable = async () => {
  const client = new DynamoDBClient({
    endpoint: inject('dynamoEndpoint'),
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
  });
  const tables = await createTables(client, `rules-directory-${tablesMade++}-`);
  const doc = DynamoDBDocumentClient.from(client);
  return { doc, table: tables.control, writer: new RulesRepository(doc, tables.control, 0) };
};

/**
 * The stock-monitor's repository on its own client, with a clock the test moves and the rule
 * keys of every batched read it makes.
 */
const monitorOf = (endpoint: string, table: string, clock: { now: number }) => {
  const doc = DynamoDBDocumentClient.from(
    new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS }),
  );
  const keysRead: string[] = [];
  const send = doc.send.bind(doc) as (command: unknown) => Promise<unknown>;
  doc.send = ((command: BatchGetCommand) => {
    for (const request of Object.values(command.input.RequestItems ?? {}))
      for (const key of request.Keys ?? []) keysRead.push(String(key.pk).replace(/^RULE#/, ''));
    return send(command);
  }) as never;
  const rules = new RulesRepository(
    doc,
    table,
    TTL,
    () => {},
    () => clock.now,
  );
  return { rules, keysRead };
};

const item = (sku: string) => ({ sku, location: 'WH-1', category: 'mugs' });
const resolvedKey = async (rules: RulesRepository, sku: string) =>
  (await rules.resolve(item(sku)))?.key;

const directoryKeys = async (doc: DynamoDBDocumentClient, table: string) => {
  const keys: string[] = [];
  for (let shard = 0; shard < DIRECTORY_SHARDS; shard++) {
    const { Item } = await doc.send(
      new GetCommand({ TableName: table, Key: ControlKeys.rulesDirectoryShard(shard) }),
    );
    keys.push(...((Item?.keys as Set<string> | undefined) ?? []));
  }
  return keys.sort();
};

/**
 * Fills a shard to DynamoDB's 400 KB item limit with long keys (as a catalogue of item rules
 * would fill it): the longest last key the engine still stores, returned.
 */
const fillShardToLimit = async (doc: DynamoDBDocumentClient, table: string, shard: number) => {
  const filler = Array.from(
    { length: 202 },
    (_, n) => `sku#${String(n).padStart(4, '0')}${'x'.repeat(2_000)}`,
  );
  const fill = (last: number) =>
    doc.send(
      new PutCommand({
        TableName: table,
        Item: {
          ...ControlKeys.rulesDirectoryShard(shard),
          version: 1,
          keys: new Set([...filler, `sku#last${'y'.repeat(last)}`]),
        },
      }),
    );
  let [fits, tooLong] = [0, 4_000];
  while (tooLong - fits > 1) {
    const middle = Math.floor((fits + tooLong) / 2);
    [fits, tooLong] = (await fill(middle).then(
      () => true,
      () => false,
    ))
      ? [middle, tooLong]
      : [fits, middle];
  }
  await fill(fits);
  return tooLong;
};

describe('rules directory on DynamoDB Local', () => {
  it('falls back to every item key without a directory, and rules reindex builds it from the rules and overlays stored', async () => {
    // Prepare: a table an earlier release wrote: rules and an overlay, no directory.
    const { doc, table, writer } = await freshTable();
    await doc.send(new DeleteCommand({ TableName: table, Key: ControlKeys.rulesDirectoryHead() }));
    await writer.put(aRule({ scope: { category: 'mugs' } }));
    await writer.put(aRule({ name: 'Own', scope: { sku: 'OWN' } }));
    await writer.put(aRule({ scope: { sku: 'GONE' } }));
    await writer.delete('sku#GONE');
    const snoozed = { sku: 'SNOOZED', location: 'WH-1' };
    await writer.writeOverlays([
      {
        overlay: { scope: snoozed, snoozeUntil: '2099-01-01T00:00:00.000Z' },
        read: { overlay: undefined, version: undefined, holdsRule: false },
      },
    ]);
    const clock = { now: 0 };
    const before = monitorOf(inject('dynamoEndpoint'), table, clock);
    expect(await resolvedKey(before.rules, 'PLAIN')).toBe('category#mugs');
    expect(before.keysRead).toContain('sku#PLAIN#location#WH-1');

    // Act
    const build = await buildRulesDirectory(doc, table);

    // Assess: the directory names exactly the item keys that hold something.
    expect(build).toEqual({ keys: 2, shards: DIRECTORY_SHARDS, merged: 0 });
    expect(await directoryKeys(doc, table)).toEqual([ruleKeyOf(snoozed), 'sku#OWN'].sort());
    const after = monitorOf(inject('dynamoEndpoint'), table, clock);
    expect(await resolvedKey(after.rules, 'PLAIN')).toBe('category#mugs');
    expect(await resolvedKey(after.rules, 'OWN')).toBe('sku#OWN');
    expect((await after.rules.resolve(item('SNOOZED')))?.rule.snoozeUntil).toBe(
      '2099-01-01T00:00:00.000Z',
    );
    expect(after.keysRead.filter((key) => key.startsWith('sku#')).sort()).toEqual(
      [ruleKeyOf(snoozed), 'sku#OWN'].sort(),
    );
  });

  it('picks up an item rule put or deleted by another writer after the TTL, and only then', async () => {
    const { doc, table, writer } = await freshTable();
    await writer.put(aRule({ scope: { category: 'mugs' } }));
    const clock = { now: 1_000 };
    const monitor = monitorOf(inject('dynamoEndpoint'), table, clock);
    expect(await resolvedKey(monitor.rules, 'MUG')).toBe('category#mugs');

    await writer.put(aRule({ scope: { sku: 'MUG', location: 'WH-1' } }));
    clock.now += TTL - 1;
    expect(await resolvedKey(monitor.rules, 'MUG')).toBe('category#mugs');
    clock.now += 1;
    expect(await resolvedKey(monitor.rules, 'MUG')).toBe('sku#MUG#location#WH-1');

    await writer.delete('sku#MUG#location#WH-1');
    expect(await directoryKeys(doc, table)).toEqual([]);
    clock.now += TTL - 1;
    expect(await resolvedKey(monitor.rules, 'MUG')).toBe('sku#MUG#location#WH-1');
    clock.now += 1;
    expect(await resolvedKey(monitor.rules, 'MUG')).toBe('category#mugs');
    // Read once, while the directory named it.
    expect(monitor.keysRead.filter((key) => key.startsWith('sku#'))).toEqual([
      'sku#MUG#location#WH-1',
    ]);
  });

  it('keeps the key of a rule deleted beside an overlay, which stays in force', async () => {
    const { doc, table, writer } = await freshTable();
    await writer.put(aRule({ scope: { category: 'mugs' } }));
    await writer.put(aRule({ scope: { sku: 'MUG' } }));
    const read = (await writer.readOverlays(['sku#MUG'])).get('sku#MUG');
    if (!read) throw new Error('no overlay read');
    await writer.writeOverlays([
      { overlay: { scope: { sku: 'MUG' }, snoozeUntil: '2099-01-01T00:00:00.000Z' }, read },
    ]);

    await writer.delete('sku#MUG');

    expect(await directoryKeys(doc, table)).toEqual(['sku#MUG']);
    const monitor = monitorOf(inject('dynamoEndpoint'), table, { now: 0 });
    expect((await monitor.rules.resolve(item('MUG')))?.rule.snoozeUntil).toBe(
      '2099-01-01T00:00:00.000Z',
    );
  });

  it('reindex keeps a rule written while it scans: the shard it moved is merged, not replaced', async () => {
    const { doc, table, writer } = await freshTable();
    await writer.put(aRule({ scope: { sku: 'OLD' } }));
    const late = 'sku#LATE';
    // The writer commits just before reindex replaces the shard of its key.
    const send = doc.send.bind(doc) as (command: unknown) => Promise<unknown>;
    let wrote = false;
    doc.send = (async (command: TransactWriteCommand) => {
      const first = command.input?.TransactItems?.[0]?.Update;
      const replacing = first?.UpdateExpression?.startsWith('SET version = :next');
      if (replacing && !wrote && first?.Key?.sk === `SHARD#${shardOf(late)}`) {
        wrote = true;
        await new RulesRepository(doc, table, 0).put(aRule({ scope: { sku: 'LATE' } }));
      }
      return send(command);
    }) as never;

    const build = await buildRulesDirectory(doc, table);

    expect(wrote).toBe(true);
    expect(build).toMatchObject({ keys: 1, merged: 1 });
    expect(await directoryKeys(doc, table)).toEqual([late, 'sku#OLD']);
  });

  it('refuses a rule whose shard would pass the 400 KB item limit, writing nothing, and reindex drops keys left by expired items', async () => {
    const { doc, table, writer } = await freshTable();
    const newKey = 'sku#ONE-MORE';
    expect(await fillShardToLimit(doc, table, shardOf(newKey))).toBeLessThan(4_000);

    const put = writer.put(aRule({ scope: { sku: 'ONE-MORE' } }));

    await expect(put).rejects.toThrow(RulesDirectoryFullError);
    await expect(put).rejects.toThrow(
      /^sku#ONE-MORE was NOT written: .*400 KB item limit.*category rule/,
    );
    const { Item } = await doc.send(
      new GetCommand({ TableName: table, Key: ControlKeys.rule(newKey) }),
    );
    expect(Item).toBeUndefined();

    // The filler names items that do not exist (as expired snoozes leave): reindex drops them.
    await buildRulesDirectory(doc, table);
    await writer.put(aRule({ scope: { sku: 'ONE-MORE' } }));
    expect(await directoryKeys(doc, table)).toEqual([newKey]);
  });
});

describe('rules reindex (CLI)', () => {
  it('is suggested after an edit on a table without a directory, and builds it', async () => {
    const fx = await cliFixture(inject('dynamoEndpoint'), 'rules-reindex-');
    await fx.doc.send(
      new DeleteCommand({ TableName: fx.tables.control, Key: ControlKeys.rulesDirectoryHead() }),
    );
    const rule = fx.file('mug.json', JSON.stringify(aRule({ scope: { sku: 'MUG' } })));

    const before = await fx.cli('rules', 'put', rule);
    const stray = await fx.cli('rules', 'reindex', 'sku#MUG');
    const reindex = await fx.cli('rules', 'reindex', '--json');
    const after = await fx.cli('rules', 'put', rule);

    expect(before.code).toBe(0);
    expect(before.err).toContain('no rules directory yet');
    expect(before.err).toContain('run rules reindex once');
    expect(stray).toMatchObject({ code: 2, err: expect.stringContaining('takes no argument') });
    expect(reindex.code).toBe(0);
    expect(JSON.parse(reindex.out)).toEqual({ keys: 1, shards: DIRECTORY_SHARDS, merged: 0 });
    expect(after.err).not.toContain('no rules directory');
    expect(await directoryKeys(fx.doc, fx.tables.control)).toEqual(['sku#MUG']);
  });

  it('says which rule of an import was NOT written, and which were, when a shard is full part-way (exit 2)', async () => {
    const fx = await cliFixture(inject('dynamoEndpoint'), 'rules-import-full-');
    let ok = 0;
    while (shardOf(`sku#OK-${ok}`) === shardOf('sku#FULL')) ok++;
    await fillShardToLimit(fx.doc, fx.tables.control, shardOf('sku#FULL'));
    const file = fx.file(
      'rules.json',
      JSON.stringify([
        aRule({ name: 'ok', scope: { sku: `OK-${ok}` } }),
        aRule({ name: 'full', scope: { sku: 'FULL' } }),
      ]),
    );

    const result = await fx.cli('rules', 'import', file);

    expect(result.code).toBe(2);
    expect(result.err).toContain('sku#FULL was NOT written');
    expect(result.err).toContain(`1 rule(s) of ${file} written before it: sku#OK-${ok}`);
    expect(result.err).not.toContain('nothing was written');
    const stored = (key: string) =>
      fx.doc.send(new GetCommand({ TableName: fx.tables.control, Key: ControlKeys.rule(key) }));
    expect((await stored(`sku#OK-${ok}`)).Item).toBeDefined();
    expect((await stored('sku#FULL')).Item).toBeUndefined();
  });

  it('is suggested after an edit while the directory is still building (a reindex stopped part-way)', async () => {
    const fx = await cliFixture(inject('dynamoEndpoint'), 'rules-building-');
    await fx.doc.send(
      new UpdateCommand({
        TableName: fx.tables.control,
        Key: ControlKeys.rulesDirectoryHead(),
        UpdateExpression: 'SET #state = :building',
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: { ':building': 'building' },
      }),
    );
    const rule = fx.file('mug.json', JSON.stringify(aRule({ scope: { sku: 'MUG' } })));

    const building = await fx.cli('rules', 'put', rule);
    await fx.cli('rules', 'reindex');
    const ready = await fx.cli('rules', 'put', rule);

    expect(building).toMatchObject({ code: 0, err: expect.stringContaining("still 'building'") });
    expect(building.err).toContain('run rules reindex to finish it');
    expect(ready.err).not.toContain("'building'");
  });
});
