import { rollUpDay } from '../../shared/adapters/demand-journal.js';
import { dailySeries, lastCompleteDay } from '../../shared/adapters/demand-repository.js';
import { Ledger, OperatorAction } from '../../shared/adapters/ledger.js';
import { scanAll } from '../../shared/adapters/query-all.js';
import {
  OVERLAY_TRANSACTION_LIMIT,
  type OverlayWrite,
  RulesRepository,
  type StoredOverlay,
} from '../../shared/adapters/rules-repository.js';
import { itemKeyOf } from '../../shared/contracts/inventory.js';
import { operatorEntryId } from '../../shared/contracts/tables.js';
import { utcDayOf } from '../../shared/domain/days.js';
import {
  type DemandPolicy,
  deriveThresholds,
  rollingStatistics,
  stockoutRisk,
} from '../../shared/domain/demand.js';
import { repairDayProblem, repairStep } from '../../shared/domain/rollup-plan.js';
import {
  DemandPolicySchema,
  effectiveThreshold,
  parseRuleOverlay,
  type ResolvedRule,
  type Rule,
  type RuleOverlay,
  ruleKeyOf,
} from '../../shared/domain/rules.js';
import { thresholdsInForce } from '../../shared/domain/thresholds.js';
import { formatIssues, InvalidRuleError, UsageError, withProgress } from '../../shared/errors.js';
import type { CommandInput } from '../args.js';
import { indexSettingsOf } from '../control-items.js';
import { type Format, type Io, printRows } from '../io.js';
import type { Target } from '../target.js';

const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;

/** One suggestion to apply: the item's overlay with the new LOW_STOCK, and what it changes. */
interface ThresholdChange {
  readonly sku: string;
  readonly location: string;
  readonly category: string | undefined;
  /** The rule the item resolves to; the overlay is laid over it, not copied from it. */
  readonly ruleKey: string;
  readonly current: number | undefined;
  readonly suggested: number;
  readonly days: number;
  readonly before: Rule['thresholds'];
  readonly after: Rule['thresholds'];
  readonly write: OverlayWrite;
}

/** A suggestion to apply, before it is checked against the rule it would be laid over. */
type Suggestion = Omit<ThresholdChange, 'after' | 'write'>;

/** Columns of the suggestion table, in order. */
const COLUMNS = [
  'sku',
  'location',
  'quantity',
  'current',
  'suggested',
  'orderQuantity',
  'basis',
  'meanDaily',
  'stdDevDaily',
  'daysOfCover',
  'stockoutRisk',
] as const;

/** An inventory item as scanned, with its rule key subject. */
export interface Subject {
  readonly item: Record<string, unknown>;
  readonly key: { sku: string; location: string; category: string | undefined };
  readonly itemKey: string;
}

/**
 * `thresholds suggest [--apply]`: per item, the low-stock threshold in force next to the one its
 * demand suggests, days of cover and the risk of a stockout within the lead time. Items whose
 * rule has a `demand` policy use it; others use --lead-time and --service-level.
 * `--apply` lays each changed suggestion over the item's rule chain as an overlay (so later
 * edits of the rules still reach the item) and ledgers it: every change is validated first,
 * and nothing is written unless all are valid.
 */
export const thresholdsCommand = async (
  input: CommandInput,
  target: Target,
  io: Io,
  format: Format,
): Promise<void> => {
  if (input.action === 'rollup') return rollupCommand(input, target, io, format);
  const values = {
    apply: input.flag('apply'),
    sku: input.string('sku'),
    'lead-time': input.string('lead-time') ?? '7',
    'service-level': input.string('service-level') ?? '0.95',
  };
  const defaults = defaultPolicy(values['lead-time'], values['service-level']);
  const subjects = await scanItems(target, values.sku);
  const repository = new RulesRepository(target.doc, target.controlTable, 60_000);
  // Every item's rule in one batched read. `--apply` writes only item-scoped overlays, each
  // for its own item, so no resolution here is changed by another item's change.
  const resolutions = await repository.resolveMany(
    subjects.map((s) => ({ itemKey: s.itemKey, item: s.key })),
  );
  const now = new Date();
  const lastDay = await lastCompleteDay(target.doc, target.controlTable, now);
  const rows: Record<string, unknown>[] = [];
  const suggestions: Suggestion[] = [];
  for (const subject of subjects) {
    const resolved = resolutions.get(subject.itemKey);
    const { row, suggestion } = await suggestFor(target, subject, resolved, defaults, lastDay);
    rows.push(row);
    if (values.apply && suggestion) suggestions.push(suggestion);
  }
  printRows(io, rows, [...COLUMNS], format);
  if (!values.apply) return;
  const changes = await validateChanges(repository, suggestions);
  const applied = await applyChanges(target, repository, changes, now.toISOString());
  io.err(`${applied} suggestion(s) applied as item overlays over their rules`);
};

/**
 * `thresholds rollup --day yyyy-mm-dd`: rolls one day's demand journal up into its demand days
 * again, as the nightly demand-rollup does (a repair: after failed runs, or once a day's late
 * batches are journaled). Only a day before today whose journal is still whole
 * (domain/rollup-plan `repairDayProblem`); the marker moves on only to the day after it. Writes
 * only the days that differ.
 */
const rollupCommand = async (
  input: CommandInput,
  target: Target,
  io: Io,
  format: Format,
): Promise<void> => {
  const day = input.required('day');
  const today = utcDayOf(new Date());
  const problem = repairDayProblem(day, today);
  if (problem) throw new UsageError(`--day: ${problem}`);
  const step = repairStep(day, today);
  const result = await rollUpDay(target.doc, target.controlTable, day, step.moveMarkerFrom);
  const row = {
    day,
    deltas: result.deltas,
    itemDays: result.itemDays,
    written: result.written,
    overlaps: result.overlaps.length,
    markerMoved: result.markerMoved,
  };
  printRows(io, [row], Object.keys(row), format);
  if (result.overlaps.length > 0)
    io.err(
      `${result.overlaps.length} item-day(s) held journal entries that overlap without nesting: both were counted (${result.overlaps.map((o) => `${o.sku}@${o.location}`).join(', ')})`,
    );
};

/** The demand policy for items whose rule has none, from the command's options. */
export const defaultPolicy = (leadTime: string | undefined, serviceLevel: string | undefined) => {
  const defaults = DemandPolicySchema.safeParse({
    leadTimeDays: Number(leadTime),
    serviceLevel: Number(serviceLevel),
    fallbackLowStock: 0,
  });
  if (!defaults.success) {
    throw new UsageError(
      `--lead-time or --service-level: ${formatIssues(defaults.error.issues).join('; ')}`,
    );
  }
  return defaults.data;
};

/** The catalogue's items (one sku's with `--sku`): an operator report, so it may scan. */
const scanItems = async (target: Target, sku: string | undefined): Promise<Subject[]> => {
  const items = (await scanAll(target.doc, { TableName: target.inventoryTable })).filter(
    (i) => !sku || i.sku === sku,
  );
  return items.map((item) => {
    const key = {
      sku: String(item.sku),
      location: String(item.location),
      category: item.category as string | undefined,
    };
    return { item, key, itemKey: itemKeyOf(key) };
  });
};

/**
 * One item's row (threshold in force, suggestion, demand figures) and, when demand suggests a
 * different LOW_STOCK than the one in force, the suggestion to apply, from the demand of the
 * window ending with `lastDay` (the last complete day rolled up). The HTML report writes its
 * findings from the same row.
 */
export const suggestFor = async (
  target: Target,
  { item, key }: Subject,
  resolved: ResolvedRule | undefined,
  defaults: ReturnType<typeof defaultPolicy>,
  lastDay: string,
): Promise<{ row: Record<string, unknown>; suggestion: Suggestion | undefined }> => {
  const current =
    typeof item.lowStockThreshold === 'number'
      ? item.lowStockThreshold
      : resolved
        ? effectiveThreshold(resolved.rule, 'LOW_STOCK')
        : undefined;
  const policy: DemandPolicy = resolved?.rule.demand ?? {
    ...defaults,
    fallbackLowStock: current ?? 0,
  };
  const statistics = rollingStatistics(
    await dailySeries(target.doc, target.controlTable, key, policy.windowDays, lastDay),
  );
  const derived = deriveThresholds(statistics, policy);
  // As the monitor would apply it: never reaching OVERSTOCK − hysteresis.
  const clamp = resolved
    ? thresholdsInForce(
        resolved.rule,
        typeof item.overstockThreshold === 'number' ? { OVERSTOCK: item.overstockThreshold } : {},
        derived.lowStock,
      ).clampedLowStock
    : undefined;
  const quantity = Number(item.quantity ?? 0);
  const covered = statistics.meanDaily > 0;
  const row = {
    sku: key.sku,
    location: key.location,
    quantity,
    current: current ?? '',
    suggested: clamp?.clampedTo ?? derived.lowStock,
    orderQuantity: derived.orderQuantity ?? '',
    basis:
      (derived.basis === 'demand'
        ? `demand (${statistics.days} d)`
        : `fallback: ${derived.reason}`) +
      (clamp ? `; clamped from ${clamp.derived} below OVERSTOCK − hysteresis` : ''),
    meanDaily: round(statistics.meanDaily),
    stdDevDaily: round(statistics.stdDevDaily),
    daysOfCover: covered ? round(quantity / statistics.meanDaily, 1) : '',
    stockoutRisk: covered
      ? `${round(stockoutRisk(quantity, statistics, policy.leadTimeDays) * 100, 1)}%`
      : '',
  };
  // Applied as derived: a value that contradicts OVERSTOCK is refused by name, for the
  // operator to resolve, rather than written clamped as if demand had said so.
  const differs = resolved && derived.basis === 'demand' && derived.lowStock !== current;
  const suggestion = differs
    ? {
        ...key,
        ruleKey: resolved.key,
        before: resolved.rule.thresholds,
        current,
        suggested: derived.lowStock,
        days: statistics.days,
      }
    : undefined;
  return { row, suggestion };
};

/**
 * Every suggestion as an overlay change, each checked against the rule it is laid over (the
 * resolved result must pass the rule's checks). Throws a {@link UsageError} naming every item
 * and field that would contradict, before anything is written.
 */
const validateChanges = async (
  repository: RulesRepository,
  suggestions: readonly Suggestion[],
): Promise<ThresholdChange[]> => {
  const scopeKey = (s: { sku: string; location: string }) =>
    ruleKeyOf({ sku: s.sku, location: s.location });
  const stored = await repository.readOverlays(suggestions.map(scopeKey));
  const problems: string[] = [];
  const changes = await Promise.all(
    suggestions.map(async (suggestion): Promise<ThresholdChange[]> => {
      const { sku, location, category } = suggestion;
      const read = stored.get(scopeKey(suggestion)) as StoredOverlay;
      const overlay: RuleOverlay = {
        ...read.overlay,
        scope: { sku, location },
        thresholds: { ...read.overlay?.thresholds, LOW_STOCK: suggestion.suggested },
      };
      try {
        const resolved = await repository.resolveWithOverlay(
          { sku, location, category },
          parseRuleOverlay(overlay),
        );
        return [
          {
            ...suggestion,
            after: resolved?.rule.thresholds ?? {},
            write: { overlay, read },
          },
        ];
      } catch (error) {
        if (!(error instanceof InvalidRuleError)) throw error;
        problems.push(
          `  ${sku} at ${location} (LOW_STOCK ${suggestion.suggested} over rule ${suggestion.ruleKey}):\n${error.issues.map((i) => `    - ${i}`).join('\n')}`,
        );
        return [];
      }
    }),
  );
  if (problems.length > 0)
    throw new UsageError(
      `thresholds suggest --apply: nothing was written; these suggestions contradict the rules they would be laid over (change the rule, or --lead-time / --service-level):\n${problems.join('\n')}`,
    );
  return changes.flat();
};

/**
 * Writes the overlays in transactions of at most {@link OVERLAY_TRANSACTION_LIMIT}, each all or
 * nothing, and ledgers each change once its transaction has committed. Up to that many changes
 * (91: DynamoDB's 100 less the rules directory's head and shards) are one transaction; beyond
 * that, a failure leaves the earlier transactions applied (and ledgered), which the message
 * says, with the error's exit code, and a second run suggests only what is still different.
 */
const applyChanges = async (
  target: Target,
  repository: RulesRepository,
  changes: readonly ThresholdChange[],
  at: string,
): Promise<number> => {
  let applied = 0;
  for (let i = 0; i < changes.length; i += OVERLAY_TRANSACTION_LIMIT) {
    const chunk = changes.slice(i, i + OVERLAY_TRANSACTION_LIMIT);
    try {
      await repository.writeOverlays(
        chunk.map((change) => change.write),
        'cli thresholds suggest --apply',
      );
    } catch (error) {
      if (applied === 0) throw error;
      const overlays = changes
        .slice(0, applied)
        .map(({ sku, location }) => ruleKeyOf({ sku, location }));
      throw withProgress(
        error,
        `${applied} of ${changes.length} suggestions were applied and ledgered before this (the overlays of ${overlays.slice(0, 10).join(', ')}${applied > 10 ? ` and ${applied - 10} more` : ''}); run the command again for the rest`,
      );
    }
    for (const change of chunk) await ledgerThresholdChange(target, change, at);
    applied += chunk.length;
  }
  return applied;
};

/** The audit ledger entry of one applied suggestion, through the one ledger writer. */
const ledgerThresholdChange = async (
  target: Target,
  change: ThresholdChange,
  at: string,
): Promise<void> => {
  const { sku, location } = change;
  const overlayKey = ruleKeyOf({ sku, location });
  await new Ledger(target.doc, target.controlTable, indexSettingsOf(target).shards).record({
    alertId: operatorEntryId('thresholds', overlayKey, at),
    transition: 'TRIGGERED',
    level: 'LOW_STOCK',
    sku,
    location,
    strategy: OperatorAction.applyThreshold,
    outcome: 'applied',
    reason: `overlay ${overlayKey} over rule ${change.ruleKey}: LOW_STOCK ${String(change.current)} -> ${change.suggested} from ${change.days} days of demand`,
    before: { thresholds: change.before },
    after: { thresholds: change.after },
    occurredAt: at,
    at,
  });
};
