import type { DynamoDBRecord } from 'aws-lambda';
import type { WireEvent, WirePublishEntry } from '../../sandbox/local-transport.js';
import { snsMessageBytes } from '../../shared/adapters/alert-publisher.js';
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

/** What the stock-monitor made of a batch, as the sandbox's SNS and EventBridge received it. */
export interface MonitorOutcome {
  readonly failures: readonly string[];
  /** Alerts delivered, as `TRANSITION LEVEL sku location`. */
  readonly alerts: readonly string[];
  /** Level-change events put on the bus, as `DetailType level sku location`. */
  readonly events: readonly string[];
  readonly alertBytes: readonly number[];
}

/** What the sandbox's SNS and EventBridge received from one batch, as the catalogue checks it. */
export const monitorOutcome = (
  failures: readonly string[],
  delivered: readonly WirePublishEntry[],
  events: readonly WireEvent[],
): MonitorOutcome => ({
  failures,
  alerts: delivered.map(
    (e) =>
      `${e.attributes.transition?.value} ${e.attributes.level?.value} ${e.attributes.sku?.value} ${e.attributes.location?.value}`,
  ),
  events: events.map((e) => {
    const detail = JSON.parse(e.Detail) as Record<string, string>;
    return `${e.DetailType} ${detail.level} ${detail.sku} ${detail.location}`;
  }),
  alertBytes: delivered.map((e) =>
    snsMessageBytes({
      body: e.message,
      subject: e.subject,
      attributes: Object.entries(e.attributes).map(([n, a]) => [n, a.dataType, a.value] as const),
    }),
  ),
});

/**
 * Inputs that are valid but hostile (they come from real catalogues and operators, not from a
 * broken stream), each with the outcome the pipeline must give: accepted and handled right,
 * never merged with another item, never taking neighbours down.
 */
export const BAD_INPUT_CATALOGUE: [
  string,
  () => DynamoDBRecord[],
  (outcome: MonitorOutcome) => boolean,
  string,
][] = [
  [
    'keys that contain the separator: (A#B, C) and (A, B#C)',
    () => [quantityChange('A#B', 20, 5, {}, 'C'), quantityChange('A', 20, 5, {}, 'B#C')],
    (o) =>
      o.alerts.includes('TRIGGERED LOW_STOCK A#B C') &&
      o.alerts.includes('TRIGGERED LOW_STOCK A B#C'),
    'two items, two alerts',
  ],
  [
    'keys with the escape character, NUL and zero-width characters',
    () => [
      quantityChange('A\\', 20, 5, {}, '#C'),
      quantityChange('A', 20, 5, {}, '\\#C'),
      quantityChange('Z\u0000', 20, 5),
      quantityChange('Z\u200d', 20, 5),
    ],
    (o) => new Set(o.alerts).size === 4,
    'four items, four alerts',
  ],
  [
    'a 300 KB item name next to an ordinary alert',
    () => [
      quantityChange('BIG-NAME', 20, 5, { name: '名'.repeat(100_000) }),
      quantityChange('NEIGHBOUR', 20, 5),
    ],
    (o) =>
      o.failures.length === 0 &&
      // One message per locale in use: two items, whatever the number of locales.
      new Set(o.alerts).size === 2 &&
      o.alertBytes.every((bytes) => bytes < 256 * 1024),
    'both delivered, the name cut to fit',
  ],
  [
    "an item's own thresholds that contradict each other (LOW 450, OVERSTOCK 400)",
    () => [quantityChange('CONTRA', 430, 420, { lowStockThreshold: 450, overstockThreshold: 400 })],
    (o) => o.events.length === 1 && (o.events[0] ?? '').startsWith('StockLevelTriggered OVERSTOCK'),
    "the rule's thresholds apply: overstock only, never low and overstock at once",
  ],
];
