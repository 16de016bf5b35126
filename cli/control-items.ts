import { readIndex, type TimeWindow } from '../shared/adapters/control-index.js';
import {
  type ControlIndexSettings,
  DEFAULT_CONTROL_INDEX,
  type IndexedKind,
} from '../shared/contracts/tables.js';
import type { Target } from './target.js';

/** The index settings to read a target with: its environment's, or the defaults. */
export const indexSettingsOf = (target: Target): ControlIndexSettings =>
  target.index ?? DEFAULT_CONTROL_INDEX;

/**
 * The control-table items of one kind, from the write-sharded `byKind` index, in time order:
 * RULE and ALERTS (states with an alert open) whole, ORDER and LEDGER within a time window.
 */
export const listKind = async (
  target: Target,
  kind: IndexedKind,
  window?: TimeWindow,
): Promise<Record<string, unknown>[]> =>
  readIndex(target.doc, target.controlTable, kind, indexSettingsOf(target).shards, window);

/** The window from `since` to now. */
export const windowSince = (since: string, now = new Date()): TimeWindow => ({
  since,
  until: now.toISOString(),
});
