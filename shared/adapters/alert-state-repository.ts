import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { itemKeyOf } from '../contracts/inventory.js';
import { ControlIndex, ControlKeys } from '../contracts/tables.js';
import { type AlertState, EMPTY_ALERT_STATE } from '../domain/crossing.js';
import type { DigestEntry } from '../domain/digest.js';
import { batchGetAll } from './batch-get.js';
import { controlIndexSettingsFromEnv } from './control-index.js';
import { DigestBuffer } from './digest-buffer.js';
import { transactWriteEach } from './transact.js';

/** Alert state of one item as stored, with what makes writes safe to repeat. */
export interface StoredAlertState {
  readonly state: AlertState;
  /** Optimistic-concurrency version; 0 when nothing is stored yet. */
  readonly version: number;
  /** Sequence number of the last stream record applied; records at or before it are replays. */
  readonly lastSequence: string | undefined;
}

export const NO_STORED_STATE: StoredAlertState = {
  state: EMPTY_ALERT_STATE,
  version: 0,
  lastSequence: undefined,
};

/** An alert-state item of the control table, as the monitor and the executor read it. */
export const decodeAlertState = (item: Record<string, unknown>): StoredAlertState => ({
  state: {
    open: (item.open ?? {}) as AlertState['open'],
    lastAnnouncedAt: (item.lastAnnouncedAt ?? {}) as AlertState['lastAnnouncedAt'],
    // Absent in state written before it was recorded: then a resolve cannot be told stale.
    lastOpened: item.lastOpened as AlertState['lastOpened'],
  },
  version: Number(item.version ?? 0),
  lastSequence: item.lastSequence as string | undefined,
});

/** Per-item alert state in the control table, read in batches and written conditionally. */
export class AlertStateRepository {
  private readonly digests: DigestBuffer;

  /** `shards`: the environment's index shards; by default those the stack set on the function. */
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly shards: number = controlIndexSettingsFromEnv().shards,
  ) {
    this.digests = new DigestBuffer(doc, tableName, shards);
  }

  /** States of the items (keyed by `sku#location`); absent items get {@link NO_STORED_STATE}. */
  async getMany(
    items: readonly { sku: string; location: string }[],
  ): Promise<Map<string, StoredAlertState>> {
    const result = new Map<string, StoredAlertState>();
    if (items.length === 0) return result;
    const stored = await batchGetAll(
      this.doc,
      this.tableName,
      items.map((item) => ControlKeys.alertState(item.sku, item.location)),
    );
    for (const item of stored)
      result.set(itemKeyOf(item as { sku: string; location: string }), decodeAlertState(item));
    for (const item of items) {
      const key = itemKeyOf(item);
      if (!result.has(key)) result.set(key, NO_STORED_STATE);
    }
    return result;
  }

  /**
   * Writes the new states of many items, each only if nobody else has written it since the read
   * (`expectedVersion`), in transactions of up to 100: one call per batch, not one per item.
   * The commits' digest entries are written first, each only if absent (see
   * {@link DigestBuffer.putAbsent}): the alerts are out by then, so a crossing stays buffered
   * even if its state commit fails, and a redelivery, however it is batched, neither duplicates
   * one nor moves it into a later window. Returns the keys of items whose condition failed (a
   * racing or replayed write), which are not written; a transaction cancelled for other reasons
   * (throttling, conflicts) is retried without them, up to `attempts` times, and then throws.
   */
  async commitMany(commits: readonly StateCommit[], attempts = 4): Promise<Set<string>> {
    await this.digests.putAbsent(
      commits.flatMap((c) => (c.digest ?? []).map((entry) => ({ entry, committedAt: c.at }))),
      attempts,
    );
    const conflicts = await transactWriteEach(
      this.doc,
      commits,
      (c) => ({ Put: this.put(c) }),
      attempts,
    );
    return new Set(conflicts.map((c) => itemKeyOf(c.item)));
  }

  private put(commit: StateCommit) {
    const { item, state, expectedVersion, lastSequence, at } = commit;
    const openLevels = Object.keys(state.open);
    const key = ControlKeys.alertState(item.sku, item.location);
    return {
      TableName: this.tableName,
      Item: {
        ...key,
        ...this.indexAttributes(key, state),
        committedAt: at,
        sku: item.sku,
        location: item.location,
        open: state.open,
        openLevels: openLevels.length > 0 ? openLevels : undefined,
        lastAnnouncedAt: state.lastAnnouncedAt,
        lastOpened: state.lastOpened ?? {},
        lastSequence,
        version: expectedVersion + 1,
      },
      ConditionExpression:
        expectedVersion === 0 ? 'attribute_not_exists(pk)' : 'version = :expected',
      ...(expectedVersion === 0
        ? {}
        : { ExpressionAttributeValues: { ':expected': expectedVersion } }),
    };
  }

  /**
   * The index attributes of a state: only while an alert is open (the index is sparse), and
   * `at` is when the latest open alert triggered. They are a function of the open alerts, so
   * they change only when an alert opens or closes, whatever else the commit records.
   */
  private indexAttributes(key: { pk: string; sk: string }, state: AlertState) {
    const latest = Object.values(state.open)
      .map((alert) => alert?.triggeredAt ?? '')
      .sort()
      .at(-1);
    return latest === undefined ? {} : ControlIndex.attributes('ALERTS', key, latest, this.shards);
  }
}

/** One item's new alert state, and the version it was read at. */
export interface StateCommit {
  readonly item: { sku: string; location: string };
  readonly state: AlertState;
  readonly expectedVersion: number;
  readonly lastSequence: string;
  readonly at: string;
  /** The announced crossings to keep for digest subscribers (the digest buffer), if any. */
  readonly digest?: readonly DigestEntry[] | undefined;
}
