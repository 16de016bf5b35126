/** Metric names the functions emit (EMF) and the dashboard and alarms read: one definition. */
export const METRICS_NAMESPACE = 'InventoryAlerts';

export const MetricName = {
  RecordsProcessed: 'RecordsProcessed',
  RecordsFailed: 'RecordsFailed',
  DuplicateRecords: 'DuplicateRecords',
  Crossings: 'Crossings',
  AlertsPublished: 'AlertsPublished',
  EventsPublished: 'EventsPublished',
  PublishRetries: 'PublishRetries',
  StrategiesApplied: 'StrategiesApplied',
  StrategiesRejected: 'StrategiesRejected',
  /** Level changes delivered again and answered from the idempotency store. */
  StrategyReplays: 'StrategyReplays',
  /** Sales in the demand journal entries written (a redelivered batch's are not counted again). */
  SalesRecorded: 'SalesRecorded',
  /** Item-day deltas in the demand journal entries written (not a redelivered batch's). */
  DemandDeltasJournaled: 'DemandDeltasJournaled',
  /** Demand journal entries refused as already written (a redelivered batch). */
  DemandEntriesReplayed: 'DemandEntriesReplayed',
  /** Demand journal entries written. */
  DemandEntriesWritten: 'DemandEntriesWritten',
  /** Item-days the demand-rollup folded, and wrote because they differed. */
  DemandDaysRolledUp: 'DemandDaysRolledUp',
  DemandDaysRollupWritten: 'DemandDaysRollupWritten',
  /** Days a roll-up found past the journal's retention, never rolled up (nights failed for a week). */
  DemandDaysLost: 'DemandDaysLost',
  /** Journal deltas of one item-day whose spans overlap without nesting (counted both). */
  DemandSpanOverlaps: 'DemandSpanOverlaps',
  RecordsSkipped: 'RecordsSkipped',
  /** Stream records that can never succeed, kept in the quarantine and acknowledged. */
  RecordsQuarantined: 'RecordsQuarantined',
  /** Demand-derived LOW_STOCK thresholds clamped below OVERSTOCK − hysteresis. */
  DerivedThresholdsClamped: 'DerivedThresholdsClamped',
  /** Level changes that arrived after their alert was no longer current: ledgered, not applied. */
  StaleEvents: 'StaleEvents',
  /**
   * Runs refused for a level-change event that failed its schema (3 per event: Lambda runs it
   * twice more), after which the DLQ keeps it.
   */
  InvalidEvents: 'InvalidEvents',
  /** Digests due at a tick (each sent once; a repeat is answered from the idempotency store). */
  DigestsDue: 'DigestsDue',
  /**
   * Digest windows a tick marked skipped, unsent: a window length new to the schedule, or one
   * whose ticks all failed for longer than the catch-up (their crossings never went out).
   */
  DigestWindowsSkipped: 'DigestWindowsSkipped',
} as const;

export const SERVICE_NAMES = {
  stockMonitor: 'stock-monitor',
  strategyExecutor: 'strategy-executor',
  demandRecorder: 'demand-recorder',
  demandRollup: 'demand-rollup',
  digestSender: 'digest-sender',
} as const;
