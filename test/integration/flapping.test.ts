import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { loadEnvironment } from '../../infra/config/environments.js';
import { Sandbox } from '../../sandbox/sandbox.js';
import { DigestBuffer } from '../../shared/adapters/digest-buffer.js';
import { DEFAULT_CONTROL_INDEX } from '../../shared/contracts/tables.js';

/**
 * An item flapping around its threshold, 150 crossings in one stream batch of prod's 500, in an
 * environment that keeps crossings for digests (dev): its state commit and digest entries are
 * more than one DynamoDB transaction holds (100 actions). Each alert must go out once.
 */
const config = {
  ...loadEnvironment('dev'),
  streamConsumer: { ...loadEnvironment('prod').streamConsumer, maxBatchingWindowSeconds: 0 },
};
const prefix = `flapping-${Date.now()}-`;
const CROSSINGS = 150;
const sandboxes: Sandbox[] = [];

afterAll(async () => {
  for (const sandbox of sandboxes) await sandbox.stop();
});

const sandboxOf = async () => {
  const sandbox = await Sandbox.create({
    endpoint: inject('dynamoEndpoint'),
    prefix,
    config,
    pollIntervalMs: 100,
  });
  sandboxes.push(sandbox);
  return sandbox;
};

describe('an item that crosses its threshold 150 times in one batch', () => {
  it('announces each crossing once and keeps each for the digests', async () => {
    // The writes pile up in the stream while no sandbox reads it; the next reads them in one batch.
    const writer = await sandboxOf();
    await writer.putRule({
      scope: { default: true },
      thresholds: { LOW_STOCK: 10 },
      channels: ['email'],
    });
    await writer.stop();
    const { doc, tables } = writer;
    const key = { sku: 'FLAP-1', location: 'WH-1' };
    await doc.send(new PutCommand({ TableName: tables.inventory, Item: { ...key, quantity: 20 } }));
    for (let i = 0; i < CROSSINGS; i++)
      await doc.send(
        new UpdateCommand({
          TableName: tables.inventory,
          Key: key,
          UpdateExpression: 'SET quantity = :q',
          ExpressionAttributeValues: { ':q': i % 2 === 0 ? 5 : 20 },
        }),
      );
    const reader = await sandboxOf();
    await reader.settle(120_000);

    const alerts = reader.outbox.filter(
      (a) => a.attributes.sku === 'FLAP-1' && a.attributes.locale === 'en',
    );
    expect(alerts).toHaveLength(CROSSINGS);
    expect(new Set(alerts.map((a) => a.id)).size).toBe(CROSSINGS);
    expect(reader.streamInvocations).toBe(1);
    const buffered = await new DigestBuffer(
      doc,
      tables.control,
      DEFAULT_CONTROL_INDEX.shards,
    ).between({
      minutes: 24 * 60,
      since: new Date(Date.now() - 3_600_000).toISOString(),
      until: new Date(Date.now() + 3_600_000).toISOString(),
    });
    expect(buffered.filter((e) => e.item.sku === 'FLAP-1')).toHaveLength(CROSSINGS);
  }, 180_000);
});
