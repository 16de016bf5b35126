import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../../sandbox/dynamodb-local.js';
import { createTables, type SandboxTables } from '../../../sandbox/tables.js';
import { Ledger } from '../../../shared/adapters/ledger.js';
import { OrderStore } from '../../../shared/adapters/order-store.js';
import { StrategyStore } from '../../../shared/adapters/strategy-store.js';
import { ControlKeys, DEFAULT_CONTROL_INDEX } from '../../../shared/contracts/tables.js';
import type { LedgerEntry } from '../../../shared/domain/ledger.js';
import { openAlertsItem } from '../../support/factories.js';

/** The open-order lock's conditions as DynamoDB Local evaluates them. */
let tables: SandboxTables;
let doc: DynamoDBDocumentClient;
const DAY = 86_400_000;

beforeAll(async () => {
  const client = new DynamoDBClient({
    endpoint: inject('dynamoEndpoint'),
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
  });
  tables = await createTables(client, 'orders-');
  doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
});

const orderEntry = (sku: string, alertId: string, at = new Date()): LedgerEntry => ({
  alertId,
  transition: 'TRIGGERED',
  level: 'LOW_STOCK',
  sku,
  location: 'WH-1',
  strategy: 'purchase-order',
  outcome: 'applied',
  decision: { kind: 'purchase-order', quantity: 40 },
  orderId: `PO-${alertId}`,
  before: { quantity: 3 },
  after: { quantity: 3 },
  occurredAt: at.toISOString(),
  at: at.toISOString(),
});

/** Commits an order's entry while its alert is the open one, as the executor only does. */
const commitOpen = async (store: StrategyStore, entry: LedgerEntry) => {
  await doc.send(
    new PutCommand({
      TableName: tables.control,
      Item: openAlertsItem(entry.sku, entry.location, { [entry.level]: entry.alertId }),
    }),
  );
  return store.commit(entry);
};

const get = async (key: Record<string, string>) =>
  (await doc.send(new GetCommand({ TableName: tables.control, Key: key }))).Item;

describe('the open-order lock on DynamoDB Local', () => {
  it('blocks a second order while the first is younger than the maximum age', async () => {
    const store = new StrategyStore(doc, tables.inventory, tables.control, DEFAULT_CONTROL_INDEX);
    expect((await commitOpen(store, orderEntry('LOCK-1', 'a-1'))).entry.outcome).toBe('applied');
    const second = await commitOpen(store, orderEntry('LOCK-1', 'a-2'));
    expect(second.entry).toMatchObject({
      outcome: 'skipped',
      reason: 'order PO-a-1 is still open',
    });
    expect(await get(ControlKeys.order('PO-a-2'))).toBeUndefined();
  });

  it('replaces an expired order: new lock and order, the old one expired and ledgered, once', async () => {
    const store = new StrategyStore(doc, tables.inventory, tables.control, DEFAULT_CONTROL_INDEX);
    const placed = new Date(Date.now() - 20 * DAY);
    expect((await commitOpen(store, orderEntry('LOCK-2', 'old', placed))).entry.outcome).toBe(
      'applied',
    );

    const replaced = await commitOpen(store, orderEntry('LOCK-2', 'new'));

    expect(replaced.entry.outcome).toBe('applied');
    expect(await get(ControlKeys.openOrder('LOCK-2', 'WH-1'))).toMatchObject({ orderId: 'PO-new' });
    expect(await get(ControlKeys.order('PO-old'))).toMatchObject({ status: 'EXPIRED' });
    expect(await get(ControlKeys.order('PO-new'))).toMatchObject({ status: 'OPEN' });
    const expiry = await new Ledger(doc, tables.control).get({
      sku: 'LOCK-2',
      location: 'WH-1',
      alertId: 'old',
      transition: 'RESOLVED',
      strategy: 'expire-order',
    });
    expect(expiry).toMatchObject({ outcome: 'applied', orderId: 'PO-old' });
    // The replay of the same decision changes nothing.
    expect((await commitOpen(store, orderEntry('LOCK-2', 'new'))).replay).toBe(true);
    const orders = new OrderStore(doc, tables.inventory, tables.control);
    await expect(orders.receive('PO-old', 40, new Date().toISOString())).rejects.toThrow(
      'Order PO-old is EXPIRED, not OPEN',
    );
  });

  it('lets an order be cancelled once, and then ordered again', async () => {
    const store = new StrategyStore(doc, tables.inventory, tables.control, DEFAULT_CONTROL_INDEX);
    await doc.send(
      new PutCommand({
        TableName: tables.inventory,
        Item: { sku: 'LOCK-3', location: 'WH-1', quantity: 3 },
      }),
    );
    await commitOpen(store, orderEntry('LOCK-3', 'c-1'));
    const orders = new OrderStore(doc, tables.inventory, tables.control);
    await orders.cancel('PO-c-1', new Date().toISOString());
    await expect(orders.cancel('PO-c-1', new Date().toISOString())).rejects.toThrow(
      'is CANCELLED, not OPEN',
    );
    expect((await commitOpen(store, orderEntry('LOCK-3', 'c-2'))).entry.outcome).toBe('applied');
  });
});
