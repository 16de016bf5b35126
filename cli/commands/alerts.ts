import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { isAlertEffect, type LedgerEntry } from '../../shared/adapters/ledger.js';
import { ControlKeys } from '../../shared/contracts/tables.js';
import { LEVELS } from '../../shared/domain/levels.js';
import { UsageError } from '../../shared/errors.js';
import { type CommandInput, didYouMean } from '../args.js';
import { listKind, windowSince } from '../control-items.js';
import { type Format, type Io, printRows } from '../io.js';
import type { Target } from '../target.js';
import { sinceOf } from './operations.js';

/** The first line of `alerts --help`. */
export const ALERTS_USAGE =
  'alerts list [--open] [--sku SKU] [--location L] [--level LEVEL] [--since 7d|2026-11-01]';

/** What people were told, in words: the ledger keeps why an alert was silenced. */
const SILENCED: Record<string, string> = {
  snooze: 'no: snoozed',
  cooldown: 'no: in cooldown',
  'no-channels': 'no: the rule has no channels',
  'trigger-silenced': 'no: its trigger was silenced',
};

/** The filters both views share. */
interface AlertFilter {
  readonly sku: string | undefined;
  readonly location: string | undefined;
  readonly level: string | undefined;
}

const matches = (filter: AlertFilter, row: { sku: unknown; location: unknown; level: unknown }) =>
  (!filter.sku || row.sku === filter.sku) &&
  (!filter.location || row.location === filter.location) &&
  (!filter.level || row.level === filter.level);

/**
 * `alerts list`: the history of alerts from the audit ledger (each trigger and resolve: when,
 * quantity, threshold, whether people were told and why not, what the strategy did), within
 * `--since`; `--open` for the alerts open now, from the alert states.
 */
export const alertsCommand = async (
  input: CommandInput,
  target: Target,
  io: Io,
  format: Format,
): Promise<void> => {
  const level = input.string('level');
  if (level !== undefined && !(LEVELS as readonly string[]).includes(level))
    throw new UsageError(
      `--level must be one of ${LEVELS.join(', ')}, got "${level}"${didYouMean(level, LEVELS)}`,
    );
  const filter = { sku: input.string('sku'), location: input.string('location'), level };
  if (input.flag('open')) return openAlerts(target, io, format, filter);
  const since = sinceOf(input.string('since'), '7d') as string;
  const entries = (await listKind(
    target,
    'LEDGER',
    windowSince(since),
  )) as unknown as LedgerEntry[];
  printRows(
    io,
    historyOf(entries.filter((e) => isAlertEffect(e) && matches(filter, e))),
    [
      'at',
      'sku',
      'location',
      'level',
      'transition',
      'quantity',
      'threshold',
      'notified',
      'strategy',
      'alertId',
    ],
    format,
  );
};

/**
 * One row per level change (the ledger has one entry per change and strategy), in time order.
 * `quantity` reads `24 -> 8`; entries of earlier releases, which kept no quantities, leave
 * the cells empty.
 */
const historyOf = (entries: readonly LedgerEntry[]): Record<string, unknown>[] => {
  const byChange = new Map<string, LedgerEntry[]>();
  for (const entry of entries) {
    const key = `${entry.alertId}|${entry.transition}`;
    byChange.set(key, [...(byChange.get(key) ?? []), entry]);
  }
  return [...byChange.values()]
    .map((group) => {
      const first = group[0] as LedgerEntry;
      const facts = group.find((e) => e.alert)?.alert;
      return {
        at: first.occurredAt,
        sku: first.sku,
        location: first.location,
        level: first.level,
        transition: first.transition,
        quantity: facts ? `${facts.previousQuantity ?? '?'} -> ${facts.quantity ?? '?'}` : '',
        threshold: facts?.threshold ?? '',
        notified: facts
          ? facts.notified
            ? 'yes'
            : (SILENCED[facts.silencedBy ?? ''] ?? 'no')
          : '',
        strategy: group
          .map((e) => `${e.strategy} ${e.outcome}${e.reason ? ` (${e.reason})` : ''}`)
          .join('; '),
        alertId: first.alertId,
      };
    })
    .sort((a, b) => String(a.at).localeCompare(String(b.at)));
};

/** The alerts open now: one item's by key (with --sku and --location), else every open one. */
const openAlerts = async (target: Target, io: Io, format: Format, filter: AlertFilter) => {
  const states =
    filter.sku !== undefined && filter.location !== undefined
      ? [
          (
            await target.doc.send(
              new GetCommand({
                TableName: target.controlTable,
                Key: ControlKeys.alertState(filter.sku, filter.location),
              }),
            )
          ).Item ?? { sku: filter.sku, location: filter.location, open: {} },
        ]
      : await listKind(target, 'ALERTS');
  const rows = states.flatMap((state) =>
    Object.entries(
      (state.open ?? {}) as Record<
        string,
        { alertId: string; triggeredAt: string; threshold: number; announced: boolean }
      >,
    ).map(([level, alert]) => ({
      sku: state.sku,
      location: state.location,
      level,
      since: alert.triggeredAt,
      threshold: alert.threshold,
      notified: alert.announced ? 'yes' : 'no',
      alertId: alert.alertId,
    })),
  );
  printRows(
    io,
    rows.filter((row) => matches(filter, row)),
    ['sku', 'location', 'level', 'since', 'threshold', 'notified', 'alertId'],
    format,
  );
};
