import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord, StreamRecord } from 'aws-lambda';
import { type InventoryItem, InventoryItemSchema, itemKeyOf } from '../contracts/inventory.js';
import type { Change, ThresholdOverrides } from '../domain/crossing.js';
import { PoisonRecordError } from '../errors.js';

/** DynamoDB items are at most 400 KB; a record claiming more than two images of that is broken. */
export const MAX_RECORD_BYTES = 800 * 1024;

/** A stream record understood: the change, and what the alert needs to describe the item. */
export interface DecodedRecord {
  readonly itemKey: string;
  readonly sequenceNumber: string;
  readonly eventName: 'INSERT' | 'MODIFY' | 'REMOVE';
  readonly change: Change;
  /** The item as it is now, or as it was before a REMOVE. */
  readonly item: InventoryItem;
  readonly overrides: ThresholdOverrides;
  readonly approximateCreationTime: Date | undefined;
  /** True when the write was made by a strategy (it changed `lastAdjustmentId`), not the shop. */
  readonly adjustedBySystem: boolean;
}

/** The item key from a record's Keys, or undefined when the keys are unusable. */
export const itemKeyOfRecord = (record: DynamoDBRecord): string | undefined => {
  const keys = record.dynamodb?.Keys;
  const sku = keys?.sku?.S;
  const location = keys?.location?.S;
  return sku && location ? itemKeyOf({ sku, location }) : undefined;
};

const decodeImage = (image: Record<string, unknown>, which: string): InventoryItem => {
  let plain: Record<string, unknown>;
  try {
    plain = unmarshall(image as Record<string, AttributeValue>);
  } catch (error) {
    throw new PoisonRecordError(`${which} cannot be read: ${(error as Error).message}`);
  }
  const parsed = InventoryItemSchema.safeParse(plain);
  if (!parsed.success) {
    const reasons = parsed.error.issues.map(
      (i) => `${i.path.join('.') || '(image)'}: ${i.message}`,
    );
    throw new PoisonRecordError(`${which} is not an inventory item: ${reasons.join('; ')}`);
  }
  return parsed.data;
};

/** A record whose envelope `assertEnvelope` has checked. */
type EnvelopeChecked = DynamoDBRecord & {
  readonly dynamodb: StreamRecord & { readonly SequenceNumber: string };
  readonly eventName: DecodedRecord['eventName'];
};

/** The old item as far as the change needs it. */
type OldItem = { quantity: number; lastAdjustmentId?: unknown };

/**
 * Decodes and validates one stream record, throwing {@link PoisonRecordError} with the reason
 * for anything that cannot be an inventory change: missing keys, wrong types, a non-numeric
 * or non-finite quantity, a negative price, unknown attribute types, an oversized record.
 */
export const decodeRecord = (record: DynamoDBRecord): DecodedRecord => {
  // This runs for every record: each step returns one value or none, never a tuple, so the
  // split allocates nothing beyond what decoding itself needs.
  assertEnvelope(record);
  const stream = record.dynamodb;
  const sequenceNumber = stream.SequenceNumber;
  const eventName = record.eventName;
  const itemKey = itemKeyOfRecord(record);
  if (!itemKey) throw new PoisonRecordError('Keys must hold string attributes sku and location');
  assertImages(stream, eventName);
  const newItem = stream.NewImage ? decodeImage(stream.NewImage, 'NewImage') : undefined;
  const oldItem = oldItemOf(stream, newItem);
  const item = (newItem ?? oldItem) as InventoryItem;
  assertSameItem(item, stream, itemKey);
  return {
    itemKey,
    sequenceNumber,
    eventName,
    item,
    overrides: overridesOf(item),
    change: {
      sku: item.sku,
      location: item.location,
      previousQuantity: oldItem?.quantity,
      quantity: newItem?.quantity,
      changeId: record.eventID ?? sequenceNumber,
    },
    adjustedBySystem:
      newItem?.lastAdjustmentId !== undefined &&
      newItem.lastAdjustmentId !== oldItem?.lastAdjustmentId,
    approximateCreationTime:
      stream.ApproximateCreationDateTime !== undefined
        ? new Date(stream.ApproximateCreationDateTime * 1000)
        : undefined,
  };
};

/** Throws unless there is a stream section with a numeric SequenceNumber, a known event, a sane size. */
const assertEnvelope: (record: DynamoDBRecord) => asserts record is EnvelopeChecked = (record) => {
  const stream = record.dynamodb;
  const sequenceNumber = stream?.SequenceNumber;
  if (!stream || !sequenceNumber || !/^\d+$/.test(sequenceNumber)) {
    throw new PoisonRecordError('record has no dynamodb section or no numeric SequenceNumber');
  }
  const eventName = record.eventName;
  if (eventName !== 'INSERT' && eventName !== 'MODIFY' && eventName !== 'REMOVE') {
    throw new PoisonRecordError(`unknown eventName "${String(eventName)}"`);
  }
  if ((stream.SizeBytes ?? 0) > MAX_RECORD_BYTES) {
    throw new PoisonRecordError(`record of ${stream.SizeBytes} bytes exceeds ${MAX_RECORD_BYTES}`);
  }
};

/** Throws unless the record holds the images its event has under NEW_AND_OLD_IMAGES. */
const assertImages = (stream: StreamRecord, eventName: DecodedRecord['eventName']): void => {
  if (eventName !== 'REMOVE' && !stream.NewImage) {
    throw new PoisonRecordError(
      `${eventName} without NewImage: the stream must use NEW_AND_OLD_IMAGES`,
    );
  }
  if (eventName !== 'INSERT' && !stream.OldImage) {
    throw new PoisonRecordError(
      `${eventName} without OldImage: the stream must use NEW_AND_OLD_IMAGES`,
    );
  }
};

/** The item before the write: all of it after a REMOVE, otherwise its quantity and adjustment. */
const oldItemOf = (
  stream: StreamRecord,
  newItem: InventoryItem | undefined,
): OldItem | undefined => {
  if (!stream.OldImage) return undefined;
  if (!newItem) return decodeImage(stream.OldImage, 'OldImage');
  // With a new image, only the old quantity matters: read it straight from the wire format
  // (the hot path), and let a malformed earlier write not block an item that is valid again.
  const quantity = Number(stream.OldImage.quantity?.N);
  return Number.isFinite(quantity)
    ? { quantity, lastAdjustmentId: stream.OldImage.lastAdjustmentId?.S }
    : undefined;
};

/** Throws when the image names another item than the record's Keys. */
const assertSameItem = (item: InventoryItem, stream: StreamRecord, itemKey: string): void => {
  if (item.sku !== stream.Keys?.sku?.S || item.location !== stream.Keys?.location?.S) {
    throw new PoisonRecordError(`image keys ${itemKeyOf(item)} differ from record Keys ${itemKey}`);
  }
};

/** The item's own thresholds, built field by field: this runs for every record. */
const overridesOf = (item: InventoryItem): ThresholdOverrides => {
  const overrides: ThresholdOverrides = {};
  if (item.lowStockThreshold !== undefined) overrides.LOW_STOCK = item.lowStockThreshold;
  if (item.overstockThreshold !== undefined) overrides.OVERSTOCK = item.overstockThreshold;
  return overrides;
};

/** Why a record cannot be decoded, or undefined when it can: the reason a dead letter carries. */
export const undecodableReason = (record: DynamoDBRecord): string | undefined => {
  try {
    decodeRecord(record);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
};
