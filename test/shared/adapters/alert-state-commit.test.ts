import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../../sandbox/dynamodb-local.js';
import { createTables, type SandboxTables } from '../../../sandbox/tables.js';
import {
  AlertStateRepository,
  type StateCommit,
} from '../../../shared/adapters/alert-state-repository.js';
import { DigestBuffer } from '../../../shared/adapters/digest-buffer.js';
import { ControlKeys, DEFAULT_CONTROL_INDEX } from '../../../shared/contracts/tables.js';
import { digestEntryOf } from '../../../shared/domain/digest.js';
import { anAlert, lowStockTrigger } from '../../support/alert-facts.js';

/** The state commit as DynamoDB Local runs it: its limits are DynamoDB's (100 actions). */
let tables: SandboxTables;
let doc: DynamoDBDocumentClient;
let states: AlertStateRepository;
let buffer: DigestBuffer;

beforeAll(async () => {
  const client = new DynamoDBClient({
    endpoint: inject('dynamoEndpoint'),
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
  });
  tables = await createTables(client, 'state-commit-');
  doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  states = new AlertStateRepository(doc, tables.control, DEFAULT_CONTROL_INDEX.shards);
  buffer = new DigestBuffer(doc, tables.control, DEFAULT_CONTROL_INDEX.shards);
});

const WINDOW = {
  minutes: 15,
  since: '2026-11-25T12:00:00.000Z',
  until: '2026-11-25T12:15:00.000Z',
};
const AT = '2026-11-25T12:05:00.000Z';

/** `crossings` announced crossings of one item, alternately opening and resolving low stock. */
const commitOf = (sku: string, crossings: number, expectedVersion = 0): StateCommit => ({
  item: { sku, location: 'WH-1' },
  state: { open: {}, lastAnnouncedAt: {} },
  expectedVersion,
  lastSequence: String(1000 + crossings),
  at: AT,
  digest: Array.from({ length: crossings }, (_, n) =>
    digestEntryOf(
      anAlert(
        { sku, location: 'WH-1', previousQuantity: 20, quantity: 5 },
        {
          ...lowStockTrigger,
          kind: n % 2 === 0 ? 'TRIGGERED' : 'RESOLVED',
          alertId: `${sku}-alert-${Math.floor(n / 2)}`,
        },
      ),
    ),
  ),
});

const stateOf = async (sku: string) =>
  (
    await doc.send(
      new GetCommand({ TableName: tables.control, Key: ControlKeys.alertState(sku, 'WH-1') }),
    )
  ).Item;

describe('committing an item that crossed many times in one batch', () => {
  // An item flapping around its threshold can cross hundreds of times in a batch of 500
  // records; its state and every crossing's digest entry must still commit, in several
  // transactions of at most 100 actions if need be.
  it.each([99, 100, 150, 450])('keeps the state and all %i digest entries', async (crossings) => {
    const sku = `FLAP-${crossings}`;
    const failed = await states.commitMany([
      commitOf(sku, crossings),
      commitOf(`QUIET-${crossings}`, 1),
    ]);
    expect(failed).toEqual(new Set());
    expect(await stateOf(sku)).toMatchObject({
      version: 1,
      lastSequence: String(1000 + crossings),
    });
    expect(await stateOf(`QUIET-${crossings}`)).toMatchObject({ version: 1 });
    const kept = (await buffer.between(WINDOW)).filter((e) => e.item.sku === sku);
    expect(kept).toHaveLength(crossings);
  });

  it('refuses a replay of it, and writes none of its digest entries again', async () => {
    const sku = 'FLAP-REPLAY';
    await states.commitMany([commitOf(sku, 150)]);
    const before = (await buffer.between(WINDOW)).filter((e) => e.item.sku === sku);
    // The replay commits later: an entry it rewrote would move to that later window.
    const replay = { ...commitOf(sku, 150), at: '2026-11-25T12:20:00.000Z' };
    expect(await states.commitMany([replay])).toEqual(new Set([`${sku}#WH-1`]));
    expect((await buffer.between(WINDOW)).filter((e) => e.item.sku === sku)).toEqual(before);
    const later = { minutes: 15, since: WINDOW.until, until: '2026-11-25T12:30:00.000Z' };
    expect((await buffer.between(later)).filter((e) => e.item.sku === sku)).toEqual([]);
    expect(await stateOf(sku)).toMatchObject({ version: 1 });
  });
  it('never moves a crossing into a later window when a failed commit is redelivered in other batches', async () => {
    // The first attempt's state commit fails (another writer, or a timeout) after the alerts
    // went out; the redelivery is bisected, so the item commits in two parts, later.
    const sku = 'FLAP-SPLIT';
    const all = commitOf(sku, 150);
    expect(await states.commitMany([{ ...all, expectedVersion: 7 }])).toEqual(
      new Set([`${sku}#WH-1`]),
    );
    const inWindow = async (window: typeof WINDOW) =>
      (await buffer.between(window))
        .filter((e) => e.item.sku === sku)
        .map((e) => e.alertId + e.attributes.transition);
    const sentAt1215 = await inWindow(WINDOW);
    const digest = all.digest ?? [];
    const later = '2026-11-25T12:20:00.000Z';
    await states.commitMany([{ ...all, at: later, digest: digest.slice(0, 60) }]);
    await states.commitMany([{ ...all, at: later, expectedVersion: 1, digest: digest.slice(60) }]);
    const next = { minutes: 15, since: WINDOW.until, until: '2026-11-25T12:30:00.000Z' };
    const inNext = await inWindow(next);
    expect(inNext.filter((k) => sentAt1215.includes(k))).toEqual([]);
    expect(new Set([...sentAt1215, ...inNext]).size).toBe(150);
  });
});
