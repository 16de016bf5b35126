import type { Logger } from '@aws-lambda-powertools/logger';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import type { DemandDelta, DemandRepository } from '../../shared/adapters/demand-repository.js';
import { type DecodedRecord, decodeRecord } from '../../shared/adapters/stream-records.js';
import { encodeKeyParts } from '../../shared/contracts/keys.js';
import { MetricName } from '../../shared/contracts/metrics.js';

/** What the demand-recorder talks to; the handler wires AWS clients, the sandbox local ones. */
export interface DemandRecorderDeps {
  readonly demand: DemandRepository;
  readonly logger: Logger;
  readonly metrics: Metrics;
}

/**
 * The demand-recorder use case over one stream batch: every sale (a decrement written by the
 * shop) adds to its item's day total, in one transactional write per batch.
 *
 * It reads the same stream as the stock-monitor, on its own event source mapping with large
 * batches: demand moves over days, so it can wait, and the alert path no longer pays for it
 * (a slow or throttled demand write used to hold back the batch's alerts).
 *
 * Records it cannot read are skipped, not failed: they are not sales it could count, and the
 * stock-monitor already dead-letters them with their reason. A failed write fails the whole
 * batch; replaying it is safe, because each day total remembers the last sequence it counted.
 */
export const createDemandRecorder =
  (deps: DemandRecorderDeps) =>
  async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => {
    const { logger, metrics } = deps;
    const sales: DecodedRecord[] = [];
    let skipped = 0;
    for (const record of event.Records ?? []) {
      let decoded: DecodedRecord;
      try {
        decoded = decodeRecord(record);
      } catch (error) {
        skipped++;
        logger.warn('Record skipped: not an inventory change', {
          reason: (error as Error).message,
          sequenceNumber: record.dynamodb?.SequenceNumber,
        });
        continue;
      }
      if (isSale(decoded)) sales.push(decoded);
    }
    const { applied, replays } =
      sales.length > 0
        ? await deps.demand.record(aggregateDemand(sales))
        : { applied: 0, replays: 0 };
    metrics.addMetric(MetricName.SalesRecorded, MetricUnit.Count, sales.length);
    metrics.addMetric(MetricName.DemandDaysWritten, MetricUnit.Count, applied);
    if (replays > 0) metrics.addMetric(MetricName.DemandDaysReplayed, MetricUnit.Count, replays);
    if (skipped > 0) metrics.addMetric(MetricName.RecordsSkipped, MetricUnit.Count, skipped);
    return { batchItemFailures: [] };
  };

/** A decrement written by the shop (not by one of our strategies) is a sale. */
export const isSale = (d: DecodedRecord): boolean =>
  !d.adjustedBySystem &&
  d.change.previousQuantity !== undefined &&
  d.change.quantity !== undefined &&
  d.change.quantity < d.change.previousQuantity;

/** Per-item, per-day demand of a batch's sales, with the span of records each total covers. */
export const aggregateDemand = (sales: readonly DecodedRecord[]): DemandDelta[] => {
  const demand = new Map<string, DemandDelta>();
  for (const d of sales) {
    const sold = (d.change.previousQuantity ?? 0) - (d.change.quantity ?? 0);
    const day = (d.approximateCreationTime ?? new Date()).toISOString().slice(0, 10);
    const key = encodeKeyParts([d.item.sku, d.item.location, day]);
    const current = demand.get(key);
    demand.set(key, {
      sku: d.item.sku,
      location: d.item.location,
      day,
      unitsSold: (current?.unitsSold ?? 0) + sold,
      sales: (current?.sales ?? 0) + 1,
      firstSequence: current?.firstSequence ?? d.sequenceNumber,
      lastSequence: d.sequenceNumber,
    });
  }
  return [...demand.values()];
};
