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
  type SilenceReason,
  type StockLevelDetail,
} from '../../shared/contracts/events.js';
import { itemKeyOf } from '../../shared/contracts/inventory.js';
import { MetricName } from '../../shared/contracts/metrics.js';
import { type AlertState, evaluateChange, type Transition } from '../../shared/domain/crossing.js';
import type { DemandPolicy } from '../../shared/domain/demand.js';
import { digestEntryOf } from '../../shared/domain/digest.js';
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
  /** Keep announced crossings for digest subscribers, on the state commit (issue #18). */
  readonly digests?: boolean;
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
  /** The alerts published for its crossings: what the digest buffer keeps. */
  readonly announced: AlertMessage[];
}

type Prepared =
  | { readonly ok: true; readonly decoded: DecodedRecord }
  | { readonly ok: false; readonly itemKey: string | undefined; readonly error: Error };

/** A record that can never succeed, and why. */
interface Poison {
  readonly record: DynamoDBRecord;
  readonly reason: string;
}

/** What evaluating a batch in order left: each item's work, the poison, what failed. */
interface Evaluation {
  readonly work: Map<string, ItemWork>;
  readonly poison: readonly Poison[];
  /** Sequence numbers of records that failed (or were held back behind a failure). */
  readonly failedSequences: readonly string[];
  /** Records delivered again after their state was committed, skipped. */
  readonly duplicates: number;
}

/**
 * Evaluates one record against its item's working state, collecting its crossings; false when
 * the record was already applied (a redelivery at or before the item's last sequence).
 */
const applyRecord = (item: ItemWork, d: DecodedRecord, inForce: InForce, at: Date): boolean => {
  if (item.lastSequence !== undefined && compareSequence(d.sequenceNumber, item.lastSequence) <= 0)
    return false;
  const result = evaluateChange(d.change, inForce, item.state, at);
  item.state = result.state;
  item.lastSequence = d.sequenceNumber;
  const { rule, ruleKey = NO_RULE_KEY } = inForce;
  for (const transition of result.transitions)
    item.crossings.push({ transition, record: d, ruleKey, rule, occurredAt: at.toISOString() });
  return true;
};

const newItemWork = (stored: StoredAlertState): ItemWork => ({
  stored,
  state: stored.state,
  lastSequence: stored.lastSequence,
  crossings: [],
  announced: [],
});

const sameOverrides = (a: DecodedRecord['overrides'], b: DecodedRecord['overrides']) =>
  a.LOW_STOCK === b.LOW_STOCK && a.OVERSTOCK === b.OVERSTOCK;

/** What the stock-monitor's steps share: its dependencies and clock. */
interface Monitor {
  readonly deps: StockMonitorDeps;
  readonly now: () => Date;
}

/**
 * The stock-monitor use case over one stream batch:
 * 1. decode every record and judge each by the rule and thresholds in force now (rules
 *    cached, read in one batch);
 * 2. read every item's alert state in one batch;
 * 3. evaluate records in order with Powertools' BatchProcessor, sequentially, because records
 *    of one item must be applied in stream order; poison is set aside for the quarantine, and a
 *    failed record holds back the rest of its item;
 * 4. publish alerts (SNS) and events (EventBridge), retrying only failed entries, then commit
 *    each item's state conditionally; quarantine the poison;
 * 5. answer with the records to redeliver: failed ones, and every record of an item whose
 *    publish or commit failed, so they come back in order.
 * Demand is the demand-recorder's job, on its own event source mapping of the same stream.
 */

export const createStockMonitor = (deps: StockMonitorDeps) => {
  const m: Monitor = {
    deps,
    now: deps.now ?? (() => new Date()),
  };
  return async (event: DynamoDBStreamEvent, context?: Context): Promise<DynamoDBBatchResponse> => {
    const prepared = decodeAll(event.Records ?? []);
    const decoded = [...prepared.values()].flatMap((p) => (p.ok ? [p.decoded] : []));
    const judged = await judge(m, decoded);
    // Step 2: every item's state. An alert opened under an older threshold or rule must be
    // judged by the one in force now, and only the state knows which alerts are open.
    const stored = await m.deps.states.getMany([
      ...new Map(decoded.map((d) => [d.itemKey, d.item])).values(),
    ]);
    const evaluation = await evaluateInOrder(m, event, context, prepared, judged, stored);
    // Step 4: announce and commit; quarantine the poison.
    const [flushFailures, unquarantined] = await Promise.all([
      flush(m, evaluation.work),
      quarantine(m, evaluation.poison),
    ]);
    return respond(m, prepared, evaluation, flushFailures, unquarantined);
  };
};

/**
 * What each decoded record is judged by: the rule in force for its item now (cached), the
 * demand-derived LOW_STOCK for `auto` rules, and the thresholds on the record's own image
 * (they can move from one write of an item to the next), reconciled.
 */
async function judge(
  m: Monitor,
  decoded: readonly DecodedRecord[],
): Promise<Map<DecodedRecord, InForce>> {
  const rules = await m.deps.rules.resolveMany(decoded);
  const autoItems = new Map<string, { sku: string; location: string; policy: DemandPolicy }>();
  for (const d of decoded) {
    const rule = rules.get(d.itemKey)?.rule;
    if (rule && isAutoLowStock(rule) && d.overrides.LOW_STOCK === undefined)
      autoItems.set(d.itemKey, { ...d.item, policy: rule.demand });
  }
  const derived =
    autoItems.size > 0 && m.deps.thresholds
      ? await m.deps.thresholds.get([...autoItems.values()])
      : new Map<string, { lowStock?: number | undefined }>();
  const judged = new Map<DecodedRecord, InForce>();
  // The last judgement per item: records of an item whose own thresholds did not move share it.
  const last = new Map<string, { overrides: DecodedRecord['overrides']; inForce: InForce }>();
  for (const d of decoded) {
    const previous = last.get(d.itemKey);
    if (previous && sameOverrides(previous.overrides, d.overrides)) {
      judged.set(d, previous.inForce);
      continue;
    }
    const resolved = rules.get(d.itemKey);
    const derivedLow = autoItems.has(d.itemKey) ? derived.get(d.itemKey)?.lowStock : undefined;
    const inForce = thresholdsInForce(resolved?.rule, d.overrides, derivedLow);
    const judgement: InForce = {
      rule: resolved?.rule,
      ruleKey: resolved?.key,
      ruleVersion: resolved?.version,
      thresholds: inForce.thresholds,
    };
    judged.set(d, judgement);
    const warned = previous !== undefined;
    last.set(d.itemKey, { overrides: d.overrides, inForce: judgement });
    if (warned) continue;
    if (inForce.clampedLowStock) {
      m.deps.metrics.addMetric(MetricName.DerivedThresholdsClamped, MetricUnit.Count, 1);
      m.deps.logger.warn('Derived LOW_STOCK clamped below OVERSTOCK − hysteresis', {
        itemKey: d.itemKey,
        ...inForce.clampedLowStock,
      });
    }
    if (inForce.itemThresholdsIgnored)
      m.deps.logger.warn(inForce.itemThresholdsIgnored, { itemKey: d.itemKey });
  }
  return judged;
}

/** Step 1: decodes every record; one that cannot be decoded is kept with its reason. */
const decodeAll = (records: readonly DynamoDBRecord[]): Map<DynamoDBRecord, Prepared> => {
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
  return prepared;
};

/**
 * Step 3: evaluates the records in stream order with Powertools' BatchProcessor, sequentially,
 * because the records of one item must be applied in order. Poison is set aside for the
 * quarantine and acknowledged; a record that fails holds back the rest of its item.
 */
async function evaluateInOrder(
  m: Monitor,
  event: DynamoDBStreamEvent,
  context: Context | undefined,
  prepared: ReadonlyMap<DynamoDBRecord, Prepared>,
  judged: ReadonlyMap<DecodedRecord, InForce>,
  stored: ReadonlyMap<string, StoredAlertState>,
): Promise<Evaluation> {
  const work = new Map<string, ItemWork>();
  const poison: Poison[] = [];
  const failedItems = new Set<string>();
  let duplicates = 0;
  const evaluate = (d: DecodedRecord) => {
    const itemStored = stored.get(d.itemKey);
    const inForce = judged.get(d);
    if (!inForce || !itemStored) return;
    const item = work.get(d.itemKey) ?? newItemWork(itemStored);
    work.set(d.itemKey, item);
    if (!applyRecord(item, d, inForce, m.now())) duplicates++;
  };
  // Synchronous on purpose: BatchProcessor awaits it either way, and an async function would
  // add a promise per record (each one tracked by the X-Ray SDK's async hooks).
  const recordHandler = (record: DynamoDBRecord) => {
    const p = prepared.get(record);
    if (!p) throw new Error('record was not prepared');
    if (!p.ok) {
      // It can never succeed: quarantined with its images after the loop and acknowledged,
      // so it neither holds back its item nor is retried into the on-failure destination.
      m.deps.logger.error('Poison record quarantined', {
        reason: p.error.message,
        sequenceNumber: record.dynamodb?.SequenceNumber,
        itemKey: p.itemKey,
      });
      poison.push({ record, reason: p.error.message });
      return;
    }
    if (failedItems.has(p.decoded.itemKey)) throw new HeldBackRecordError(p.decoded.itemKey);
    try {
      evaluate(p.decoded);
    } catch (error) {
      failedItems.add(p.decoded.itemKey);
      throw error;
    }
  };
  try {
    const response = await processPartialResponse(
      event,
      recordHandler,
      new BatchProcessor(EventType.DynamoDBStreams),
      {
        ...(context ? { context } : {}),
        processInParallel: false,
      },
    );
    const failedSequences = response.batchItemFailures.map((f) => f.itemIdentifier);
    return { work, poison, failedSequences, duplicates };
  } catch (error) {
    // Every record failed: Lambda retries (and bisects) the whole batch. Count it first.
    if (error instanceof FullBatchFailureError)
      m.deps.metrics.addMetric(MetricName.RecordsFailed, MetricUnit.Count, event.Records.length);
    throw error;
  }
}

/**
 * Step 5: the batch response. Records that failed, poison that could not be quarantined, and
 * every record of an item whose publish or commit failed go back, to be redelivered in order.
 */
const respond = (
  m: Monitor,
  prepared: ReadonlyMap<DynamoDBRecord, Prepared>,
  evaluation: Evaluation,
  flushFailures: ReadonlySet<string>,
  unquarantined: readonly string[],
): DynamoDBBatchResponse => {
  const failedSequences = new Set([...evaluation.failedSequences, ...unquarantined]);
  for (const [record, p] of prepared) {
    if (p.ok && flushFailures.has(p.decoded.itemKey) && record.dynamodb?.SequenceNumber)
      failedSequences.add(record.dynamodb.SequenceNumber);
  }
  m.deps.metrics.addMetric(
    MetricName.RecordsProcessed,
    MetricUnit.Count,
    prepared.size - failedSequences.size,
  );
  m.deps.metrics.addMetric(MetricName.RecordsFailed, MetricUnit.Count, failedSequences.size);
  if (evaluation.duplicates > 0)
    m.deps.metrics.addMetric(MetricName.DuplicateRecords, MetricUnit.Count, evaluation.duplicates);
  return {
    batchItemFailures: [...failedSequences].map((itemIdentifier) => ({ itemIdentifier })),
  };
};

/**
 * Keeps each poison record in the quarantine; returns the sequence numbers of those that
 * could not be kept, to be redelivered (and, after the retries, reach the on-failure
 * destination as on any other failure).
 */
async function quarantine(m: Monitor, poison: readonly Poison[]): Promise<string[]> {
  const results = await Promise.allSettled(
    poison.map(({ record, reason }) => m.deps.quarantine.put(record, reason, m.now())),
  );
  const kept = results.filter((r) => r.status === 'fulfilled').length;
  if (kept > 0) m.deps.metrics.addMetric(MetricName.RecordsQuarantined, MetricUnit.Count, kept);
  return results.flatMap((result, index) => {
    if (result.status === 'fulfilled') return [];
    const sequence = poison[index]?.record.dynamodb?.SequenceNumber;
    m.deps.logger.error('Quarantine write failed; the record will be redelivered', {
      sequenceNumber: sequence,
      error: result.reason as Error,
    });
    // A record without a sequence number cannot be given back: fail the whole batch instead.
    if (!sequence) throw result.reason;
    return [sequence];
  });
}

/** Step 4: publishes every crossing, then commits each item's state; returns the items that failed. */
async function flush(m: Monitor, work: ReadonlyMap<string, ItemWork>): Promise<Set<string>> {
  const failed = await publishCrossings(m, work);
  for (const itemKey of await commitStates(m, work, failed)) failed.add(itemKey);
  return failed;
}

/** Alerts (SNS) and events (EventBridge), ten per call, failed entries retried; returns the items whose crossings still failed. */
async function publishCrossings(
  m: Monitor,
  work: ReadonlyMap<string, ItemWork>,
): Promise<Set<string>> {
  const failed = new Set<string>();
  const owners = new Map<string, string>();
  const messages: AlertMessage[] = [];
  const events: BusEvent[] = [];
  for (const [itemKey, item] of work) {
    for (const crossing of item.crossings) {
      const id = `${crossing.transition.alertId}-${crossing.transition.kind === 'TRIGGERED' ? 'T' : 'R'}`;
      owners.set(id, itemKey);
      const event = toBusEvent(id, crossing);
      events.push(event);
      const message = toAlertMessage(id, crossing, event.detail);
      if (message) messages.push(message);
      if (message) item.announced.push(message);
      m.deps.metrics
        .singleMetric()
        .addDimension('level', crossing.transition.level)
        .addMetric(MetricName.Crossings, MetricUnit.Count, 1);
    }
  }
  const [alertOutcome, eventOutcome] = await Promise.all([
    messages.length > 0 ? m.deps.alerts.publish(messages) : undefined,
    events.length > 0 ? m.deps.events.publish(events) : undefined,
  ]);
  for (const [outcome, what] of [
    [alertOutcome, 'alert'],
    [eventOutcome, 'event'],
  ] as const) {
    if (!outcome) continue;
    m.deps.metrics.addMetric(MetricName.PublishRetries, MetricUnit.Count, outcome.retries);
    for (const [id, reason] of outcome.failed) {
      const itemKey = owners.get(id);
      if (itemKey) failed.add(itemKey);
      m.deps.logger.error(`${what} publish failed after retries`, {
        id,
        reason,
        itemKey,
        error: new PublishFailedError(reason),
      });
    }
  }
  const published = (count: number, outcome: { failed: Map<string, string> } | undefined) =>
    count - (outcome?.failed.size ?? 0);
  m.deps.metrics.addMetric(
    MetricName.AlertsPublished,
    MetricUnit.Count,
    published(messages.length, alertOutcome),
  );
  m.deps.metrics.addMetric(
    MetricName.EventsPublished,
    MetricUnit.Count,
    published(events.length, eventOutcome),
  );
  return failed;
}

/**
 * Commits the state of every item that crossed and published, each conditional on the
 * version read; returns the items whose commit failed (to be redelivered).
 */
async function commitStates(
  m: Monitor,
  work: ReadonlyMap<string, ItemWork>,
  publishFailed: ReadonlySet<string>,
): Promise<Set<string>> {
  const failed = new Set<string>();
  const at = m.now().toISOString();
  // Nothing changed, or the change must be redelivered: keep the stored state as it is.
  const commits = [...work].flatMap(([itemKey, item]): StateCommit[] => {
    const first = item.crossings[0];
    if (publishFailed.has(itemKey) || !first || item.lastSequence === undefined) return [];
    const { state, lastSequence } = item;
    const digest = m.deps.digests ? item.announced.map(digestEntryOf) : undefined;
    return [
      {
        item: first.record.item,
        state,
        expectedVersion: item.stored.version,
        lastSequence,
        at,
        digest,
      },
    ];
  });
  if (commits.length === 0) return failed;
  try {
    // The alerts are out: transient failures are retried here, since a lost commit would
    // announce them again on redelivery. A failed condition means another writer won.
    for (const itemKey of await m.deps.states.commitMany(commits)) {
      failed.add(itemKey);
      m.deps.logger.error('Alert state changed since it was read; the item will be redelivered', {
        itemKey,
      });
    }
  } catch (error) {
    for (const commit of commits) failed.add(itemKeyOf(commit.item));
    m.deps.logger.error('Alert state commit failed', {
      items: commits.length,
      error: error as Error,
    });
  }
  return failed;
}

function toBusEvent(id: string, crossing: Crossing): BusEvent & { detail: StockLevelDetail } {
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
    ...silenceOf(transition, channelsOf(rule).length),
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

/** Why people are not told of a transition, for the event (and so the ledger's history). */
function silenceOf(
  transition: Crossing['transition'],
  channels: number,
): { silencedBy?: SilenceReason } {
  if (transition.silencedBy) return { silencedBy: transition.silencedBy };
  if (!transition.announced) return { silencedBy: 'trigger-silenced' };
  return channels === 0 ? { silencedBy: 'no-channels' } : {};
}

/** The alert for people and webhooks; webhooks receive the event's detail. */
function toAlertMessage(
  id: string,
  crossing: Crossing,
  detail: StockLevelDetail,
): AlertMessage | undefined {
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
    detail,
  );
  return { ...message, id };
}
