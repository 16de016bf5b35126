import { InvalidRuleError, UsageError } from '../shared/errors.js';
import { COST_USAGE, costCommand } from './commands/cost.js';
import { DLQ_USAGE, dlqCommand } from './commands/dlq.js';
import {
  ALERTS_USAGE,
  alertsCommand,
  LEDGER_USAGE,
  ledgerCommand,
  ORDERS_USAGE,
  ordersCommand,
  reportCommand,
} from './commands/operations.js';
import { rulesCommand } from './commands/rules.js';
import { SNOOZE_USAGE, snoozeCommand } from './commands/snooze.js';
import { stockCommand } from './commands/stock.js';
import { subscribeCommand, subscriptionsCommand } from './commands/subscriptions.js';
import { thresholdsCommand } from './commands/thresholds.js';
import { type Format, type Io, processIo } from './io.js';
import { awsTarget, sandboxTarget, type Target } from './target.js';

const HELP: Record<string, string> = {
  '': `inventory-alerts: operate stock alerting from the command line

Usage: npx inventory-alerts <command> [options] (--sandbox | --env <name>) [--json | --csv]

Commands:
  rules           list, get, put, delete, import and export alert rules (JSON or YAML)
  stock           get, set, adjust stock; import a CSV of stock
  subscribe       subscribe an e-mail address, phone number or webhook to alerts
  subscriptions   list or remove subscriptions
  alerts          list alerts (open ones with --open)
  snooze          silence alerts for an item for a while
  orders          list purchase orders, receive or cancel one
  ledger          list the audit ledger
  report          effectiveness: alerts, time to recover, stockout time, effects
  thresholds      suggest low-stock thresholds from observed demand; --apply writes them
  cost            monthly AWS cost for a load, next to a naive consumer's (needs no target)
  dlq             list quarantined stream records; replay them once the cause is fixed

Target:
  --sandbox             the local sandbox started with npm start (.sandbox/resources.json)
  --resources <file>    a sandbox resources file elsewhere
  --env <name>          a deployed environment (AWS credentials and region from the usual chain)

Examples:
  npx inventory-alerts rules put rule.yaml --sandbox
  npx inventory-alerts subscribe sms +14155550100 --levels OUT_OF_STOCK --no-resolved --env prod
  npx inventory-alerts report --since 7d --env prod --csv > report.csv

Run "npx inventory-alerts <command> --help" for a command's options.`,
  rules: `rules list | get <key> | put <file> | delete <key> | import <file> | export [file]
  Keys: default, category#<c>, sku#<sku>, sku#<sku>#location#<loc>; a "#" or "\\" in a name
  is written "\\#" or "\\\\" (sku A#1: 'sku#A\\#1'). Files are JSON or YAML;
  every rule is validated and nothing is written if any is invalid.
Examples:
  rules put rule.yaml --sandbox
  rules import rules.yaml --env prod
  rules export backup.yaml --env prod`,
  stock: `stock get <sku> [--location L] | set <sku> --location L --quantity N [--create]
stock adjust <sku> --location L --by N [--create] | import <file.csv> [--resume]
  set and adjust change an existing item only; --create creates a new one (and refuses one
  that exists). CSV header: sku,location,quantity[,price,category,name,lowStockThreshold,
  overstockThreshold]. Bad rows are reported with their line and skipped; an item given twice
  is written from its last row and the earlier rows are reported; --resume continues an
  interrupted import.
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
Example:
  subscriptions list --env prod`,
  alerts: `${ALERTS_USAGE}
  Open alerts (with --sku, of that sku); with --sku and --location, that item's alerts even
  when none is open (--open leaves it out then).
Example:
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
  Current vs suggested low-stock threshold per item, with days of cover and the stockout risk
  within the lead time. Items whose rule has a demand policy use it. --apply writes changed
  suggestions as item rules and records them in the ledger.
Example:
  thresholds suggest --env prod
  thresholds suggest --apply --sku MUG-1 --sandbox`,
  cost: `${COST_USAGE}
  Monthly cost by service from the price table in shared/domain/pricing.ts (dated, with sources).
Example:
  cost --writes-per-day 500000 --crossing-rate 0.02 --sms-share 0.1`,
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
  by strategy and outcome; the items that alert most. --html writes one self-contained page:
  the summary beside the period before, and per item (the top N by stockout time) a chart of
  quantity, thresholds, alerts, orders and price, with findings; it prints the file's path.
Example:
  report --since 30d --env prod
  report --html report.html --since 30d --top 5 --sandbox`,
};

/** A command that reads or changes what the target holds. */
type TargetCommand = (args: string[], target: Target, io: Io, format: Format) => Promise<void>;

/** A command, and whether it needs a target: every one but `cost`, which only computes. */
type Command =
  | { readonly needsTarget: true; readonly run: TargetCommand }
  | {
      readonly needsTarget: false;
      readonly run: (args: string[], io: Io, format: Format) => Promise<void>;
    };

const onTarget = (run: TargetCommand): Command => ({ needsTarget: true, run });

const COMMANDS: Record<string, Command> = {
  rules: onTarget(rulesCommand),
  stock: onTarget(stockCommand),
  subscribe: onTarget(subscribeCommand),
  subscriptions: onTarget(subscriptionsCommand),
  alerts: onTarget(alertsCommand),
  snooze: onTarget(snoozeCommand),
  orders: onTarget(ordersCommand),
  ledger: onTarget(ledgerCommand),
  report: onTarget(reportCommand),
  thresholds: onTarget(thresholdsCommand),
  cost: { needsTarget: false, run: costCommand },
  dlq: onTarget(dlqCommand),
};

/** Takes the global options out of argv, wherever they stand. */
const splitGlobals = (argv: string[]) => {
  const rest: string[] = [];
  const globals = {
    sandbox: false,
    env: undefined as string | undefined,
    resources: undefined as string | undefined,
    format: 'table' as Format,
    help: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--sandbox') globals.sandbox = true;
    else if (arg === '--json') globals.format = 'json';
    else if (arg === '--csv') globals.format = 'csv';
    else if (arg === '--help' || arg === '-h') globals.help = true;
    else if (arg === '--env' || arg === '--resources') {
      const value = argv[++i];
      if (!value || value.startsWith('--')) throw new UsageError(`${arg} needs a value`);
      if (arg === '--env') globals.env = value;
      else globals.resources = value;
    } else rest.push(arg);
  }
  return { globals, rest };
};

/**
 * Runs one CLI command. Returns the exit code: 0 done, 1 failed (AWS or unexpected), 2 the
 * input needs fixing (the message says how). Tests call this with their own `io` and target.
 */
export const runCli = async (
  argv: string[],
  io: Io = processIo,
  resolveTarget?: (g: { sandbox: boolean; env?: string; resources?: string }) => Promise<Target>,
): Promise<number> => {
  try {
    const { globals, rest } = splitGlobals(argv);
    const [command, ...args] = rest;
    if (globals.help || !command) {
      io.out(HELP[command ?? ''] ?? (HELP[''] as string));
      return command || globals.help ? 0 : 2;
    }
    const found = COMMANDS[command];
    if (!found)
      throw new UsageError(
        `Unknown command "${command}". Commands: ${Object.keys(COMMANDS).join(', ')}`,
      );
    if (!found.needsTarget) {
      await found.run(args, io, globals.format);
      return 0;
    }
    if (!globals.sandbox && !globals.env && !globals.resources) {
      throw new UsageError(
        'Choose a target: --sandbox (the local sandbox) or --env <name> (a deployed environment)',
      );
    }
    const target = resolveTarget
      ? await resolveTarget(globals as { sandbox: boolean; env?: string; resources?: string })
      : globals.env
        ? await awsTarget(globals.env)
        : sandboxTarget(globals.resources);
    await found.run(args, target, io, globals.format);
    return 0;
  } catch (error) {
    if (error instanceof UsageError || error instanceof InvalidRuleError) {
      io.err(error.message);
      return 2;
    }
    if (
      error instanceof TypeError &&
      (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')
    ) {
      io.err(`${error.message}. See --help.`);
      return 2;
    }
    io.err(`Failed: ${(error as Error).name}: ${(error as Error).message}`);
    return 1;
  }
};
