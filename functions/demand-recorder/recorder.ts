import type { Logger } from '@aws-lambda-powertools/logger';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import type { DemandJournal } from '../../shared/adapters/demand-journal.js';
import { type DecodedRecord, decodeRecord } from '../../shared/adapters/stream-records.js';
import { encodeKeyParts } from '../../shared/contracts/keys.js';
import { MetricName } from '../../shared/contracts/metrics.js';
import { utcDayOf } from '../../shared/domain/days.js';
import type { DemandDelta } from '../../shared/domain/demand-journal.js';
import { pointsOfDay, type StockChange } from '../../shared/domain/stock-history.js';

/** What the demand-recorder talks to; the handler wires AWS clients, the sandbox local ones. */
export interface DemandRecorderDeps {
  readonly journal: DemandJournal;
  readonly logger: Logger;
  readonly metrics: Metrics;
}

/**
 * The demand-recorder use case over one stream batch: the batch's changes summed per item-day
 * (a sale, a decrement written by the shop, to the day's demand; every change, sales,
 * receipts, strategy adjustments, deletes, to the day's quantity history, which the HTML
 * report draws) and journaled in a few entries per batch; the demand-rollup folds a day's
 * journal into the per-item days the readers read once the day is over.
 *
 * It reads the same stream as the stock-monitor, on its own event source mapping with large
 * batches and a batching window: demand moves over days, so it can wait, and the fuller a
 * batch, the fewer and fuller its journal entries (the alert path does not pay for it).
 *
 * Records it cannot read are skipped, not failed: they are not changes it could count, and the
 * stock-monitor already dead-letters them with their reason. So are records without a creation
 * time: they have no day that a redelivery would give them again. A failed write fails the whole
 * batch; replaying it is safe: a redelivered batch writes the same entries (refused as
 * existing), and the roll-up's fold counts a bisected half's records once.
 */
export const createDemandRecorder =
  (deps: DemandRecorderDeps) =>
  async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => {
    const { logger, metrics } = deps;
    const { changes, skipped } = datedChanges(event, logger);
    const deltas = aggregateItemDays(changes);
    const { entries, replays, written } = await deps.journal.write(deltas);
    // What this call added to the journal: a replay's entries were counted when first written.
    const sales = written.reduce((sum, d) => sum + d.sales, 0);
    metrics.addMetric(MetricName.SalesRecorded, MetricUnit.Count, sales);
    metrics.addMetric(MetricName.DemandDeltasJournaled, MetricUnit.Count, written.length);
    metrics.addMetric(MetricName.DemandEntriesWritten, MetricUnit.Count, entries - replays);
    if (replays > 0) metrics.addMetric(MetricName.DemandEntriesReplayed, MetricUnit.Count, replays);
    if (skipped > 0) metrics.addMetric(MetricName.RecordsSkipped, MetricUnit.Count, skipped);
    return { batchItemFailures: [] };
  };

/** A stream record decoded, with the time DynamoDB wrote it: what files it under a day. */
export type DatedRecord = DecodedRecord & { readonly approximateCreationTime: Date };

/**
 * The batch's changes that can be counted, and how many records were skipped: those that are
 * not an inventory change, and those without ApproximateCreationDateTime (AWS always sets it).
 * An undated record is not dated by the invocation's clock: a redelivery on another clock
 * would file it under another day (counted twice across midnight) or write an entry that
 * conflicts with the first attempt's on every retry (dead-lettered, its demand lost).
 */
const datedChanges = (
  event: DynamoDBStreamEvent,
  logger: Logger,
): { changes: DatedRecord[]; skipped: number } => {
  const changes: DatedRecord[] = [];
  let skipped = 0;
  for (const record of event.Records ?? []) {
    const sequenceNumber = record.dynamodb?.SequenceNumber;
    let decoded: DecodedRecord;
    try {
      decoded = decodeRecord(record);
    } catch (error) {
      skipped++;
      logger.warn('Record skipped: not an inventory change', {
        reason: (error as Error).message,
        sequenceNumber,
      });
      continue;
    }
    if (decoded.approximateCreationTime === undefined) {
      skipped++;
      logger.warn('Record skipped: no ApproximateCreationDateTime to date it by', {
        sequenceNumber,
      });
      continue;
    }
    changes.push(decoded as DatedRecord);
  }
  return { changes, skipped };
};

/** A decrement written by the shop (not by one of our strategies) is a sale. */
export const isSale = (d: DecodedRecord): boolean =>
  !d.adjustedBySystem &&
  d.change.previousQuantity !== undefined &&
  d.change.quantity !== undefined &&
  d.change.quantity < d.change.previousQuantity;

/**
 * One delta per item and UTC day of a batch's changes, in stream order: the units and count of
 * its sales summed, the last quantity of each minute it changed, and the span of records.
 */
export const aggregateItemDays = (changes: readonly DatedRecord[]): DemandDelta[] => {
  const groups = new Map<string, { delta: DemandDelta; changes: StockChange[] }>();
  for (const d of changes) {
    const at = d.approximateCreationTime;
    const day = utcDayOf(at);
    const key = encodeKeyParts([d.item.sku, d.item.location, day]);
    const group = groups.get(key);
    const sold = isSale(d) ? (d.change.previousQuantity ?? 0) - (d.change.quantity ?? 0) : 0;
    const delta: DemandDelta = {
      sku: d.item.sku,
      location: d.item.location,
      day,
      unitsSold: (group?.delta.unitsSold ?? 0) + sold,
      sales: (group?.delta.sales ?? 0) + (sold > 0 ? 1 : 0),
      firstSequence: group?.delta.firstSequence ?? d.sequenceNumber,
      lastSequence: d.sequenceNumber,
    };
    const changesOfDay = group?.changes ?? [];
    changesOfDay.push({ at, quantity: d.change.quantity, price: d.item.price });
    groups.set(key, { delta, changes: changesOfDay });
  }
  return [...groups.values()].map((g) => ({ ...g.delta, history: pointsOfDay(g.changes) }));
};
