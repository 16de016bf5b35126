import { parseArgs } from 'node:util';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { dailySeries } from '../../shared/adapters/demand-repository.js';
import { Ledger, OperatorAction } from '../../shared/adapters/ledger.js';
import { RulesRepository } from '../../shared/adapters/rules-repository.js';
import { itemKeyOf } from '../../shared/contracts/inventory.js';
import { operatorEntryId } from '../../shared/contracts/tables.js';
import {
  type DemandPolicy,
  deriveThresholds,
  rollingStatistics,
  stockoutRisk,
} from '../../shared/domain/demand.js';
import { DemandPolicySchema, effectiveThreshold, ruleKeyOf } from '../../shared/domain/rules.js';
import { formatIssues } from '../../shared/errors.js';
import { indexSettingsOf } from '../control-items.js';
import { UsageError } from '../errors.js';
import { type Format, type Io, printRows } from '../io.js';
import type { Target } from '../target.js';

const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;

/**
 * `thresholds suggest [--apply]`: per item, the low-stock threshold in force next to the one its
 * demand suggests, days of cover and the risk of a stockout within the lead time. Items whose
 * rule has a `demand` policy use it; others use --lead-time and --service-level.
 * `--apply` writes each changed suggestion as the item's own rule and ledgers it.
 */
export const thresholdsCommand = async (
  args: string[],
  target: Target,
  io: Io,
  format: Format,
): Promise<void> => {
  const [action, ...rest] = args;
  if (action !== 'suggest')
    throw new UsageError(
      'thresholds suggest [--apply] [--sku SKU] [--lead-time 7] [--service-level 0.95]',
    );
  const { values } = parseArgs({
    args: rest,
    options: {
      apply: { type: 'boolean', default: false },
      sku: { type: 'string' },
      'lead-time': { type: 'string', default: '7' },
      'service-level': { type: 'string', default: '0.95' },
    },
  });
  const defaults = DemandPolicySchema.safeParse({
    leadTimeDays: Number(values['lead-time']),
    serviceLevel: Number(values['service-level']),
    fallbackLowStock: 0,
  });
  if (!defaults.success) {
    throw new UsageError(
      `--lead-time or --service-level: ${formatIssues(defaults.error.issues).join('; ')}`,
    );
  }
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    // An operator report over the catalogue; the pipeline itself never scans.
    const page = await target.doc.send(
      new ScanCommand({ TableName: target.inventoryTable, ExclusiveStartKey: start }),
    );
    items.push(
      ...((page.Items ?? []) as Record<string, unknown>[]).filter(
        (i) => !values.sku || i.sku === values.sku,
      ),
    );
    start = page.LastEvaluatedKey;
  } while (start);
  const repository = new RulesRepository(target.doc, target.controlTable, 60_000);
  const subjects = items.map((item) => {
    const key = {
      sku: String(item.sku),
      location: String(item.location),
      category: item.category as string | undefined,
    };
    return { item: key, itemKey: itemKeyOf(key) };
  });
  // Every item's rule in one batched read. `--apply` writes only item-scoped rules, each for
  // its own item, so no resolution here is changed by an earlier item's write.
  const resolutions = await repository.resolveMany(subjects);
  const now = new Date();
  const rows: Record<string, unknown>[] = [];
  let applied = 0;
  for (const [index, { item: key, itemKey }] of subjects.entries()) {
    const item = items[index] as Record<string, unknown>;
    const resolved = resolutions.get(itemKey);
    const current =
      typeof item.lowStockThreshold === 'number'
        ? item.lowStockThreshold
        : resolved
          ? effectiveThreshold(resolved.rule, 'LOW_STOCK')
          : undefined;
    const policy: DemandPolicy = resolved?.rule.demand ?? {
      ...defaults.data,
      fallbackLowStock: current ?? 0,
    };
    const statistics = rollingStatistics(
      await dailySeries(target.doc, target.controlTable, key, policy.windowDays, now),
    );
    const derived = deriveThresholds(statistics, policy);
    const quantity = Number(item.quantity ?? 0);
    rows.push({
      sku: key.sku,
      location: key.location,
      quantity,
      current: current ?? '',
      suggested: derived.lowStock,
      orderQuantity: derived.orderQuantity ?? '',
      basis:
        derived.basis === 'demand'
          ? `demand (${statistics.days} d)`
          : `fallback: ${derived.reason}`,
      meanDaily: round(statistics.meanDaily),
      stdDevDaily: round(statistics.stdDevDaily),
      daysOfCover: statistics.meanDaily > 0 ? round(quantity / statistics.meanDaily, 1) : '',
      stockoutRisk:
        statistics.meanDaily > 0
          ? `${round(stockoutRisk(quantity, statistics, policy.leadTimeDays) * 100, 1)}%`
          : '',
    });
    if (values.apply && resolved && derived.basis === 'demand' && derived.lowStock !== current) {
      const scope = { sku: key.sku, location: key.location };
      const before = resolved.rule.thresholds;
      const thresholds = { ...before, LOW_STOCK: derived.lowStock };
      await repository.put(
        { ...resolved.rule, scope, thresholds },
        'cli thresholds suggest --apply',
      );
      const at = now.toISOString();
      const ruleKey = ruleKeyOf(scope);
      await new Ledger(target.doc, target.controlTable, indexSettingsOf(target).shards).record({
        alertId: operatorEntryId('thresholds', ruleKey, at),
        transition: 'TRIGGERED',
        level: 'LOW_STOCK',
        sku: key.sku,
        location: key.location,
        strategy: OperatorAction.applyThreshold,
        outcome: 'applied',
        reason: `rule ${ruleKey}: LOW_STOCK ${String(current)} -> ${derived.lowStock} from ${statistics.days} days of demand`,
        before: { thresholds: before },
        after: { thresholds },
        occurredAt: at,
        at,
      });
      applied++;
    }
  }
  printRows(
    io,
    rows,
    [
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
    ],
    format,
  );
  if (values.apply && format === 'table') io.out(`${applied} suggestion(s) applied as item rules`);
};
