import { marshall } from '@aws-sdk/util-dynamodb';
import type { AttributeValue, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { ControlKeys } from '../../shared/contracts/tables.js';
import type { RuleInput } from '../../shared/domain/rules.js';

let sequence = 1_000_000_000_000_000_000n;

/** A fresh, increasing DynamoDB stream sequence number. */
export const nextSequence = (): string => String(++sequence);

type Image = Record<string, unknown>;

/**
 * A stream record as Lambda delivers it from a NEW_AND_OLD_IMAGES stream: pass the item before
 * (`old`) and after (`new`) the write; omit `old` for INSERT and `new` for REMOVE.
 */
export const streamRecord = (change: {
  old?: Image;
  new?: Image;
  sequenceNumber?: string;
}): DynamoDBRecord => {
  const image = change.new ?? change.old ?? {};
  const sequenceNumber = change.sequenceNumber ?? nextSequence();
  const eventName = !change.old ? 'INSERT' : !change.new ? 'REMOVE' : 'MODIFY';
  const asImage = (item: Image) =>
    marshall(item, { removeUndefinedValues: true }) as Record<string, AttributeValue>;
  return {
    eventID: `evt-${sequenceNumber}`,
    eventName,
    eventVersion: '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: 'eu-west-1',
    dynamodb: {
      ApproximateCreationDateTime: 1_764_072_000,
      Keys: asImage({ sku: image.sku, location: image.location }),
      ...(change.new ? { NewImage: asImage(change.new) } : {}),
      ...(change.old ? { OldImage: asImage(change.old) } : {}),
      SequenceNumber: sequenceNumber,
      SizeBytes: 120,
      StreamViewType: 'NEW_AND_OLD_IMAGES',
    },
    eventSourceARN:
      'arn:aws:dynamodb:eu-west-1:123456789012:table/inventory/stream/2026-11-25T00:00:00.000',
  };
};

/** A sale or receipt of one item: quantity `from` → `to`. */
export const quantityChange = (
  sku: string,
  from: number | undefined,
  to: number | undefined,
  extra: Image = {},
  location = 'WH-1',
): DynamoDBRecord =>
  streamRecord({
    ...(from === undefined ? {} : { old: { sku, location, quantity: from, ...extra } }),
    ...(to === undefined ? {} : { new: { sku, location, quantity: to, ...extra } }),
  });

export const streamEvent = (...records: DynamoDBRecord[]): DynamoDBStreamEvent => ({
  Records: records,
});

/** A rule with the usual thresholds: out ≤ 0, low ≤ 10, overstock ≥ 100, hysteresis 2. */
export const aRule = (overrides: Partial<RuleInput> = {}): RuleInput => ({
  scope: { default: true },
  thresholds: { LOW_STOCK: 10, OVERSTOCK: 100 },
  hysteresis: 2,
  strategies: { LOW_STOCK: { type: 'purchase-order', quantity: { mode: 'fixed', units: 50 } } },
  ...overrides,
});

/** An EventBridge envelope as the strategy-executor receives it. */
export const busEnvelope = (
  detailType: string,
  detail: Record<string, unknown>,
  id = `evt-${nextSequence()}`,
) => ({
  version: '0',
  id,
  'detail-type': detailType,
  source: 'inventory.alerts',
  account: '123456789012',
  time: '2026-11-25T12:00:00Z',
  region: 'eu-west-1',
  resources: [],
  detail,
});

/** The detail of a level change, as the stock-monitor puts it on the bus. */
export const levelDetail = (overrides: Record<string, unknown> = {}) => ({
  version: '1',
  alertId: 'alert-0001',
  sku: 'MUG-1',
  location: 'WH-1',
  level: 'LOW_STOCK',
  previousQuantity: 12,
  quantity: 8,
  threshold: 10,
  occurredAt: '2026-11-25T12:00:00.000Z',
  severity: 'warning',
  ruleKey: 'default',
  notified: true,
  changeId: 'evt-1',
  ...overrides,
});

/**
 * An alert-state item of the control table with these alerts open (level → alert id), as the
 * stock-monitor commits it: for tests that hand the executor events without running the monitor.
 */
export const openAlertsItem = (
  sku: string,
  location: string,
  open: Record<string, string>,
  lastSequence = '1',
) => ({
  ...ControlKeys.alertState(sku, location),
  kind: 'ALERTS',
  sku,
  location,
  open: Object.fromEntries(
    Object.entries(open).map(([level, alertId]) => [
      level,
      { alertId, threshold: 10, triggeredAt: '2026-11-25T12:00:00.000Z', announced: true },
    ]),
  ),
  lastOpened: open,
  lastAnnouncedAt: {},
  version: 1,
  lastSequence,
});
