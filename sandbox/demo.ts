import { receiveOrder } from '../cli/commands/orders.js';
import type { RuleInput } from '../shared/domain/rules.js';
import type { Sandbox } from './sandbox.js';

/** Rules of the demo shop: one per strategy, most-specific-first resolution on display. */
export const DEMO_RULES: RuleInput[] = [
  {
    scope: { default: true },
    name: 'Standard stock policy',
    thresholds: { LOW_STOCK: 10, OVERSTOCK: 100 },
    hysteresis: 2,
    strategies: {
      LOW_STOCK: {
        type: 'purchase-order',
        quantity: { mode: 'up-to-max', max: 60 },
        orderMultiple: 10,
        supplier: 'ACME Wholesale',
      },
      OUT_OF_STOCK: { type: 'pause-listing' },
      OVERSTOCK: {
        type: 'reduce',
        downTo: 80,
        destination: { type: 'transfer', location: 'OUTLET' },
      },
    },
  },
  {
    scope: { category: 'seasonal' },
    name: 'Seasonal pricing',
    thresholds: { LOW_STOCK: 5, OVERSTOCK: 40 },
    hysteresis: 1,
    strategies: {
      LOW_STOCK: { type: 'reprice', percent: 10, floor: 15, ceiling: 35, maxChangesPerPeriod: 3 },
      OVERSTOCK: { type: 'reprice', percent: 20, floor: 15, ceiling: 35, maxChangesPerPeriod: 3 },
    },
  },
  {
    scope: { sku: 'CABLE-USB' },
    name: 'Cables restock from the backroom',
    thresholds: { LOW_STOCK: 20 },
    strategies: {
      LOW_STOCK: {
        type: 'direct-restock',
        quantity: { mode: 'up-to-max', max: 50 },
        source: 'backroom',
      },
    },
  },
  {
    scope: { sku: 'LAMP-DESK', location: 'STORE-1' },
    name: 'New lamp, trial run',
    thresholds: { LOW_STOCK: 3 },
    channels: ['email'],
    strategies: {
      LOW_STOCK: { type: 'purchase-order', quantity: { mode: 'fixed', units: 12 }, dryRun: true },
    },
  },
  {
    scope: { category: 'digital' },
    name: 'Gift cards: tell people only',
    thresholds: { LOW_STOCK: 25 },
    strategies: { LOW_STOCK: { type: 'notify-only' } },
  },
];

export const DEMO_CATALOG = [
  {
    sku: 'MUG-BLUE',
    location: 'WH-1',
    name: 'Blue mug',
    category: 'kitchen',
    quantity: 24,
    price: 12.5,
    listed: true,
  },
  {
    sku: 'SCARF-WOOL',
    location: 'WH-1',
    name: 'Wool scarf',
    category: 'seasonal',
    quantity: 12,
    price: 25,
    listed: true,
  },
  {
    sku: 'CABLE-USB',
    location: 'WH-1',
    name: 'USB-C cable',
    category: 'electronics',
    quantity: 30,
    price: 9.9,
    listed: true,
  },
  {
    sku: 'LAMP-DESK',
    location: 'STORE-1',
    name: 'Desk lamp',
    category: 'home',
    quantity: 6,
    price: 39,
    listed: true,
  },
  {
    sku: 'GIFT-50',
    location: 'ONLINE',
    name: 'Gift card 50',
    category: 'digital',
    quantity: 30,
    price: 50,
    listed: true,
  },
  {
    sku: 'TEA-GREEN',
    location: 'WH-1',
    name: 'Green tea',
    category: 'kitchen',
    quantity: 70,
    price: 6,
    listed: true,
  },
];

/**
 * One step of the demo: a sale or receipt of `delta` units, or (`receiveOrder`) the item's
 * open purchase order received the way an operator does it, with `orders receive`.
 */
type DemoStep = { say: string; sku: string; location: string } & (
  | { delta: number }
  | { receiveOrder: true }
);

/** A short, readable story of sales and receipts that crosses every level and runs each strategy. */
export const DEMO_STEPS: DemoStep[] = [
  { say: 'A busy morning: 16 blue mugs sold', sku: 'MUG-BLUE', location: 'WH-1', delta: -16 },
  { say: 'The last 8 blue mugs go', sku: 'MUG-BLUE', location: 'WH-1', delta: -8 },
  { say: 'Wool scarves sell fast', sku: 'SCARF-WOOL', location: 'WH-1', delta: -8 },
  { say: 'USB-C cables drop below 20', sku: 'CABLE-USB', location: 'WH-1', delta: -15 },
  { say: 'Desk lamps sell at the store', sku: 'LAMP-DESK', location: 'STORE-1', delta: -4 },
  { say: 'Gift cards sell online', sku: 'GIFT-50', location: 'ONLINE', delta: -10 },
  { say: 'A pallet of green tea arrives', sku: 'TEA-GREEN', location: 'WH-1', delta: 60 },
  { say: 'A late shipment of scarves arrives', sku: 'SCARF-WOOL', location: 'WH-1', delta: 50 },
  { say: 'The blue mug order is received', sku: 'MUG-BLUE', location: 'WH-1', receiveOrder: true },
];

/** Seeds the demo rules and catalog. */
export const seedDemo = async (sandbox: Sandbox): Promise<void> => {
  for (const rule of DEMO_RULES) await sandbox.putRule(rule);
  for (const item of DEMO_CATALOG) await sandbox.putItem(item);
};

/** Plays the demo story, letting the pipeline settle after each step so the output reads in order. */
export const playDemo = async (sandbox: Sandbox, say: (line: string) => void): Promise<void> => {
  await sandbox.settle();
  for (const step of DEMO_STEPS) {
    if ('delta' in step) {
      say(
        `\n▶ ${step.say} (${step.sku} @ ${step.location} ${step.delta > 0 ? '+' : ''}${step.delta})`,
      );
      await sandbox.adjust(step.sku, step.location, step.delta);
    } else {
      say(`\n▶ ${step.say} (${await receiveOpenOrder(sandbox, step.sku, step.location)})`);
    }
    await sandbox.settle();
  }
};

/** Receives the item's open order through `orders receive`'s own code; says what it did. */
const receiveOpenOrder = async (sandbox: Sandbox, sku: string, location: string) => {
  const orders = sandbox.orders();
  const lock = await orders.lock(sku, location);
  if (!lock) return `no open order for ${sku} @ ${location}: nothing to receive`;
  const { quantity } = await receiveOrder(
    orders,
    lock.orderId,
    undefined,
    new Date().toISOString(),
  );
  sandbox.writes++;
  return `orders receive ${lock.orderId}: ${sku} @ ${location} +${quantity}, the order closed`;
};
