import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { queryAll } from '../../shared/adapters/query-all.js';
import { RulesRepository } from '../../shared/adapters/rules-repository.js';
import { itemKeyOf } from '../../shared/contracts/inventory.js';
import { type RuleScope, ruleKeyOf } from '../../shared/domain/rules.js';
import { OverlayChangedError, UsageError } from '../../shared/errors.js';
import type { CommandInput } from '../args.js';
import { type Format, type Io, parseDuration, printResult } from '../io.js';
import type { Target } from '../target.js';

type StockItem = { sku: string; location: string; category?: string | undefined };

/** The stock items a snooze covers: the one at `location`, or every location of the sku. */
const itemsOf = async (target: Target, sku: string, location?: string): Promise<StockItem[]> => {
  const found: Record<string, unknown>[] = [];
  if (location) {
    const { Item } = await target.doc.send(
      new GetCommand({ TableName: target.inventoryTable, Key: { sku, location } }),
    );
    if (Item) found.push(Item);
  } else {
    found.push(
      ...(await queryAll(target.doc, {
        TableName: target.inventoryTable,
        KeyConditionExpression: 'sku = :sku',
        ExpressionAttributeValues: { ':sku': sku },
      })),
    );
  }
  return found.map((item) => ({
    sku: String(item.sku),
    location: String(item.location),
    category: typeof item.category === 'string' ? item.category : undefined,
  }));
};

/** The first line of `snooze --help`, and what a wrong call is told. */
export const SNOOZE_USAGE = 'snooze <sku> [--location L] --for <30m|2h|1d>';

/**
 * `snooze <sku> [--location L] --for 2h`: silences alerts for the item (or every location of
 * the sku) by laying a snooze over the rules its items resolve to. No rule is copied: later
 * edits of those rules (category, default, …) still reach the items, and strategies still run.
 */
export const snoozeCommand = async (
  input: CommandInput,
  target: Target,
  io: Io,
  format: Format,
): Promise<void> => {
  const sku = input.positionals[0];
  if (!sku) throw new UsageError(`${SNOOZE_USAGE}: missing the sku`);
  const until = new Date(Date.now() + parseDuration(input.required('for'), '--for')).toISOString();
  const location = input.string('location');
  const where = location ? `${sku} at ${location}` : sku;

  const items = await itemsOf(target, sku, location);
  if (items.length === 0)
    throw new UsageError(
      `No stock item ${where}: check the sku${location ? ' and location' : ''} (stock get ${sku})`,
    );
  const repository = new RulesRepository(target.doc, target.controlTable, 0);
  const resolved = await repository.resolveMany(
    items.map((item) => ({ itemKey: itemKeyOf(item), item })),
  );
  const covered = items.flatMap((item) => {
    const rule = resolved.get(itemKeyOf(item));
    return rule ? [`${item.location} → rule ${rule.key}`] : [];
  });
  if (covered.length === 0)
    throw new UsageError(`No rule applies to ${where}; there is nothing to snooze`);

  const scope: RuleScope = location ? { sku, location } : { sku };
  const scopeKey = ruleKeyOf(scope);
  // Read, merge, write conditionally: a threshold override at the same scope is kept, and a
  // change made meanwhile is read again instead of overwritten.
  for (let attempt = 1; ; attempt++) {
    const read = (await repository.readOverlays([scopeKey])).get(scopeKey);
    if (!read) throw new Error(`readOverlays returned nothing for ${scopeKey}`);
    try {
      await repository.writeOverlays(
        [{ overlay: { ...read.overlay, scope, snoozeUntil: until }, read }],
        'cli snooze',
      );
      break;
    } catch (error) {
      if (!(error instanceof OverlayChangedError) || attempt >= 3) throw error;
    }
  }
  printResult(
    io,
    format,
    `Alerts for ${where} snoozed until ${until} (overlay ${scopeKey}, over: ${covered.join(', ')})`,
    { sku, location, snoozeUntil: until, overlay: scopeKey },
  );
  io.err('Rule edits still reach the item while it is snoozed; strategies still run.');
};
