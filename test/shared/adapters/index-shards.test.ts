import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AlertStateRepository } from '../../../shared/adapters/alert-state-repository.js';
import { StrategyStore } from '../../../shared/adapters/strategy-store.js';
import type { LedgerEntry } from '../../../shared/domain/ledger.js';

/**
 * Issue 14 §3: one partition value of the `byKind` index takes about 1,000 write units a
 * second, and a throttled index throttles the base-table write. Index writes must spread over
 * shards, and alert state must be in the index only for what opens and closes alerts.
 */
const doc = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-west-1' }));
const mock = mockClient(DynamoDBDocumentClient);

/** Every item a transaction put, with its index attributes. */
const putItems = () =>
  mock
    .commandCalls(TransactWriteCommand)
    .flatMap((c) => c.args[0].input.TransactItems ?? [])
    .flatMap((action) => (action.Put ? [action.Put.Item as Record<string, unknown>] : []));

beforeEach(() => {
  mock.on(TransactWriteCommand).resolves({});
});
afterEach(() => mock.reset());

const entry = (n: number): LedgerEntry => ({
  alertId: `alert-${n}`,
  transition: 'TRIGGERED',
  level: 'LOW_STOCK',
  sku: `SKU-${n % 50}`,
  location: 'WH-1',
  strategy: 'notify-only',
  outcome: 'skipped',
  reason: 'no effect',
  before: {},
  after: {},
  occurredAt: '2026-11-25T12:00:00.000Z',
  at: new Date(Date.parse('2026-11-25T12:00:00.000Z') + n * 10).toISOString(),
});

describe('write-sharded index keys', () => {
  it('spreads a busy day of ledger entries over the shards of that day', async () => {
    // Prepare
    const store = new StrategyStore(doc, 'inventory', 'control');

    // Act
    for (let n = 0; n < 1000; n++) await store.commit(entry(n));

    // Assess
    const perPartition = new Map<string, number>();
    for (const item of putItems())
      perPartition.set(String(item.kind), (perPartition.get(String(item.kind)) ?? 0) + 1);
    for (const kind of perPartition.keys()) expect(kind).toMatch(/^LEDGER#2026-11-25#\d+$/);
    expect(perPartition.size).toBeGreaterThanOrEqual(8);
    // Even spread within a margin: no shard takes more than twice its share.
    expect(Math.max(...perPartition.values())).toBeLessThanOrEqual((2 * 1000) / perPartition.size);
  });

  it('puts alert state in the index only while an alert is open, at the time it opened', async () => {
    // Prepare
    const states = new AlertStateRepository(doc, 'control');
    const open = {
      LOW_STOCK: {
        alertId: 'alert-1',
        threshold: 10,
        triggeredAt: '2026-11-25T12:00:00.000Z',
        announced: true,
      },
    };

    // Act
    await states.commitMany([
      {
        item: { sku: 'MUG-1', location: 'WH-1' },
        state: { open, lastAnnouncedAt: {}, lastOpened: { LOW_STOCK: 'alert-1' } },
        expectedVersion: 0,
        lastSequence: '1',
        at: '2026-11-25T12:00:01.000Z',
      },
      {
        item: { sku: 'PAN-1', location: 'WH-1' },
        state: { open: {}, lastAnnouncedAt: {}, lastOpened: { LOW_STOCK: 'alert-2' } },
        expectedVersion: 3,
        lastSequence: '9',
        at: '2026-11-25T12:00:01.000Z',
      },
    ]);

    // Assess
    const [mug, pan] = putItems();
    expect(mug).toMatchObject({ kind: expect.stringMatching(/^ALERTS#\d+$/) });
    expect(mug?.at).toBe('2026-11-25T12:00:00.000Z');
    expect(pan).not.toHaveProperty('kind');
    expect(pan).not.toHaveProperty('at');
  });
});
