import type { Logger } from '@aws-lambda-powertools/logger';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { DemandThresholds } from '../../shared/adapters/demand-repository.js';
import type { BusEvent, EventPublisher } from '../../shared/adapters/event-publisher.js';
import type { RulesRepository } from '../../shared/adapters/rules-repository.js';
import {
  type LedgerEntry,
  orderIdOf,
  periodStartOf,
  type StrategyStore,
} from '../../shared/adapters/strategy-store.js';
import {
  DetailType,
  EVENT_VERSION,
  type PurchaseOrderRequestedDetail,
  type StockLevelDetail,
  type StrategyAppliedDetail,
} from '../../shared/contracts/events.js';
import { itemKeyOf } from '../../shared/contracts/inventory.js';
import { MetricName } from '../../shared/contracts/metrics.js';
import type { DemandPolicy } from '../../shared/domain/demand.js';
import { resolveRule, ruleKeysFor, type Strategy } from '../../shared/domain/rules.js';
import { type Decision, decide } from '../../shared/domain/strategies.js';
import { PublishFailedError } from '../../shared/errors.js';

export interface StrategyExecutorDeps {
  readonly rules: RulesRepository;
  readonly store: StrategyStore;
  readonly events: EventPublisher;
  /** Demand-derived order quantities for `economic` purchase orders. */
  readonly thresholds?: DemandThresholds;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly now?: () => Date;
}

/** The unit of exactly-once work: one alert's transition under one strategy. */
export interface StrategyTask {
  readonly alertId: string;
  readonly transition: 'TRIGGERED' | 'RESOLVED';
  readonly strategyType: string;
  readonly detail: StockLevelDetail;
  readonly strategy: Strategy | undefined;
  /** The rule's demand policy, for economic order quantities. */
  readonly demand?: DemandPolicy | undefined;
  readonly rejection?: string | undefined;
}

/**
 * The strategy-executor use case. `plan` finds the rule's strategy for a level change; `apply`
 * decides, commits the effect with its ledger entry, and announces `StrategyApplied`. The
 * handler wraps `apply` with Powertools idempotency keyed on alert, transition and strategy.
 */
export const createStrategyExecutor = (deps: StrategyExecutorDeps) => {
  const now = deps.now ?? (() => new Date());

  const plan = async (detailType: string, detail: StockLevelDetail): Promise<StrategyTask> => {
    const transition = detailType === DetailType.StockLevelResolved ? 'RESOLVED' : 'TRIGGERED';
    const base = { alertId: detail.alertId, transition, detail } as const;
    const lookup = { sku: detail.sku, location: detail.location, category: detail.category };
    const rules = await deps.rules.getMany(ruleKeysFor(lookup));
    const resolved = resolveRule(lookup, (key) => rules.get(key));
    if (!resolved)
      return {
        ...base,
        strategyType: 'none',
        strategy: undefined,
        rejection: 'no rule applies to this item',
      };
    const strategy = resolved.rule.strategies[detail.level];
    if (!strategy) {
      return {
        ...base,
        strategyType: 'none',
        strategy: undefined,
        rejection: `rule ${resolved.key} has no strategy for ${detail.level}`,
      };
    }
    return { ...base, strategyType: strategy.type, strategy, demand: resolved.rule.demand };
  };

  const apply = async (task: StrategyTask): Promise<StrategyAppliedDetail> => {
    const { detail } = task;
    const at = now();
    const entryBase = {
      alertId: task.alertId,
      transition: task.transition,
      level: detail.level,
      sku: detail.sku,
      location: detail.location,
      strategy: task.strategyType,
      occurredAt: detail.occurredAt,
      at: at.toISOString(),
    };
    let entry: LedgerEntry;
    let commitOptions: { periodStart?: string; maxChangesPerPeriod?: number } = {};
    const item = await deps.store.getItem(detail.sku, detail.location);
    if (!task.strategy) {
      entry = { ...entryBase, outcome: 'skipped', reason: task.rejection, before: {}, after: {} };
    } else if (!item) {
      entry = {
        ...entryBase,
        outcome: 'rejected',
        reason: 'the inventory item no longer exists',
        before: {},
        after: {},
      };
    } else {
      const strategy = task.strategy;
      if (strategy.type === 'reprice') {
        const periodStart = periodStartOf(at, strategy.periodHours);
        commitOptions = { periodStart, maxChangesPerPeriod: strategy.maxChangesPerPeriod };
      }
      const economic =
        strategy.type === 'purchase-order' &&
        strategy.quantity.mode === 'economic' &&
        task.demand &&
        deps.thresholds
          ? (
              await deps.thresholds.get([
                { sku: detail.sku, location: detail.location, policy: task.demand },
              ])
            ).get(itemKeyOf(detail))
          : undefined;
      const decision = decide(strategy, {
        economicOrderQuantity: economic?.orderQuantity,
        transition: task.transition,
        level: detail.level,
        quantity: item.quantity,
        price: item.price,
        listed: item.listed ?? true,
        repriceChangesInPeriod: commitOptions.periodStart
          ? await deps.store.repriceChanges(detail.sku, detail.location, commitOptions.periodStart)
          : 0,
      });
      const before = { quantity: item.quantity, price: item.price, listed: item.listed ?? true };
      entry =
        decision.kind === 'none'
          ? {
              ...entryBase,
              outcome: 'skipped',
              reason: decision.reason,
              decision,
              before,
              after: before,
            }
          : {
              ...entryBase,
              outcome: strategy.dryRun ? 'dry-run' : 'applied',
              decision,
              before,
              after: strategy.dryRun ? before : afterOf(before, decision),
              ...(decision.kind === 'purchase-order' ? { orderId: orderIdOf(task.alertId) } : {}),
            };
    }
    const committed = await deps.store.commit(entry, commitOptions);
    const final = committed.entry;
    if (committed.replay)
      deps.logger.info('Decision already recorded; announcing again', { alertId: task.alertId });
    deps.metrics.addMetric(
      final.outcome === 'rejected' ? MetricName.StrategiesRejected : MetricName.StrategiesApplied,
      MetricUnit.Count,
      1,
    );
    const applied: StrategyAppliedDetail = {
      version: EVENT_VERSION,
      alertId: final.alertId,
      sku: final.sku,
      location: final.location,
      level: final.level,
      transition: final.transition,
      strategy: final.strategy,
      outcome: final.outcome,
      ...(final.reason ? { reason: final.reason } : {}),
      effect: { decision: final.decision ?? null, before: final.before, after: final.after },
      occurredAt: final.at,
    };
    const events: BusEvent[] = [
      { id: 'applied', detailType: DetailType.StrategyApplied, detail: applied },
    ];
    if (final.outcome === 'applied' && final.decision?.kind === 'purchase-order' && final.orderId) {
      const requested: PurchaseOrderRequestedDetail = {
        version: EVENT_VERSION,
        orderId: final.orderId,
        alertId: final.alertId,
        sku: final.sku,
        location: final.location,
        quantity: final.decision.quantity,
        ...(final.decision.supplier ? { supplier: final.decision.supplier } : {}),
        occurredAt: final.at,
      };
      events.push({
        id: 'order',
        detailType: DetailType.PurchaseOrderRequested,
        detail: requested,
      });
    }
    const outcome = await deps.events.publish(events);
    if (outcome.failed.size > 0) {
      // Throwing lets the invocation be retried; the ledger makes the retry a pure re-announcement.
      throw new PublishFailedError(
        `StrategyApplied not delivered: ${[...outcome.failed.values()].join('; ')}`,
      );
    }
    // The idempotency layer stores this result in DynamoDB, which refuses undefined values.
    return JSON.parse(JSON.stringify(applied)) as StrategyAppliedDetail;
  };

  return { plan, apply };
};

const afterOf = (
  before: { quantity: number; price: number | undefined; listed: boolean },
  decision: Decision,
) => {
  switch (decision.kind) {
    case 'restock':
      return { ...before, quantity: before.quantity + decision.quantity };
    case 'reduce':
      return { ...before, quantity: before.quantity - decision.quantity };
    case 'reprice':
      return { ...before, price: decision.to };
    case 'listing':
      return { ...before, listed: decision.listed };
    default:
      return before;
  }
};
