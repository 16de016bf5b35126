import { type DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import type { SandboxTables } from '../../sandbox/tables.js';
import { RulesRepository } from '../../shared/adapters/rules-repository.js';
import { itemKeyOf } from '../../shared/contracts/inventory.js';
import { itemPk } from '../../shared/contracts/tables.js';
import type { RuleInput } from '../../shared/domain/rules.js';
import { type CliFixture, cliFixture } from '../support/cli-fixture.js';
import { recordDemand } from '../support/demand.js';

const DAY = 86_400_000;
let fixture: CliFixture;
let tables: SandboxTables;
let doc: DynamoDBDocumentClient;
const cli = (...argv: string[]) => fixture.cli(...argv);

let files = 0;
const putRule = async (rule: RuleInput) => {
  const path = fixture.file(`rule-${files++}.json`, JSON.stringify(rule));
  const result = await cli('rules', 'put', path);
  expect(result.code).toBe(0);
};

const putItem = (item: { sku: string; location: string; quantity: number; category?: string }) =>
  doc.send(new PutCommand({ TableName: tables.inventory, Item: item }));

/** What the stock-monitor would judge the item by: the repository's resolution, uncached. */
const resolved = async (item: { sku: string; location: string; category?: string }) =>
  (
    await new RulesRepository(doc, tables.control, 0).resolveMany([
      { itemKey: itemKeyOf(item), item },
    ])
  ).get(itemKeyOf(item));

/** Stream positions already used: each item's sales are records of their own. */
let recorded = 0;

/** Three weeks of steady sales, about 6 a day. */
const recordSteadySales = (sku: string, location: string) => {
  const base = 1000 * ++recorded;
  const history = [5, 7, 6, 6, 5, 7, 6, 6, 5, 7, 6, 6, 5, 7, 6, 6, 5, 7, 6, 6, 6];
  return recordDemand(
    doc,
    tables.control,
    history.map((units, i) => ({
      sku,
      location,
      day: new Date(Date.now() - (history.length - i) * DAY).toISOString().slice(0, 10),
      unitsSold: units,
      sales: units,
      firstSequence: String(base + i * 10 + 1),
      lastSequence: String(base + i * 10 + 2),
    })),
  );
};

const ledgerOf = async (sku: string, location: string) =>
  (
    await doc.send(
      new QueryCommand({
        TableName: tables.control,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :ledger)',
        ExpressionAttributeValues: { ':pk': itemPk(sku, location), ':ledger': 'LEDGER#' },
      }),
    )
  ).Items ?? [];

beforeAll(async () => {
  fixture = await cliFixture(inject('dynamoEndpoint'), 'overlay-');
  ({ tables, doc } = fixture);
  await putRule({ scope: { default: true }, thresholds: { LOW_STOCK: 2 } });
});

describe('snooze', () => {
  it('without --location, snoozes the category rule an item resolves to, and a later category edit still reaches it', async () => {
    await putRule({
      scope: { category: 'mugs' },
      thresholds: { LOW_STOCK: 4 },
      strategies: { LOW_STOCK: { type: 'notify-only' } },
    });
    await putItem({ sku: 'SNZ-1', location: 'WH-1', quantity: 10, category: 'mugs' });
    const item = { sku: 'SNZ-1', location: 'WH-1', category: 'mugs' };

    const result = await cli('snooze', 'SNZ-1', '--for', '2h');

    expect(result.code).toBe(0);
    const snoozed = await resolved(item);
    expect(snoozed?.rule.thresholds).toEqual({ LOW_STOCK: 4 });
    expect(snoozed?.rule.strategies.LOW_STOCK?.type).toBe('notify-only');
    expect(Date.parse(snoozed?.rule.snoozeUntil ?? '')).toBeGreaterThan(Date.now() + 3_500_000);

    await putRule({ scope: { category: 'mugs' }, thresholds: { LOW_STOCK: 9 } });
    const edited = await resolved(item);
    expect(edited?.key).toBe('category#mugs');
    expect(edited?.rule.thresholds).toEqual({ LOW_STOCK: 9 });
    expect(Date.parse(edited?.rule.snoozeUntil ?? '')).toBeGreaterThan(Date.now() + 3_500_000);
  });

  it('with --location, layers over the rule chain: a later category edit still reaches the item', async () => {
    await putRule({ scope: { category: 'pans' }, thresholds: { LOW_STOCK: 4 } });
    await putItem({ sku: 'SNZ-2', location: 'WH-1', quantity: 10, category: 'pans' });
    const item = { sku: 'SNZ-2', location: 'WH-1', category: 'pans' };

    expect((await cli('snooze', 'SNZ-2', '--location', 'WH-1', '--for', '2h')).code).toBe(0);
    await putRule({ scope: { category: 'pans' }, thresholds: { LOW_STOCK: 7, OVERSTOCK: 50 } });

    const edited = await resolved(item);
    expect(edited?.rule.thresholds).toEqual({ LOW_STOCK: 7, OVERSTOCK: 50 });
    expect(Date.parse(edited?.rule.snoozeUntil ?? '')).toBeGreaterThan(Date.now() + 3_500_000);
  });

  it('refuses an item that does not exist, and a duration it cannot read, with exit 2', async () => {
    expect((await cli('snooze', 'NO-SUCH-SKU', '--for', '2h')).code).toBe(2);
    expect((await cli('snooze', 'SNZ-1', '--location', 'WH-9', '--for', '2h')).code).toBe(2);
    expect((await cli('snooze', 'SNZ-1', '--for', 'a while')).code).toBe(2);
  });
});

describe('thresholds suggest --apply', () => {
  it('writes nothing when one change would contradict its rule, and names the fields', async () => {
    await putRule({ scope: { category: 'steady' }, thresholds: { LOW_STOCK: 5, OVERSTOCK: 100 } });
    // SUG-B's own rule caps OVERSTOCK at 20: the suggested LOW_STOCK (about 21) contradicts it.
    await putRule({ scope: { sku: 'SUG-B' }, thresholds: { LOW_STOCK: 5, OVERSTOCK: 20 } });
    // Several valid changes beside the invalid one, so that some come before it in scan order.
    for (const sku of ['SUG-A', 'SUG-B', 'SUG-D', 'SUG-E']) {
      await putItem({ sku, location: 'WH-1', quantity: 40, category: 'steady' });
      await recordSteadySales(sku, 'WH-1');
    }

    const result = await cli('thresholds', 'suggest', '--apply', '--lead-time', '3');

    expect(result.code).toBe(2);
    expect(result.err).toContain('SUG-B');
    expect(result.err).toContain('thresholds.OVERSTOCK');
    for (const sku of ['SUG-A', 'SUG-D', 'SUG-E']) {
      const item = { sku, location: 'WH-1', category: 'steady' };
      expect((await resolved(item))?.rule.thresholds).toEqual({ LOW_STOCK: 5, OVERSTOCK: 100 });
      expect(await ledgerOf(sku, 'WH-1')).toEqual([]);
    }
    expect(await ledgerOf('SUG-B', 'WH-1')).toEqual([]);
  });

  it('layers the applied thresholds over the rule chain, ledgered, so later rule edits still reach the item', async () => {
    await putRule({ scope: { category: 'calm' }, thresholds: { LOW_STOCK: 5, OVERSTOCK: 100 } });
    await putItem({ sku: 'SUG-C', location: 'WH-1', quantity: 40, category: 'calm' });
    await recordSteadySales('SUG-C', 'WH-1');

    const result = await cli(
      'thresholds',
      'suggest',
      '--apply',
      '--sku',
      'SUG-C',
      '--lead-time',
      '3',
    );

    expect(result.code).toBe(0);
    expect(result.err).toContain('1 suggestion(s) applied');
    const item = { sku: 'SUG-C', location: 'WH-1', category: 'calm' };
    expect((await resolved(item))?.rule.thresholds).toEqual({ LOW_STOCK: 21, OVERSTOCK: 100 });
    expect(await ledgerOf('SUG-C', 'WH-1')).toEqual([
      expect.objectContaining({
        strategy: 'threshold-suggestion',
        outcome: 'applied',
        after: { thresholds: { LOW_STOCK: 21, OVERSTOCK: 100 } },
      }),
    ]);

    await putRule({
      scope: { category: 'calm' },
      thresholds: { LOW_STOCK: 5, OVERSTOCK: 80 },
      strategies: { LOW_STOCK: { type: 'notify-only' } },
    });
    const edited = await resolved(item);
    expect(edited?.rule.thresholds).toEqual({ LOW_STOCK: 21, OVERSTOCK: 80 });
    expect(edited?.rule.strategies.LOW_STOCK?.type).toBe('notify-only');
  });
});
