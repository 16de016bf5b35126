import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DemandJournal, rollUpDay } from '../../shared/adapters/demand-journal.js';
import { utcDayOf } from '../../shared/domain/days.js';
import type { DemandPolicy } from '../../shared/domain/demand.js';
import type { DemandDelta } from '../../shared/domain/demand-journal.js';

/**
 * Records demand as the pipeline does: each delta journaled as a batch of its own (as the
 * demand-recorder writes it), then every day before today rolled up (as the nightly
 * demand-rollup does); today's deltas stay in the journal.
 */
export const recordDemand = async (
  doc: DynamoDBDocumentClient,
  controlTable: string,
  deltas: readonly DemandDelta[],
  today = utcDayOf(new Date()),
): Promise<void> => {
  const journal = new DemandJournal(doc, controlTable);
  for (const delta of deltas) await journal.write([delta]);
  const days = [...new Set(deltas.map((d) => d.day))].filter((day) => day < today).sort();
  for (const day of days) await rollUpDay(doc, controlTable, day);
};

/** A delta of one sale of `units` of item A at WH-1 on 2025-11-25, its span `first`..`last`. */
export const demandDelta = (overrides: Partial<DemandDelta> = {}): DemandDelta => ({
  sku: 'A',
  location: 'WH-1',
  day: '2025-11-25',
  unitsSold: 1,
  sales: 1,
  firstSequence: '1',
  lastSequence: '1',
  ...overrides,
});

/** A demand policy that derives thresholds from a single day of history. */
export const demandPolicy = (overrides: Partial<DemandPolicy> = {}): DemandPolicy => ({
  leadTimeDays: 3,
  serviceLevel: 0.95,
  orderingCost: 30,
  holdingCostPerUnitYear: 3,
  orderMultiple: 1,
  minLowStock: 0,
  maxLowStock: 1000,
  windowDays: 7,
  minHistoryDays: 1,
  fallbackLowStock: 5,
  ...overrides,
});
