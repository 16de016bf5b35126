import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { sandboxTarget } from '../../cli/target.js';
import { playDemo, seedDemo } from '../../sandbox/demo.js';
import { Sandbox } from '../../sandbox/sandbox.js';
import { OperatorAction } from '../../shared/adapters/ledger.js';
import { runCliCaptured } from '../support/cli-fixture.js';

/**
 * Issue 15: the operator guide (docs/operator.md) run command by command, in order, against a
 * sandbox that has played the demo, as an operator would type it. The commands are read from
 * the guide itself, so the guide and this test cannot drift apart.
 */
const REPOSITORY = resolve(import.meta.dirname, '../..');
const GUIDE = join(REPOSITORY, 'docs/operator.md');
const CLI_PREFIX = /^(?:npx inventory-alerts|npm run(?: -s)? cli --)\s+/;

/** Subcommands that write, after which the pipeline has something to do. */
const WRITES = ['put', 'set', 'adjust', 'import', 'receive', 'cancel', 'subscribe'];

let sandbox: Sandbox;
let dir: string;
const home = process.cwd();

/** The bash blocks of the guide's walkthrough section, as lines. */
const walkthrough = (): string[] => {
  const text = readFileSync(GUIDE, 'utf8');
  const section = text.split(/^## /m).find((s) => s.startsWith('Walkthrough'));
  if (!section) throw new Error(`${GUIDE} has no "## Walkthrough" section`);
  return [...section.matchAll(/```bash\n([\s\S]*?)```/g)].flatMap((m) =>
    (m[1] as string).split('\n'),
  );
};

/** Splits a command line as a shell would: quotes, and a trailing `> file`. */
const words = (line: string): { argv: string[]; redirect?: string } => {
  const argv = [...line.matchAll(/'([^']*)'|"([^"]*)"|(\S+)/g)].map(
    (m) => m[1] ?? m[2] ?? (m[3] as string),
  );
  const arrow = argv.indexOf('>');
  if (arrow === -1) return { argv };
  return { argv: argv.slice(0, arrow), redirect: argv[arrow + 1] as string };
};

/** Runs the CLI as `npx inventory-alerts` would, against this test's sandbox. */
const cli = (argv: string[]) =>
  runCliCaptured(argv, async () => sandboxTarget(join(dir, 'resources.json')));

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'operator-guide-'));
  sandbox = await Sandbox.create({
    endpoint: inject('dynamoEndpoint'),
    prefix: 'guide-',
    outDir: dir,
  });
  await seedDemo(sandbox);
  await playDemo(sandbox, () => {});
  // The guide runs at the repository root; here, in a copy of what it reads.
  copyFileSync(join(REPOSITORY, 'catalog.csv'), join(dir, 'catalog.csv'));
  process.chdir(dir);
});

afterAll(async () => {
  process.chdir(home);
  await sandbox?.stop();
});

describe('the demo', () => {
  it('receives the blue mug order the way an operator does, so none is left open', async () => {
    const orders = sandbox.orders();
    expect(await orders.lock('MUG-BLUE', 'WH-1')).toBeUndefined();
    const placed = await orders.placedBetween({
      since: new Date(Date.now() - 3_600_000).toISOString(),
      until: new Date().toISOString(),
    });
    const mug = placed.filter((o) => o.sku === 'MUG-BLUE');
    expect(mug).toEqual([expect.objectContaining({ status: 'RECEIVED', receivedQuantity: 60 })]);
    const ledger = JSON.parse(
      (await cli(['ledger', 'list', '--sku', 'MUG-BLUE', '--json', '--sandbox'])).out,
    );
    expect(ledger).toContainEqual(
      expect.objectContaining({ strategy: OperatorAction.receiveOrder }),
    );
  });

  it("lists the demo's subscribers with the sandbox's subscriptions", async () => {
    const listed = await cli(['subscriptions', 'list', '--json', '--sandbox']);
    expect(JSON.parse(listed.out)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ id: 'environment-1', source: 'environment', protocol: 'email' }),
        expect.objectContaining({ id: 'environment-2', source: 'environment', protocol: 'sms' }),
      ]),
    );
    expect((await cli(['subscriptions', 'remove', 'environment-1', '--sandbox'])).err).toContain(
      'configured by the sandbox',
    );
  });

  it('shows the history of alerts: triggered and resolved, quantities, threshold, notified', async () => {
    const history = JSON.parse(
      (
        await cli([
          'alerts',
          'list',
          '--sku',
          'MUG-BLUE',
          '--level',
          'OUT_OF_STOCK',
          '--json',
          '--sandbox',
        ])
      ).out,
    );
    expect(history).toEqual([
      expect.objectContaining({
        transition: 'TRIGGERED',
        quantity: '8 -> 0',
        threshold: 0,
        notified: 'yes',
      }),
      expect.objectContaining({ transition: 'RESOLVED', quantity: '0 -> 60', notified: 'yes' }),
    ]);
    expect(
      JSON.parse((await cli(['alerts', 'list', '--open', '--json', '--sandbox'])).out),
    ).not.toContainEqual(expect.objectContaining({ sku: 'MUG-BLUE' }));
    const unknown = await cli(['alerts', 'list', '--level', 'LOW', '--sandbox']);
    expect(unknown.code).toBe(2);
  });

  it("says that only complete days count when today's sales are all there is", async () => {
    const suggested = await cli([
      'thresholds',
      'suggest',
      '--sku',
      'MUG-BLUE',
      '--json',
      '--sandbox',
    ]);
    expect(suggested.code).toBe(0);
    expect(JSON.parse(suggested.out)).toEqual([
      expect.objectContaining({
        // 0 unless the run straddles midnight UTC.
        basis: expect.stringMatching(
          /only \d complete day\(s\) of sales history \(days end at midnight UTC: today's sales count from tomorrow\)/,
        ),
      }),
    ]);
  });

  it('shows the item name in stock get', async () => {
    expect((await cli(['stock', 'get', 'MUG-BLUE', '--sandbox'])).out).toContain('Blue mug');
  });
});

describe('the operator guide', () => {
  it('runs end to end on the demo shop: its rule matches, its sale alerts and orders', async () => {
    const lines = walkthrough();
    let lastOut = '';
    for (let i = 0; i < lines.length; i++) {
      const line = (lines[i] as string).trim();
      if (line === '' || line.startsWith('#')) continue;
      const heredoc = /^cat > (\S+) <<'(\w+)'$/.exec(line);
      if (heredoc) {
        const end = lines.indexOf(heredoc[2] as string, i + 1);
        writeFileSync(heredoc[1] as string, `${lines.slice(i + 1, end).join('\n')}\n`);
        i = end;
        continue;
      }
      const sleep = /^sleep (\d+)$/.exec(line);
      if (sleep) {
        await new Promise((r) => setTimeout(r, Number(sleep[1]) * 1000));
        continue;
      }
      expect(line, 'every command of the walkthrough is a CLI command').toMatch(CLI_PREFIX);
      // The operator copies the order id from the listing before.
      const typed = line
        .replace(CLI_PREFIX, '')
        .replace('PO-…', lastOut.match(/PO-[\w-]+/)?.[0] ?? 'PO-…');
      const { argv, redirect } = words(typed);
      const result = await cli(argv);
      expect({ line, code: result.code, err: result.code === 0 ? '' : result.err }).toEqual({
        line,
        code: 0,
        err: '',
      });
      if (redirect) writeFileSync(redirect, `${result.out}\n`);
      lastOut = result.out;
      // A person reads the output of a write before typing the next command: the pipeline has
      // moved on by then.
      if (argv.some((word) => WRITES.includes(word))) await sandbox.settle();
    }

    const lowStock = sandbox.outbox.filter(
      (a) =>
        a.attributes.sku === 'MUG-BLUE' &&
        a.attributes.level === 'LOW_STOCK' &&
        a.attributes.locale === 'en',
    );
    expect(lowStock.at(-2)?.sms).toMatch(/qty 60 -> 15 \(<=20\) purchase-order/);
    expect(lowStock.at(-1)?.sms).toMatch(/Low stock resolved: MUG-BLUE @ WH-1 qty 15 -> 65/);
    expect(sandbox.effects).toContainEqual(
      expect.objectContaining({
        sku: 'MUG-BLUE',
        strategy: 'purchase-order',
        outcome: 'applied',
        effect: expect.objectContaining({
          decision: expect.objectContaining({ quantity: 50, supplier: 'ACME' }),
        }),
      }),
    );
    const report = parseCsv(readFileSync('report.csv', 'utf8'), { columns: true });
    expect(report).toContainEqual(expect.objectContaining({ sku: 'MUG-BLUE', level: 'LOW_STOCK' }));
  });
});
