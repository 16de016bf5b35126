import { InvalidRuleError, UsageError } from '../shared/errors.js';
import {
  type CommandInput,
  type CommandResult,
  commandInput,
  didYouMean,
  type OptionSpecs,
  parseCommandArgs,
  positionalsOf,
} from './args.js';
import { ALERTS_USAGE, alertsCommand } from './commands/alerts.js';
import { COST_USAGE, costCommand } from './commands/cost.js';
import { DLQ_USAGE, dlqCommand } from './commands/dlq.js';
import { LEDGER_USAGE, ledgerCommand, reportCommand } from './commands/operations.js';
import { ORDERS_USAGE, ordersCommand } from './commands/orders.js';
import { rulesCommand } from './commands/rules.js';
import { SNOOZE_USAGE, snoozeCommand } from './commands/snooze.js';
import { stockCommand } from './commands/stock.js';
import { subscribeCommand, subscriptionsCommand } from './commands/subscriptions.js';
import { thresholdsCommand } from './commands/thresholds.js';
import { type Format, type Io, processIo } from './io.js';
import { awsTarget, sandboxTarget, type Target } from './target.js';

const HELP: Record<string, string> = {
  rules: `rules list | get <key> | put <file> | delete <key> | import <file> | export [file]
rules reindex
  Keys: default, category#<c>, sku#<sku>, sku#<sku>#location#<loc>; a "#" or "\\" in a name
  is written "\\#" or "\\\\" (sku A#1: 'sku#A\\#1'). Files are JSON or YAML;
  every rule is validated and nothing is written if any is invalid.
  reindex builds the rules directory (which items have rules of their own) once, on a table
  an earlier release wrote; later edits keep it up to date.
Examples:
  rules put rule.yaml --sandbox
  rules import rules.yaml --env prod
  rules export backup.yaml --env prod
  rules reindex --env prod`,
  stock: `stock get <sku> [--location L] | set <sku> --location L --quantity N [--create]
stock adjust <sku> --location L --by N [--create] | import <file.csv> [--resume]
  set and adjust change an existing item only; --create creates a new one (and refuses one
  that exists). Quantities are whole numbers unless the environment config sets
  decimalQuantities; a set or adjust (or an imported row) that would leave stock below zero is
  refused unless --allow-negative (a backorder).
  CSV: the first line is the header sku,location,quantity[,price,category,name,
  lowStockThreshold,overstockThreshold]; a file without it, or with another column, is refused.
  Bad rows are reported with their line on stderr and skipped, and the import exits 3; an item
  given twice is written from its last row and the earlier rows are reported; --resume
  continues an interrupted import.
Examples:
  stock adjust MUG-1 --location WH-1 --by -3 --sandbox
  stock set MUG-2 --location WH-1 --quantity 40 --create --sandbox
  stock import catalog.csv --env prod`,
  subscribe: `subscribe email|sms <address> | subscribe https://<webhook>
  [--levels L1,L2] [--locations A,B] [--categories C] [--no-resolved] [--locale en|zh-CN]
  [--digest 15m [--digest-critical]]
  --digest sums each window's alerts into one message; critical ones still come at once
  unless --digest-critical. A webhook receives the event detail as JSON (raw delivery, retried by SNS); http:// only
  with --sandbox. --locale must be one the environment publishes in (docs/subscribers.md).
Examples:
  subscribe email buyer@example.com --categories toys --env prod
  subscribe sms +14155550100 --levels OUT_OF_STOCK --no-resolved --env prod
  subscribe email cangku@example.com --locale zh-CN --sandbox
  subscribe sms +14155550100 --digest 15m --env prod
  subscribe https://hooks.example.com/stock --levels OUT_OF_STOCK --env prod`,
  subscriptions: `subscriptions list | remove <id>
  In the sandbox, list shows the environment's subscribers (source environment: the demo's
  when the environment configures none; change them in infra/config/environments.ts) and those
  added with subscribe --sandbox (source cli), which are kept in .sandbox/subscriptions.json:
  a JSON array of {id, protocol, endpoint, filterPolicy}, read at every alert, kept across runs.
Example:
  subscriptions list --env prod`,
  alerts: `${ALERTS_USAGE}
  Without --open: the history of alerts from the audit ledger within --since (default 7d):
  each trigger and resolve with when, the quantity change, the threshold, whether people were
  told (and why not: snoozed, in cooldown, no channels, its trigger silenced) and what the
  strategy did. With --open: the alerts open now (with --sku and --location, that item's).
Example:
  alerts list --sku MUG-1 --level LOW_STOCK --since 1d --sandbox
  alerts list --open --sandbox`,
  snooze: `${SNOOZE_USAGE}
  Silences alerts for the item at L, or for every location of the sku, over whatever rule
  each resolves to: rule edits still reach it, strategies still run.
Example:
  snooze MUG-1 --location WH-1 --for 4h --env prod`,
  orders: `${ORDERS_USAGE}
  list goes back as far as an open order still blocks a new one (openOrderMaxAgeDays in the
  environment config) unless --since says otherwise. Receiving raises stock, closes the order
  and records it in the ledger; cancelling closes it unreceived, so the item can be ordered
  again, and records that too.
Example:
  orders list --open --sku MUG-1 --since 30d --sandbox
  orders receive PO-abc123 --quantity 48 --sandbox
  orders cancel PO-abc123 --env prod`,
  ledger: `${LEDGER_USAGE}
Example:
  ledger list --sku MUG-1 --since 1d --sandbox`,
  thresholds: `thresholds suggest [--apply] [--sku SKU] [--lead-time 7] [--service-level 0.95]
thresholds rollup --day yyyy-mm-dd
  suggest: current vs suggested low-stock threshold per item, with days of cover and the
  stockout risk within the lead time, from the complete days of demand rolled up. Items whose
  rule has a demand policy use it. --apply writes changed suggestions as item rules and
  records them in the ledger.
  rollup: rolls a past day's demand journal up into its day totals again, as the nightly
  roll-up does (a repair); writes only what differs.
Example:
  thresholds suggest --env prod
  thresholds suggest --apply --sku MUG-1 --sandbox
  thresholds rollup --day 2026-11-24 --env prod`,
  cost: `${COST_USAGE}
  Monthly cost by service from the price table in shared/domain/pricing.ts (dated, with sources)
  and the counts npm run bench measured (bench/results/cost-counts.json, or --counts). --digest
  puts subscribers on digests of that window: the SMS subscribers, or those --digest-channels
  names (sms, email); --immediate-share is the share of their alerts that are critical and still
  go at once (default 0: they chose --digest-critical). --items-sold-per-day (default 5,000)
  prices the nightly demand roll-up, one item-day each; --own-rule-share (default 0) is the share
  of changes to items with a rule of their own, whose rules the monitor reads.
Example:
  cost --writes-per-day 500000 --crossing-rate 0.02 --sms-share 0.1
  cost --writes-per-day 500000 --crossing-rate 0.02 --sms-share 0.1 --digest 15m
  cost --writes-per-day 500000 --crossing-rate 0.02 --digest 15m --digest-channels sms,email`,
  dlq: `${DLQ_USAGE}
  Stream records that can never succeed (undecodable, not an inventory item) are quarantined
  for 14 days with their old and new images and the reason, and acknowledged. Fix the cause
  (usually the item in the inventory table), then replay: the item is touched (a write that
  changes no stock) and judged again on its current stock. --since (default and at most 14d)
  is how far back list and replay look.
Example:
  dlq list --since 1d --env prod
  dlq replay --all --sandbox`,
  report: `report [--since 7d] [--json | --csv]
       report --html report.html [--since 7d] [--sku SKU] [--location L] [--top 10]
  Per item and level: alerts, still open, time to recover (p50/p90), stockout time; effects
  by strategy and outcome; the items that alert most. Durations: readable in the table
  (246 ms, 4.2s, 3d 4h), seconds as numbers in CSV and JSON (…Seconds columns and fields). --html writes one self-contained page: the summary beside the period
  before, and per item (the top N by stockout time) a chart of quantity, thresholds, alerts,
  orders and price, with findings; it prints the file's path.
Example:
  report --since 30d --env prod
  report --html report.html --since 30d --top 5 --sandbox`,
};

/**
 * A command that reads or changes what the target holds. It exits 0 unless it returns a
 * {@link CommandResult}; whatever else it returns (`return io.out(…)`) is ignored.
 */
type TargetCommand = (
  input: CommandInput,
  target: Target,
  io: Io,
  format: Format,
) => Promise<CommandResult | unknown>;

/**
 * One command of the CLI: its options (for each subcommand, when it has them), its help, and
 * whether it needs a target (every one but `cost`, which only computes). The one registry the
 * parser, the help and the unknown-command message all read: add a command or an option here.
 */
type Command = {
  readonly summary: string;
  /** Options of a command without subcommands. */
  readonly options?: OptionSpecs;
  /** Each subcommand with its options, for commands that have them. */
  readonly subcommands?: Readonly<Record<string, OptionSpecs>>;
} & (
  | { readonly needsTarget: true; readonly run: TargetCommand }
  | {
      readonly needsTarget: false;
      readonly run: (input: CommandInput, io: Io, format: Format) => Promise<void>;
    }
);

const string = { type: 'string' } as const;
const flag = { type: 'boolean' } as const;

/** Options every command accepts. */
const GLOBAL_OPTIONS: OptionSpecs = {
  sandbox: flag,
  env: string,
  resources: string,
  json: flag,
  csv: flag,
  help: { type: 'boolean', short: 'h' },
};

export const COMMANDS: Readonly<Record<string, Command>> = {
  rules: {
    summary: 'list, get, put, delete, import and export alert rules (JSON or YAML); reindex',
    needsTarget: true,
    subcommands: { list: {}, get: {}, put: {}, delete: {}, import: {}, export: {}, reindex: {} },
    run: rulesCommand,
  },
  stock: {
    summary: 'get, set, adjust stock; import a CSV of stock',
    needsTarget: true,
    subcommands: {
      get: { location: string },
      set: { location: string, quantity: string, create: flag, 'allow-negative': flag },
      adjust: { location: string, by: string, create: flag, 'allow-negative': flag },
      import: { resume: flag, 'allow-negative': flag },
    },
    run: stockCommand,
  },
  subscribe: {
    summary: 'subscribe an e-mail address, phone number or webhook to alerts',
    needsTarget: true,
    options: {
      levels: string,
      locations: string,
      categories: string,
      'no-resolved': flag,
      locale: string,
      digest: string,
      'digest-critical': flag,
    },
    run: subscribeCommand,
  },
  subscriptions: {
    summary: 'list or remove subscriptions',
    needsTarget: true,
    subcommands: { list: {}, remove: {} },
    run: subscriptionsCommand,
  },
  alerts: {
    summary: 'the history of alerts (triggered, resolved); the open ones with --open',
    needsTarget: true,
    subcommands: {
      list: { open: flag, sku: string, location: string, level: string, since: string },
    },
    run: alertsCommand,
  },
  snooze: {
    summary: 'silence alerts for an item for a while',
    needsTarget: true,
    options: { location: string, for: string },
    run: snoozeCommand,
  },
  orders: {
    summary: 'list purchase orders, receive or cancel one',
    needsTarget: true,
    subcommands: {
      list: { open: flag, sku: string, since: string },
      receive: { quantity: string },
      cancel: {},
    },
    run: ordersCommand,
  },
  ledger: {
    summary: 'list the audit ledger',
    needsTarget: true,
    subcommands: { list: { sku: string, since: string } },
    run: ledgerCommand,
  },
  report: {
    summary: 'effectiveness: alerts, time to recover, stockout time, effects; --html charts',
    needsTarget: true,
    options: { since: string, html: string, sku: string, location: string, top: string },
    run: reportCommand,
  },
  thresholds: {
    summary:
      'suggest low-stock thresholds from observed demand (--apply writes them); roll up a day',
    needsTarget: true,
    subcommands: {
      suggest: { apply: flag, sku: string, 'lead-time': string, 'service-level': string },
      rollup: { day: string },
    },
    run: thresholdsCommand,
  },
  cost: {
    summary: "monthly AWS cost for a load, next to a naive consumer's (needs no target)",
    needsTarget: false,
    options: {
      'writes-per-day': string,
      'crossing-rate': string,
      'sms-share': string,
      'email-subscribers': string,
      'records-per-invocation': string,
      'demand-records-per-invocation': string,
      'sale-share': string,
      'items-sold-per-day': string,
      'own-rule-share': string,
      digest: string,
      'immediate-share': string,
      'digest-channels': string,
      counts: string,
    },
    run: costCommand,
  },
  dlq: {
    summary: 'list quarantined stream records; replay them once the cause is fixed',
    needsTarget: true,
    subcommands: { list: { since: string }, replay: { since: string, all: flag } },
    run: dlqCommand,
  },
};

/** The top-level help: usage, every command of the registry, targets, examples. */
const mainHelp = (): string => {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length)) + 2;
  const commands = Object.entries(COMMANDS)
    .map(([name, command]) => `  ${name.padEnd(width)}${command.summary}`)
    .join('\n');
  return `inventory-alerts: operate stock alerting from the command line

Usage: npx inventory-alerts <command> [options] (--sandbox | --env <name>) [--json | --csv]
       npx inventory-alerts help [command]

Commands:
  help${' '.repeat(width - 4)}this help, or a command's options and examples
${commands}

${HELP_FOOTER}`;
};

const HELP_FOOTER = `Target:
  --sandbox             the local sandbox started with npm start (.sandbox/resources.json)
  --resources <file>    a sandbox resources file elsewhere
  --env <name>          a deployed environment (AWS credentials and region from the usual chain)

Output: tables for people; --json or --csv put only the data on stdout (notes and progress go
to stderr), so "… --csv > report.csv" is a clean file.

Exit codes: 0 done; 1 failed (AWS or unexpected); 2 your input needs fixing (the message says
what, and nothing was written); 3 stock import wrote the good rows but skipped some (listed on
stderr by line).

Examples:
  npx inventory-alerts rules put rule.yaml --sandbox
  npx inventory-alerts subscribe sms +14155550100 --levels OUT_OF_STOCK --no-resolved --env prod
  npx inventory-alerts report --since 7d --env prod --csv > report.csv

Run "npx inventory-alerts help <command>" for a command's options.`;

/** The command word: the first argument that is neither a global option nor its value. */
const splitCommand = (argv: readonly string[]) => {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--env' || arg === '--resources') i++;
    else if (!arg.startsWith('-'))
      return { command: arg, rest: [...argv.slice(0, i), ...argv.slice(i + 1)] };
  }
  return { command: undefined, rest: [...argv] };
};

type Globals = { sandbox: boolean; env?: string; resources?: string };

/**
 * The command's input parsed strictly: its subcommand (named when unknown), then every option
 * against the globals and that subcommand's own.
 */
const parseInput = (name: string, command: Command, args: readonly string[]) => {
  if (!command.subcommands) {
    const { values, positionals } = parseCommandArgs(
      args,
      { ...GLOBAL_OPTIONS, ...command.options },
      name,
    );
    return { values, input: commandInput(undefined, positionals, values) };
  }
  const subcommands = Object.keys(command.subcommands);
  const everyOption = Object.assign({}, GLOBAL_OPTIONS, ...Object.values(command.subcommands));
  const [action] = positionalsOf(args, everyOption);
  const wantsHelp = args.includes('--help') || args.includes('-h');
  if (action === undefined || !(action in command.subcommands)) {
    if (wantsHelp) return { values: { help: true }, input: commandInput(action, [], {}) };
    throw new UsageError(
      action === undefined
        ? `${name} needs a subcommand: ${subcommands.join(', ')}. See: help ${name}`
        : `unknown subcommand '${action}' for ${name}${didYouMean(action, subcommands)}; subcommands: ${subcommands.join(', ')}`,
    );
  }
  const { values, positionals } = parseCommandArgs(
    args,
    { ...GLOBAL_OPTIONS, ...command.subcommands[action] },
    `${name} ${action}`,
  );
  return { values, input: commandInput(action, positionals.slice(1), values) };
};

const unknownCommand = (name: string) =>
  new UsageError(
    `unknown command '${name}'${didYouMean(name, [...Object.keys(COMMANDS), 'help'])}. Commands: help, ${Object.keys(COMMANDS).join(', ')}`,
  );

/** `help`, `help <command>`, `<command> --help`: the text, or an unknown command named. */
const helpFor = (name: string | undefined): string => {
  if (name === undefined || name === 'help') return mainHelp();
  if (!(name in COMMANDS)) throw unknownCommand(name);
  return HELP[name] as string;
};

/**
 * Runs one CLI command. Returns the exit code: 0 done, 1 failed (AWS or unexpected), 2 the
 * input needs fixing (the message says how), 3 an import that skipped rows. Tests call this
 * with their own `io` and target.
 */
export const runCli = async (
  argv: string[],
  io: Io = processIo,
  resolveTarget?: (g: Globals) => Promise<Target>,
): Promise<number> => {
  let sandboxEndpoint: string | undefined;
  try {
    const { command: name, rest } = splitCommand(argv);
    if (name === undefined || name === 'help') {
      const { positionals, values } = parseCommandArgs(rest, GLOBAL_OPTIONS, 'help');
      io.out(helpFor(positionals[0]));
      return name === 'help' || values.help ? 0 : 2;
    }
    const command = COMMANDS[name];
    if (!command) throw unknownCommand(name);
    const { values, input } = parseInput(name, command, rest);
    if (values.help) {
      io.out(helpFor(name));
      return 0;
    }
    if (values.json && values.csv) throw new UsageError('choose one of --json and --csv');
    const format: Format = values.json ? 'json' : values.csv ? 'csv' : 'table';
    if (!command.needsTarget) {
      await command.run(input, io, format);
      return 0;
    }
    const globals: Globals = {
      sandbox: values.sandbox === true,
      ...(typeof values.env === 'string' ? { env: values.env } : {}),
      ...(typeof values.resources === 'string' ? { resources: values.resources } : {}),
    };
    if (!globals.sandbox && !globals.env && !globals.resources) {
      throw new UsageError(
        'Choose a target: --sandbox (the local sandbox) or --env <name> (a deployed environment)',
      );
    }
    const target = resolveTarget
      ? await resolveTarget(globals)
      : globals.env
        ? await awsTarget(globals.env)
        : sandboxTarget(globals.resources);
    sandboxEndpoint = target.endpoint;
    // Commands may end with `return io.out(…)`: only an exit code object sets the code.
    const result: unknown = await command.run(input, target, io, format);
    return typeof result === 'object' && result !== null && 'exitCode' in result
      ? Number(result.exitCode)
      : 0;
  } catch (error) {
    if (error instanceof UsageError || error instanceof InvalidRuleError) {
      io.err(error.message);
      return 2;
    }
    if (sandboxEndpoint && isConnectionRefused(error)) {
      io.err(`the sandbox at ${sandboxEndpoint} is not running: start it with npm start`);
      return 2;
    }
    io.err(`Failed: ${(error as Error).name}: ${(error as Error).message}`);
    return 1;
  }
};

/** Whether the error is a refused TCP connection (the SDK passes Node's error through). */
const isConnectionRefused = (error: unknown): boolean => {
  for (let e = error as { code?: unknown; cause?: unknown } | undefined; e; e = e.cause as never)
    if (e.code === 'ECONNREFUSED') return true;
  return false;
};
