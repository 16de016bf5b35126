import type { DynamoDBRecord } from 'aws-lambda';
import { quantityChange, streamRecord } from './factories.js';

const withStream = (record: DynamoDBRecord, patch: Record<string, unknown>): DynamoDBRecord => ({
  ...record,
  dynamodb: { ...record.dynamodb, ...patch },
});
const good = () => quantityChange('SKU-1', 12, 8);

/** Every kind of record the stock-monitor must refuse, and the reason it gives. */
export const POISON_CATALOGUE: [string, () => DynamoDBRecord, string][] = [
  [
    'no keys',
    () => withStream(good(), { Keys: {} }),
    'Keys must hold string attributes sku and location',
  ],
  [
    'numeric sku key',
    () => withStream(good(), { Keys: { sku: { N: '1' }, location: { S: 'WH-1' } } }),
    'Keys must hold',
  ],
  [
    'quantity as text',
    () => streamRecord({ new: { sku: 'P', location: 'WH-1', quantity: 'seven' } }),
    'quantity must be a number',
  ],
  ['quantity missing', () => streamRecord({ new: { sku: 'P', location: 'WH-1' } }), 'quantity'],
  [
    'quantity NaN',
    () =>
      withStream(good(), {
        NewImage: { sku: { S: 'SKU-1' }, location: { S: 'WH-1' }, quantity: { N: 'NaN' } },
      }),
    'quantity',
  ],
  [
    'negative price',
    () => streamRecord({ new: { sku: 'P', location: 'WH-1', quantity: 3, price: -1 } }),
    'price must not be negative',
  ],
  [
    'unknown attribute type',
    () =>
      withStream(good(), {
        NewImage: { sku: { S: 'SKU-1' }, location: { S: 'WH-1' }, quantity: { X: '1' } },
      }),
    'NewImage',
  ],
  ['image too large', () => withStream(good(), { SizeBytes: 2_000_000 }), 'exceeds'],
  [
    'keys-only stream',
    () => withStream(good(), { NewImage: undefined, OldImage: undefined }),
    'NEW_AND_OLD_IMAGES',
  ],
  [
    'image of another item',
    () => withStream(good(), { Keys: { sku: { S: 'OTHER' }, location: { S: 'WH-1' } } }),
    'differ from record Keys',
  ],
  [
    'unknown event name',
    () => ({ ...good(), eventName: 'TRUNCATE' as never }),
    'unknown eventName',
  ],
  ['no sequence number', () => withStream(good(), { SequenceNumber: undefined }), 'SequenceNumber'],
];
