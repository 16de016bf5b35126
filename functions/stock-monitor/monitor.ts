import {
  BatchProcessor,
  EventType,
  FullBatchFailureError,
  processPartialResponse,
} from '@aws-lambda-powertools/batch';
import type { Logger } from '@aws-lambda-powertools/logger';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type {
  Context,
  DynamoDBBatchResponse,
  DynamoDBRecord,
  DynamoDBStreamEvent,
} from 'aws-lambda';
import type { AlertPublisher } from '../../shared/adapters/alert-publisher.js';
import type {
  AlertStateRepository,
  StateCommit,
  StoredAlertState,
} from '../../shared/adapters/alert-state-repository.js';
import type { DemandThresholds } from '../../shared/adapters/demand-repository.js';
import type { BusEvent, EventPublisher } from '../../shared/adapters/event-publisher.js';
import type { QuarantineStore } from '../../shared/adapters/quarantine.js';
import type { RulesRepository } from '../../shared/adapters/rules-repository.js';
import {
  type DecodedRecord,
  decodeRecord,
  itemKeyOfRecord,
} from '../../shared/adapters/stream-records.js';
import {
  DetailType,
  EVENT_VERSION,
  levelEventCategory,
  type StockLevelDetail,
} from '../../shared/contracts/events.js';
import { itemKeyOf } from '../../shared/contracts/inventory.js';
import { MetricName } from '../../shared/contracts/metrics.js';
import { type AlertState, evaluateChange, type Transition } from '../../shared/domain/crossing.js';
import type { DemandPolicy } from '../../shared/domain/demand.js';
import { type AlertMessage, buildAlertMessage } from '../../shared/domain/messages.js';
import { isAutoLowStock, type Rule, severityOf } from '../../shared/domain/rules.js';
import { compareSequence } from '../../shared/domain/standing.js';
import { type InForce, thresholdsInForce } from '../../shared/domain/thresholds.js';
import { HeldBackRecordError, PublishFailedError } from '../../shared/errors.js';

/** The rule key events carry when an alert resolves because no rule applies to its item any more. */
export const NO_RULE_KEY = '(no rule)';

/** A resolve under no rule goes to the channels every rule has by default. */
const channelsOf = (rule: Rule | undefined): readonly string[] =>
  rule ? rule.channels : ['email', 'sms'];

/** What the stock-monitor talks to; the handler wires AWS clients, the sandbox local ones. */
export interface StockMonitorDeps {
  readonly rules: RulesRepository;
  readonly states: AlertStateRepository;
  /** Demand-derived thresholds for rules whose LOW_STOCK is `auto`. */
  readonly thresholds?: DemandThresholds;
  readonly alerts: AlertPublisher;
  readonly events: EventPublisher;
  /** Where records that can never succeed are kept, with their images and the reason. */
  readonly quarantine: Pick<QuarantineStore, 'put'>;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly now?: () => Date;
}

/** A level change ready to announce, with everything its message and event need. */
interface Crossing {
  readonly transition: Transition;
  readonly record: DecodedRecord;
  readonly ruleKey: string;
  /** Undefined when no rule applies any more (the crossing is a resolve). */
  readonly rule: Rule | undefined;
  readonly occurredAt: string;
}

/** The working copy of one item's alert state during a batch. */
interface ItemWork {
  stored: StoredAlertState;
  state: AlertState;
  lastSequence: string | undefined;
  readonly crossings: Crossing[];
}

type Prepared =
  | { readonly ok: true; readonly decoded: DecodedRecord }
  | { readonly ok: false; readonly itemKey: string | undefined; readonly error: Error };

/**
 * The stock-monitor use case over one stream batch:
 * 1. decode every record (poison records fail alone) and judge each item by the rule and
 *    thresholds in force now (rules cached, read in one batch);
 * 2. read every item's alert state in one batch;
 * 3. evaluate records in order with Powertools' BatchProcessor, sequentially, because records
 *    of one item must be applied in stream order; a failed record holds back the rest of its item;
 * 4. publish alerts (SNS, ten per call) and events (EventBridge, ten per call), retrying only
 *    failed entries; then commit each item's state conditionally.
 * Items whose publish or commit failed report all their records, to be redelivered in order.
 * Demand is the demand-recorder's job, on its own event source mapping of the same stream.
 */
export const createStockMonitor = (deps: StockMonitorDeps) => {
  const now = deps.now ?? (() => new Date());
  const { logger, metrics } = deps;

  /**
   * What each decoded record is judged by: the rule in force for its item now (cached), the
   * demand-derived LOW_STOCK for `auto` rules, and the thresholds on the record's own image
   * (they can move from one write of an item to the next), reconciled.
   */
  async function judge(decoded: readonly DecodedRecord[]): Promise<Map<DecodedRecord, InForce>> {
    const rules = await deps.rules.resolveMany(decoded);
    const autoItems = new Map<string, { sku: string; location: string; policy: DemandPolicy }>();
    for (const d of decoded) {
      const rule = rules.get(d.itemKey)?.rule;
      if (rule && isAutoLowStock(rule) && d.overrides.LOW_STOCK === undefined)
        autoItems.set(d.itemKey, { ...d.item, policy: rule.demand });
    }
    const derived =
      autoItems.size > 0 && deps.thresholds
        ? await deps.thresholds.get([...autoItems.values()])
        : new Map<string, { lowStock?: number | undefined }>();
    const judged = new Map<DecodedRecord, InForce>();
    const warned = new Set<string>();
    for (const d of decoded) {
      const resolved = rules.get(d.itemKey);
      const derivedLow = autoItems.has(d.itemKey) ? derived.get(d.itemKey)?.lowStock : undefined;
      const inForce = thresholdsInForce(resolved?.rule, d.overrides, derivedLow);
      judged.set(d, {
        rule: resolved?.rule,
        ruleKey: resolved?.key,
        thresholds: inForce.thresholds,
      });
      if (warned.has(d.itemKey)) continue;
      warned.add(d.itemKey);
      if (inForce.clampedLowStock) {
        metrics.addMetric(MetricName.DerivedThresholdsClamped, MetricUnit.Count, 1);
        logger.warn('Derived LOW_STOCK clamped below OVERSTOCK − hysteresis', {
          itemKey: d.itemKey,
          ...inForce.clampedLowStock,
        });
      }
      if (inForce.itemThresholdsIgnored)
        logger.warn(inForce.itemThresholdsIgnored, { itemKey: d.itemKey });
    }
    return judged;
  }

  return async (event: DynamoDBStreamEvent, context?: Context): Promise<DynamoDBBatchResponse> => {
    const records = event.Records ?? [];
    const prepared = new Map<DynamoDBRecord, Prepared>();
    for (const record of records) {
      try {
        prepared.set(record, { ok: true, decoded: decodeRecord(record) });
      } catch (error) {
        prepared.set(record, {
          ok: false,
          itemKey: itemKeyOfRecord(record),
          error: error as Error,
        });
      }
    }
    const decoded = [...prepared.values()].flatMap((p) => (p.ok ? [p.decoded] : []));
    const judged = await judge(decoded);
    // Every item's state is read: an alert opened under an older threshold or rule must be
    // judged by the one in force now, and only the state knows which alerts are open.
    const stored = await deps.states.getMany([
      ...new Map(decoded.map((d) => [d.itemKey, d.item])).values(),
    ]);

    const work = new Map<string, ItemWork>();
    const poison: { record: DynamoDBRecord; reason: string }[] = [];
    const failedItems = new Set<string>();
    let duplicates = 0;

    const evaluate = (p: Extract<Prepared, { ok: true }>) => {
      const d = p.decoded;
      const itemStored = stored.get(d.itemKey);
      const inForce = judged.get(d);
      if (!inForce || !itemStored) return;
      let item = work.get(d.itemKey);
      if (!item) {
        item = {
          stored: itemStored,
          state: itemStored.state,
          lastSequence: itemStored.lastSequence,
          crossings: [],
        };
        work.set(d.itemKey, item);
      }
      if (
        item.lastSequence !== undefined &&
        compareSequence(d.sequenceNumber, item.lastSequence) <= 0
      ) {
        duplicates++;
        return;
      }
      const at = now();
      const result = evaluateChange(d.change, inForce, item.state, at);
      item.state = result.state;
      item.lastSequence = d.sequenceNumber;
      for (const transition of result.transitions) {
        item.crossings.push({
          transition,
          record: d,
          ruleKey: inForce.ruleKey ?? NO_RULE_KEY,
          rule: inForce.rule,
          occurredAt: at.toISOString(),
        });
      }
    };

    // Synchronous on purpose: BatchProcessor awaits it either way, and an async function would
    // add a promise per record (each one tracked by the X-Ray SDK's async hooks).
    const recordHandler = (record: DynamoDBRecord) => {
      const p = prepared.get(record);
      if (!p) throw new Error('record was not prepared');
      if (!p.ok) {
        // It can never succeed: quarantined with its images after the loop and acknowledged,
        // so it neither holds back its item nor is retried into the on-failure destination.
        logger.error('Poison record quarantined', {
          reason: p.error.message,
          sequenceNumber: record.dynamodb?.SequenceNumber,
          itemKey: p.itemKey,
        });
        poison.push({ record, reason: p.error.message });
        return;
      }
      if (failedItems.has(p.decoded.itemKey)) throw new HeldBackRecordError(p.decoded.itemKey);
      try {
        evaluate(p);
      } catch (error) {
        failedItems.add(p.decoded.itemKey);
        throw error;
      }
    };

    const processor = new BatchProcessor(EventType.DynamoDBStreams);
    let response: DynamoDBBatchResponse;
    try {
      response = await processPartialResponse(event, recordHandler, processor, {
        ...(context ? { context } : {}),
        processInParallel: false,
      });
    } catch (error) {
      // Every record failed: Lambda retries (and bisects) the whole batch. Count it first.
      if (error instanceof FullBatchFailureError) {
        metrics.addMetric(MetricName.RecordsFailed, MetricUnit.Count, records.length);
      }
      throw error;
    }

    const [flushFailures, unquarantined] = await Promise.all([
      flush(work, failedItems),
      quarantine(poison),
    ]);

    const failedSequences = new Set(response.batchItemFailures.map((f) => f.itemIdentifier));
    for (const sequence of unquarantined) failedSequences.add(sequence);
    // Every record of an item whose flush failed goes back, in one pass over the batch.
    for (const [record, p] of prepared) {
      if (p.ok && flushFailures.has(p.decoded.itemKey) && record.dynamodb?.SequenceNumber) {
        failedSequences.add(record.dynamodb.SequenceNumber);
      }
    }
    metrics.addMetric(
      MetricName.RecordsProcessed,
      MetricUnit.Count,
      records.length - failedSequences.size,
    );
    metrics.addMetric(MetricName.RecordsFailed, MetricUnit.Count, failedSequences.size);
    if (duplicates > 0)
      metrics.addMetric(MetricName.DuplicateRecords, MetricUnit.Count, duplicates);
    return {
      batchItemFailures: [...failedSequences].map((itemIdentifier) => ({ itemIdentifier })),
    };
  };

  /**
   * Keeps each poison record in the quarantine; returns the sequence numbers of those that
   * could not be kept, to be redelivered (and, after the retries, reach the on-failure
   * destination as on any other failure).
   */
  async function quarantine(
    poison: readonly { record: DynamoDBRecord; reason: string }[],
  ): Promise<string[]> {
    const results = await Promise.allSettled(
      poison.map(({ record, reason }) => deps.quarantine.put(record, reason, now())),
    );
    const kept = results.filter((r) => r.status === 'fulfilled').length;
    if (kept > 0) metrics.addMetric(MetricName.RecordsQuarantined, MetricUnit.Count, kept);
    return results.flatMap((result, index) => {
      if (result.status === 'fulfilled') return [];
      const sequence = poison[index]?.record.dynamodb?.SequenceNumber;
      logger.error('Quarantine write failed; the record will be redelivered', {
        sequenceNumber: sequence,
        error: result.reason as Error,
      });
      return sequence ? [sequence] : [];
    });
  }

  /** Publishes every crossing, then commits each item's state; returns the items that failed. */
  async function flush(
    work: Map<string, ItemWork>,
    failedItems: Set<string>,
  ): Promise<Set<string>> {
    const failed = new Set<string>();
    const owners = new Map<string, string>();
    const messages: AlertMessage[] = [];
    const events: BusEvent[] = [];
    for (const [itemKey, item] of work) {
      for (const crossing of item.crossings) {
        const id = `${crossing.transition.alertId}-${crossing.transition.kind === 'TRIGGERED' ? 'T' : 'R'}`;
        owners.set(id, itemKey);
        events.push(toBusEvent(id, crossing));
        const message = toAlertMessage(id, crossing);
        if (message) messages.push(message);
        metrics
          .singleMetric()
          .addDimension('level', crossing.transition.level)
          .addMetric(MetricName.Crossings, MetricUnit.Count, 1);
      }
    }
    const [alertOutcome, eventOutcome] = await Promise.all([
      messages.length > 0 ? deps.alerts.publish(messages) : undefined,
      events.length > 0 ? deps.events.publish(events) : undefined,
    ]);
    for (const [outcome, what] of [
      [alertOutcome, 'alert'],
      [eventOutcome, 'event'],
    ] as const) {
      if (!outcome) continue;
      metrics.addMetric(MetricName.PublishRetries, MetricUnit.Count, outcome.retries);
      for (const [id, reason] of outcome.failed) {
        const itemKey = owners.get(id);
        if (itemKey) failed.add(itemKey);
        logger.error(`${what} publish failed after retries`, {
          id,
          reason,
          itemKey,
          error: new PublishFailedError(reason),
        });
      }
    }
    metrics.addMetric(
      MetricName.AlertsPublished,
      MetricUnit.Count,
      messages.length - (alertOutcome?.failed.size ?? 0),
    );
    metrics.addMetric(
      MetricName.EventsPublished,
      MetricUnit.Count,
      events.length - (eventOutcome?.failed.size ?? 0),
    );

    const at = now().toISOString();
    // Nothing changed, or the change must be redelivered: keep the stored state as it is.
    const commits = [...work].flatMap(([itemKey, item]): StateCommit[] => {
      const first = item.crossings[0];
      if (failed.has(itemKey) || !first || item.lastSequence === undefined) return [];
      return [
        {
          item: first.record.item,
          state: item.state,
          expectedVersion: item.stored.version,
          lastSequence: item.lastSequence,
          at,
        },
      ];
    });
    if (commits.length > 0) {
      try {
        // The alerts are out: transient failures are retried here, since a lost commit would
        // announce them again on redelivery. A failed condition means another writer won.
        for (const itemKey of await deps.states.commitMany(commits)) {
          failed.add(itemKey);
          logger.error('Alert state changed since it was read; the item will be redelivered', {
            itemKey,
          });
        }
      } catch (error) {
        for (const commit of commits) failed.add(itemKeyOf(commit.item));
        logger.error('Alert state commit failed', { items: commits.length, error: error as Error });
      }
    }
    for (const itemKey of failed) failedItems.add(itemKey);
    return failed;
  }

  function toBusEvent(id: string, crossing: Crossing): BusEvent {
    const { transition, record, rule, ruleKey, occurredAt } = crossing;
    const detail: StockLevelDetail = {
      version: EVENT_VERSION,
      alertId: transition.alertId,
      sku: record.item.sku,
      location: record.item.location,
      // Bounded: a catalogue category may be any length, an event may not.
      ...levelEventCategory(record.item.category || undefined),
      level: transition.level,
      previousQuantity: record.change.previousQuantity ?? null,
      quantity: record.change.quantity ?? null,
      threshold: transition.threshold,
      occurredAt,
      severity: severityOf(rule, transition.level),
      ruleKey,
      notified: transition.announced && channelsOf(rule).length > 0,
      changeId: record.change.changeId,
      sequenceNumber: record.sequenceNumber,
    };
    return {
      id,
      detailType:
        transition.kind === 'TRIGGERED'
          ? DetailType.StockLevelTriggered
          : DetailType.StockLevelResolved,
      detail,
      time: new Date(occurredAt),
    };
  }

  function toAlertMessage(id: string, crossing: Crossing): AlertMessage | undefined {
    const { transition, record, rule, ruleKey, occurredAt } = crossing;
    if (!transition.announced || channelsOf(rule).length === 0) return undefined;
    const message = buildAlertMessage(
      transition,
      {
        ...record.item,
        previousQuantity: record.change.previousQuantity,
        quantity: record.change.quantity,
      },
      {
        ruleKey,
        ruleName: rule?.name,
        severity: severityOf(rule, transition.level),
        strategy: rule?.strategies[transition.level]?.type,
        channels: channelsOf(rule),
        occurredAt,
      },
    );
    return { ...message, id };
  }
};
