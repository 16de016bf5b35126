import type { Logger } from '@aws-lambda-powertools/logger';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { DemandThresholds } from '../../shared/adapters/demand-repository.js';
import type { BusEvent, EventPublisher } from '../../shared/adapters/event-publisher.js';
import type { RulesRepository } from '../../shared/adapters/rules-repository.js';
import type { CommitOptions, StrategyStore } from '../../shared/adapters/strategy-store.js';
import {
  DetailType,
  EVENT_VERSION,
  type PurchaseOrderRequestedDetail,
  type StockLevelDetail,
  type StrategyAppliedDetail,
} from '../../shared/contracts/events.js';
import type { InventoryItem } from '../../shared/contracts/inventory.js';
import { itemKeyOf } from '../../shared/contracts/inventory.js';
import { MetricName } from '../../shared/contracts/metrics.js';
import type { TransitionKind } from '../../shared/domain/crossing.js';
import type { DemandPolicy } from '../../shared/domain/demand.js';
import type { LedgerEntry } from '../../shared/domain/ledger.js';
import type { Strategy } from '../../shared/domain/rules.js';
import { type Standing, standingOf } from '../../shared/domain/standing.js';
import { type Decision, decide, orderIdOf, periodStartOf } from '../../shared/domain/strategies.js';
import {
  AlertNotYetRecordedError,
  PublishFailedError,
  StaleDecisionError,
} from '../../shared/errors.js';

export interface StrategyExecutorDeps {
  readonly rules: RulesRepository;
  readonly store: StrategyStore;
  readonly events: EventPublisher;
  /** Demand-derived order quantities for `economic` purchase orders. */
  readonly thresholds?: DemandThresholds;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly now?: () => Date;
  /** Waits between reads of an alert state that has not yet recorded the event's change. */
  readonly pendingDelaysMs?: readonly number[];
  /** Decimals of the environment's currency (default 2): reprice rounds to its minor units. */
  readonly currencyDecimals?: number;
}

/** The strategy a level change gets when no rule, or no strategy for its level, applies. */
export const NO_STRATEGY = 'no-strategy';

/** Fresh decisions before the invocation gives up and fails (to be retried as a whole). */
const MAX_DECISION_ATTEMPTS = 5;

const metricOf = (outcome: LedgerEntry['outcome']) =>
  outcome === 'rejected'
    ? MetricName.StrategiesRejected
    : outcome === 'stale'
      ? MetricName.StaleEvents
      : MetricName.StrategiesApplied;

/** The unit of exactly-once work: one alert's transition under one strategy. */
export interface StrategyTask {
  readonly alertId: string;
  readonly transition: TransitionKind;
  readonly strategyType: string;
  readonly detail: StockLevelDetail;
  readonly strategy: Strategy | undefined;
  /** The rule's demand policy, for economic order quantities. */
  readonly demand?: DemandPolicy | undefined;
  readonly rejection?: string | undefined;
}

/** What the strategy-executor's steps share: its dependencies and clock. */
interface Executor {
  readonly deps: StrategyExecutorDeps;
  readonly now: () => Date;
  readonly pendingDelaysMs: readonly number[];
}

/**
 * The strategy-executor use case. `plan` finds the rule's strategy for a level change; `apply`
 * judges whether the alert is still current, decides on the item as it is now, commits the
 * effect with its ledger entry (conditioned on what the decision read), and announces
 * `StrategyApplied`. The
 * handler wraps `apply` with Powertools idempotency keyed on alert, transition and strategy.
 */
export const createStrategyExecutor = (deps: StrategyExecutorDeps) => {
  const x: Executor = {
    deps,
    now: deps.now ?? (() => new Date()),
    pendingDelaysMs: deps.pendingDelaysMs ?? [50, 100, 200, 400, 800],
  };
  return {
    plan: (detailType: string, detail: StockLevelDetail) => plan(x, detailType, detail),
    apply: (task: StrategyTask) => apply(x, task),
  };
};

const plan = async (
  x: Executor,
  detailType: string,
  detail: StockLevelDetail,
): Promise<StrategyTask> => {
  const transition = detailType === DetailType.StockLevelResolved ? 'RESOLVED' : 'TRIGGERED';
  const base = { alertId: detail.alertId, transition, detail } as const;
  // A category cut to fit the event is not the item's: no category rule can be resolved from it.
  const category = detail.categoryTruncated ? undefined : detail.category;
  const lookup = { sku: detail.sku, location: detail.location, category };
  // The same resolution as the monitor's: the rule chain with its overlays.
  const resolved = await x.deps.rules.resolve(lookup);
  if (!resolved)
    return {
      ...base,
      strategyType: NO_STRATEGY,
      strategy: undefined,
      rejection: 'no rule applies to this item',
    };
  const strategy = resolved.rule.strategies[detail.level];
  if (!strategy) {
    return {
      ...base,
      strategyType: NO_STRATEGY,
      strategy: undefined,
      rejection: `rule ${resolved.key} has no strategy for ${detail.level}`,
    };
  }
  return { ...base, strategyType: strategy.type, strategy, demand: resolved.rule.demand };
};

/** The economic order quantity from demand, for `economic` purchase orders. */
const economicQuantityFor = async (
  x: Executor,
  task: StrategyTask,
): Promise<number | undefined> => {
  const { strategy, detail } = task;
  if (strategy?.type !== 'purchase-order' || strategy.quantity.mode !== 'economic') return;
  if (!task.demand || !x.deps.thresholds) return;
  const derived = await x.deps.thresholds.get([
    { sku: detail.sku, location: detail.location, policy: task.demand },
  ]);
  return derived.get(itemKeyOf(detail))?.orderQuantity;
};

/**
 * For a resolve that restores the price: what this alert's trigger changed it from and to,
 * as its ledger entry holds (undefined when the trigger changed no price).
 */
const priceChangeToRestore = async (x: Executor, task: StrategyTask) => {
  const { strategy, detail } = task;
  if (strategy?.type !== 'reprice' || !strategy.restoreOnResolve) return undefined;
  if (task.transition !== 'RESOLVED') return undefined;
  const trigger = await x.deps.store.getLedgerEntry({
    sku: detail.sku,
    location: detail.location,
    alertId: task.alertId,
    transition: 'TRIGGERED',
    strategy: 'reprice',
  });
  const change = trigger?.outcome === 'applied' ? trigger.decision : undefined;
  return change?.kind === 'reprice'
    ? { priceBefore: change.from, priceAfter: change.to }
    : undefined;
};

/**
 * Reads the item's alert state until it has recorded the change the event came from: the
 * monitor publishes before it commits, so an event can overtake its own state by a moment.
 */
const standingNow = async (x: Executor, task: StrategyTask): Promise<Standing> => {
  const { detail } = task;
  const event = { ...detail, transition: task.transition };
  const judge = async () =>
    standingOf(event, await x.deps.store.getAlertState(detail.sku, detail.location));
  for (const delay of x.pendingDelaysMs) {
    const standing = await judge();
    if (standing.kind !== 'pending') return standing;
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
  return judge();
};

/** The ledger entry's fields that every outcome shares. */
type EntryBase = Omit<LedgerEntry, 'outcome' | 'reason' | 'decision' | 'orderId'>;

/**
 * The ledger entry for one task and what its commit is conditioned on: skipped without a
 * strategy, stale when the alert is no longer current, rejected without the item, else the
 * strategy's decision on the item as read now.
 */
const planEffect = async (
  x: Executor,
  task: StrategyTask,
  at: Date,
): Promise<{ entry: LedgerEntry; options: CommitOptions }> => {
  const { detail, strategy } = task;
  const base: EntryBase = {
    alertId: task.alertId,
    transition: task.transition,
    level: detail.level,
    sku: detail.sku,
    location: detail.location,
    strategy: task.strategyType,
    occurredAt: detail.occurredAt,
    at: at.toISOString(),
    before: {},
    after: {},
    alert: {
      previousQuantity: detail.previousQuantity,
      quantity: detail.quantity,
      threshold: detail.threshold,
      notified: detail.notified,
      ...(detail.silencedBy ? { silencedBy: detail.silencedBy } : {}),
    },
  };
  if (!strategy)
    return { entry: { ...base, outcome: 'skipped', reason: task.rejection }, options: {} };
  const standing = await standingNow(x, task);
  if (standing.kind === 'pending') throw new AlertNotYetRecordedError(standing.reason);
  if (standing.kind === 'stale')
    return { entry: { ...base, outcome: 'stale', reason: standing.reason }, options: {} };
  const item = await x.deps.store.getItem(detail.sku, detail.location);
  if (!item) {
    const reason = 'the inventory item no longer exists';
    return { entry: { ...base, outcome: 'rejected', reason }, options: {} };
  }
  return decideOnItem(x, task, strategy, item, base);
};

/**
 * The strategy's decision on the item as read, as a ledger entry, and the conditions its
 * commit carries: the alert still current, the reprice period's limit, stock not risen for an
 * up-to-max order.
 */
const decideOnItem = async (
  x: Executor,
  task: StrategyTask,
  strategy: Strategy,
  item: InventoryItem,
  base: EntryBase,
): Promise<{ entry: LedgerEntry; options: CommitOptions }> => {
  const { detail } = task;
  const period =
    strategy.type === 'reprice'
      ? {
          periodStart: periodStartOf(new Date(base.at), strategy.periodHours),
          periodHours: strategy.periodHours,
          maxChangesPerPeriod: strategy.maxChangesPerPeriod,
        }
      : undefined;
  // What the decision needs beyond the item, each read only for the strategy that uses it.
  const [economicOrderQuantity, repriceChangesInPeriod, restore] = await Promise.all([
    economicQuantityFor(x, task),
    period ? x.deps.store.repriceChanges(detail.sku, detail.location, period.periodStart) : 0,
    priceChangeToRestore(x, task),
  ]);
  const decision = decide(strategy, {
    economicOrderQuantity,
    transition: task.transition,
    level: detail.level,
    quantity: item.quantity,
    price: item.price,
    listed: item.listed ?? true,
    repriceChangesInPeriod,
    currencyDecimals: x.deps.currencyDecimals,
    restore,
  });
  const before = { quantity: item.quantity, price: item.price, listed: item.listed ?? true };
  const options: CommitOptions = {
    ...period,
    orderFromQuantity: strategy.type === 'purchase-order' && strategy.quantity.mode === 'up-to-max',
  };
  if (decision.kind === 'no-change') {
    const { reason } = decision;
    return {
      entry: { ...base, outcome: 'skipped', reason, decision, before, after: before },
      options,
    };
  }
  const entry: LedgerEntry = {
    ...base,
    outcome: strategy.dryRun ? 'dry-run' : 'applied',
    decision,
    before,
    after: strategy.dryRun ? before : afterOf(before, decision),
    ...(decision.kind === 'purchase-order' ? { orderId: orderIdOf(task.alertId) } : {}),
  };
  return { entry, options };
};

/**
 * Plans and commits one task, deciding again from a fresh read when what the decision was
 * computed from changed before the write (bounded: then the invocation fails and is retried).
 */
const commitFresh = async (x: Executor, task: StrategyTask) => {
  for (let attempt = 1; ; attempt++) {
    const { entry, options } = await planEffect(x, task, x.now());
    try {
      return await x.deps.store.commit(entry, options);
    } catch (error) {
      if (!(error instanceof StaleDecisionError) || attempt >= MAX_DECISION_ATTEMPTS) throw error;
      x.deps.logger.info('Decided on a read that changed; deciding again', {
        alertId: task.alertId,
        reason: error.message,
      });
    }
  }
};

/** Commits the task's effect exactly once, then announces it (again, on a replay). */
const apply = async (x: Executor, task: StrategyTask): Promise<StrategyAppliedDetail> => {
  const committed = await commitFresh(x, task);
  const final = committed.entry;
  if (committed.replay)
    x.deps.logger.info('Decision already recorded; announcing again', { alertId: task.alertId });
  x.deps.metrics.addMetric(metricOf(final.outcome), MetricUnit.Count, 1);
  const applied = await announce(x, final);
  // The idempotency layer stores this result in DynamoDB, which refuses undefined values.
  return JSON.parse(JSON.stringify(applied)) as StrategyAppliedDetail;
};

/** Puts StrategyApplied (and PurchaseOrderRequested for a new order) on the bus. */
const announce = async (x: Executor, final: LedgerEntry): Promise<StrategyAppliedDetail> => {
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
  const outcome = await x.deps.events.publish(events);
  if (outcome.failed.size > 0) {
    // Throwing lets the invocation be retried; the ledger makes the retry a pure re-announcement.
    throw new PublishFailedError(
      `StrategyApplied not delivered: ${[...outcome.failed.values()].join('; ')}`,
    );
  }
  return applied;
};

const afterOf = (
  before: { quantity: number; price: number | undefined; listed: boolean },
  decision: Decision,
) => {
  switch (decision.kind) {
    case 'direct-restock':
      return { ...before, quantity: before.quantity + decision.quantity };
    case 'reduce':
      return { ...before, quantity: before.quantity - decision.quantity };
    case 'reprice':
      return { ...before, price: decision.to };
    case 'pause-listing':
      return { ...before, listed: decision.listed };
    default:
      return before;
  }
};
