import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { parse as parseCsv } from 'csv-parse/sync';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { COMMANDS } from '../../cli/main.js';
import { type CliFixture, cliFixture, runCliCaptured } from '../support/cli-fixture.js';

/** Issue 15: options parsed strictly, data alone on stdout, quantities and imports checked. */
let fixture: CliFixture;
const cli = (...argv: string[]) => fixture.cli(...argv);

/** Runs the CLI with no target at all, for what is refused before one is needed. */
const bare = (...argv: string[]) => runCliCaptured(argv);

const stockOf = async (sku: string, location: string) =>
  (
    await fixture.doc.send(
      new GetCommand({ TableName: fixture.tables.inventory, Key: { sku, location } }),
    )
  ).Item;

beforeAll(async () => {
  fixture = await cliFixture(inject('dynamoEndpoint'), 'input-');
  await fixture.doc.send(
    new PutCommand({
      TableName: fixture.tables.inventory,
      Item: { sku: 'IN-1', location: 'WH-1', quantity: 5, name: 'Input mug' },
    }),
  );
});

describe('strict parsing', () => {
  it('refuses an unknown option, suggesting the closest one, and lists the options otherwise', async () => {
    expect(await bare('rules', 'list', '--sandox')).toMatchObject({
      code: 2,
      err: 'unknown option --sandox for rules list (did you mean --sandbox?)',
    });
    const bogus = await cli('rules', 'list', '--bogus');
    expect(bogus.code).toBe(2);
    expect(bogus.err).toBe(
      'unknown option --bogus for rules list (options: --sandbox, --env, --resources, --json, --csv, --help)',
    );
    // An option of another subcommand is not one of this one's.
    expect((await cli('stock', 'get', 'IN-1', '--by', '3')).err).toMatch(
      /^unknown option --by for stock get/,
    );
  });

  it('names an unknown subcommand and command, from the one registry', async () => {
    expect(await bare('rules', 'lst', '--sandbox')).toMatchObject({
      code: 2,
      err: "unknown subcommand 'lst' for rules (did you mean list?); subcommands: list, get, put, delete, import, export, reindex",
    });
    const unknown = await bare('teleport');
    expect(unknown.code).toBe(2);
    for (const name of [...Object.keys(COMMANDS), 'help']) expect(unknown.err).toContain(name);
    expect(unknown.err).toContain('cost');
    expect((await bare('rules')).err).toMatch(/^rules needs a subcommand: list, get/);
  });

  it('says which option is missing, and which has no value', async () => {
    expect(await cli('stock', 'adjust', 'IN-1', '--location', 'WH-1')).toMatchObject({
      code: 2,
      err: 'missing --by',
    });
    expect(await cli('stock', 'adjust', 'IN-1', '--location', 'WH-1', '--by')).toMatchObject({
      code: 2,
      err: 'missing value for --by',
    });
    expect(await cli('stock', 'adjust', 'IN-1', '--location', '--by', '2')).toMatchObject({
      code: 2,
      err: 'missing value for --location',
    });
    expect(await bare('cost', '--crossing-rate', '0.1')).toMatchObject({
      code: 2,
      err: 'missing --writes-per-day',
    });
  });

  it('shows help for `help`, `help <command>` and `<command> --help`, every command listed', async () => {
    const help = await bare('help');
    expect(help.code).toBe(0);
    for (const name of Object.keys(COMMANDS))
      expect(help.out).toMatch(new RegExp(`^  ${name} `, 'm'));
    expect(help.out).toContain('3 stock import wrote the good rows but skipped some');
    const stock = await bare('help', 'stock');
    expect(stock).toMatchObject({ code: 0 });
    expect(stock.out).toContain('--allow-negative');
    expect((await bare('stock', '--help')).out).toBe(stock.out);
    expect((await bare('stock', 'adjust', '--help')).out).toBe(stock.out);
    expect(await bare('help', 'stok')).toMatchObject({ code: 2 });
    expect((await bare()).code).toBe(2);
  });
});

describe('machine-readable output', () => {
  it('puts only the data on stdout for --json and --csv, notes on stderr', async () => {
    const put = await cli(
      'rules',
      'put',
      fixture.file(
        'r.json',
        JSON.stringify({ scope: { sku: 'IN-1' }, thresholds: { LOW_STOCK: 1 } }),
      ),
      '--json',
    );
    expect(JSON.parse(put.out)).toEqual({ written: ['sku#IN-1'] });
    expect(put.err).toContain('Takes effect');
    expect(JSON.parse((await cli('rules', 'list', '--json')).out)).toHaveLength(1);
    const adjusted = await cli(
      'stock',
      'adjust',
      'IN-1',
      '--location',
      'WH-1',
      '--by',
      '1',
      '--json',
    );
    expect(JSON.parse(adjusted.out)).toEqual({ sku: 'IN-1', location: 'WH-1', quantity: 6 });
    const csv = await cli('stock', 'get', 'IN-1', '--csv');
    expect(parseCsv(csv.out, { columns: true })).toEqual([
      expect.objectContaining({ sku: 'IN-1', name: 'Input mug', quantity: '6' }),
    ]);
    const snooze = await cli('snooze', 'IN-1', '--for', '1h', '--json');
    expect(JSON.parse(snooze.out)).toMatchObject({ sku: 'IN-1', overlay: 'sku#IN-1' });
    expect(snooze.err).toContain('strategies still run');
    const report = await cli('report', '--since', '1d', '--csv');
    expect(parseCsv(report.out, { columns: true })).toEqual([]);
    const cost = await bare(
      'cost',
      '--writes-per-day',
      '1000',
      '--crossing-rate',
      '0.01',
      '--json',
    );
    expect(JSON.parse(cost.out)).toHaveProperty('totals');
    const load = ['--writes-per-day', '1000', '--crossing-rate', '0.01', '--csv'];
    const costCsv = await bare('cost', ...load);
    expect(parseCsv(costCsv.out, { columns: true })[0]).toHaveProperty('usd');
    const imported = await cli(
      'stock',
      'import',
      fixture.file('one.csv', 'sku,location,quantity\nCSV-1,WH-1,2\n'),
      '--csv',
    );
    expect(parseCsv(imported.out, { columns: true })).toEqual([
      expect.objectContaining({ written: '1', skipped: '0' }),
    ]);
  });
});

describe('quantities', () => {
  it('refuses fractions and stock below zero unless --allow-negative, writing nothing', async () => {
    expect(
      await cli('stock', 'set', 'IN-1', '--location', 'WH-1', '--quantity', '2.5'),
    ).toMatchObject({
      code: 2,
      err: expect.stringContaining('--quantity must be a whole number, got "2.5"'),
    });
    expect(
      await cli('stock', 'set', 'IN-1', '--location', 'WH-1', '--quantity', '-5'),
    ).toMatchObject({
      code: 2,
      err: '--quantity: quantity would be -5, below zero: add --allow-negative to record a backorder; nothing was written',
    });
    const before = Number((await stockOf('IN-1', 'WH-1'))?.quantity);
    expect(
      await cli('stock', 'adjust', 'IN-1', '--location', 'WH-1', '--by', '-1000'),
    ).toMatchObject({
      code: 2,
      err: `IN-1 at WH-1 holds ${before}: this would take it to ${before - 1000}, below zero; nothing was written (add --allow-negative to record a backorder)`,
    });
    expect((await cli('stock', 'adjust', 'IN-1', '--location', 'WH-1', '--by', '0.5')).code).toBe(
      2,
    );
    expect((await stockOf('IN-1', 'WH-1'))?.quantity).toBe(before);

    const backorder = await cli(
      'stock',
      'adjust',
      'IN-1',
      '--location',
      'WH-1',
      '--by',
      `-${before + 2}`,
      '--allow-negative',
    );
    expect(backorder).toMatchObject({ code: 0, out: 'IN-1 at WH-1: quantity -2' });
    expect((await cli('stock', 'set', 'IN-1', '--location', 'WH-1', '--quantity', '4')).code).toBe(
      0,
    );
    // A sale that leaves exactly zero is fine.
    expect((await cli('stock', 'adjust', 'IN-1', '--location', 'WH-1', '--by', '-4')).out).toBe(
      'IN-1 at WH-1: quantity 0',
    );
    expect(
      (await cli('stock', 'adjust', 'IN-NEW', '--location', 'WH-1', '--by', '-1', '--create')).code,
    ).toBe(2);
    expect(await stockOf('IN-NEW', 'WH-1')).toBeUndefined();
  });

  it('accepts fractions where the environment counts them (decimalQuantities)', async () => {
    const { runCli: run } = await import('../../cli/main.js');
    const { sandboxTarget } = await import('../../cli/target.js');
    const target = { ...sandboxTarget(fixture.resources), decimalQuantities: true };
    const out: string[] = [];
    const code = await run(
      ['stock', 'set', 'IN-1', '--location', 'WH-1', '--quantity', '2.5', '--sandbox'],
      { out: (t) => out.push(t), err: () => {}, isTty: false },
      async () => target,
    );
    expect({ code, out }).toEqual({ code: 0, out: ['IN-1 at WH-1: quantity 2.5'] });
  });
});

describe('stock import', () => {
  it('refuses a file without a header, or with an unknown column, naming the expected columns', async () => {
    const headless = await cli('stock', 'import', fixture.file('headless.csv', 'IMP-H,WH-1,5\n'));
    expect(headless.code).toBe(2);
    expect(headless.err).toContain(
      'the first line must be the header sku,location,quantity[,price,category,name,lowStockThreshold,overstockThreshold]',
    );
    expect(headless.err).toContain("missing column 'sku'");
    const typo = await cli(
      'stock',
      'import',
      fixture.file('typo.csv', 'sku,location,qty\nIMP-T,WH-1,5\n'),
    );
    expect(typo.code).toBe(2);
    expect(typo.err).toContain("unknown column 'qty'");
    expect(typo.err).toContain("missing column 'quantity'");
    expect(await stockOf('IMP-H', 'WH-1')).toBeUndefined();
    expect(await stockOf('IMP-T', 'WH-1')).toBeUndefined();
  });

  it('skips rows with fractions or below zero (exit 3) unless --allow-negative', async () => {
    const csv = fixture.file(
      'q.csv',
      'sku,location,quantity\nIMP-A,WH-1,3\nIMP-B,WH-1,-2\nIMP-C,WH-1,1.5\n',
    );
    const result = await cli('stock', 'import', csv);
    expect(result.code).toBe(3);
    expect(result.err).toContain(
      'line 3: skipped: quantity would be -2, below zero: import with --allow-negative',
    );
    expect(result.err).toContain('line 4: skipped: quantity must be a whole number, got 1.5');
    expect((await cli('stock', 'import', csv, '--allow-negative')).code).toBe(3);
    expect((await stockOf('IMP-B', 'WH-1'))?.quantity).toBe(-2);
    const clean = fixture.file('clean.csv', 'sku,location,quantity\nIMP-D,WH-1,3\n');
    expect(await cli('stock', 'import', clean)).toMatchObject({ code: 0, err: '' });
  });
});

describe('nested rule mistakes', () => {
  it('names the exact path and the key meant, or the scopes there are, and writes nothing', async () => {
    const rule = fixture.file(
      'unit.yaml',
      'scope: { category: typo }\nthresholds: { LOW_STOCK: 10 }\nstrategies:\n  LOW_STOCK: { type: purchase-order, quantity: { mode: fixed, unit: 50 } }\n',
    );
    const typo = await cli('rules', 'put', rule);
    expect(typo.code).toBe(2);
    expect(typo.err).toBe(
      `${rule}: nothing was written; fix these:\n  rule 1 (category#typo):\n    - strategies.LOW_STOCK.quantity: unknown key 'unit' (expected 'units')`,
    );
    const scope = await cli(
      'rules',
      'put',
      fixture.file('scope.json', JSON.stringify({ scope: { skus: 'A' }, thresholds: {} })),
    );
    expect(scope.code).toBe(2);
    expect(scope.err).toContain(
      'rule 1 ((invalid scope)):\n    - scope: expected one of {sku, location} | {sku} | {category} | {default: true}',
    );
    expect((await cli('rules', 'get', 'category#typo')).code).toBe(2);
  });
});

describe('report durations', () => {
  it('are seconds as numbers in CSV, and readable with sensible precision in the table', async () => {
    const { ControlIndex, ControlKeys, DEFAULT_INDEX_SHARDS } = await import(
      '../../shared/contracts/tables.js'
    );
    const t0 = Date.now() - 60_000;
    const fact = (transition: string, at: number) => {
      const key = ControlKeys.ledger('DUR-1', 'WH-1', 'd1', transition, 'notify-only');
      const when = new Date(at).toISOString();
      return {
        ...key,
        ...ControlIndex.attributes('LEDGER', key, when, DEFAULT_INDEX_SHARDS),
        alertId: 'd1',
        transition,
        level: 'LOW_STOCK',
        sku: 'DUR-1',
        location: 'WH-1',
        strategy: 'notify-only',
        outcome: 'skipped',
        occurredAt: when,
        at: when,
      };
    };
    for (const item of [fact('TRIGGERED', t0), fact('RESOLVED', t0 + 246)])
      await fixture.doc.send(new PutCommand({ TableName: fixture.tables.control, Item: item }));

    const csv = parseCsv((await cli('report', '--since', '1d', '--csv')).out, {
      columns: true,
      cast: true,
    }) as Record<string, unknown>[];
    expect(csv.find((r) => r.sku === 'DUR-1')).toMatchObject({
      recoverP50Seconds: 0.246,
      recoverP90Seconds: 0.246,
    });
    expect((await cli('report', '--since', '1d')).out).toMatch(/DUR-1.*LOW_STOCK.*246 ms.*246 ms/);
  });
});
