import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  ScanCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Target } from '../../cli/target.js';
import { runCliCaptured } from '../support/cli-fixture.js';

/**
 * Issue 14 §6: `report`, `orders list` and `orders receive` read by time window or by key,
 * never a whole kind: what each sends to DynamoDB, on a mocked client.
 */
const mock = mockClient(DynamoDBDocumentClient);
const target: Target = {
  kind: 'sandbox',
  doc: DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-west-1' })),
  inventoryTable: 'inventory',
  controlTable: 'control',
};

const cli = (...argv: string[]) => runCliCaptured([...argv, '--sandbox'], async () => target);

/** The index partition values the command queried. */
const queried = () =>
  mock.commandCalls(QueryCommand).map((c) => {
    expect(c.args[0].input.IndexName).toBe('byKind');
    return String(c.args[0].input.ExpressionAttributeValues?.[':kind']);
  });

beforeEach(() => {
  mock.on(QueryCommand).resolves({ Items: [] });
});
afterEach(() => mock.reset());

describe('reads by window or key', () => {
  it('reports from the ledger shards of the window (and the look-back before it) only', async () => {
    expect((await cli('report', '--since', '1d', '--json')).code).toBe(0);
    const kinds = queried();
    expect(kinds.length).toBeGreaterThan(0);
    for (const kind of kinds) expect(kind).toMatch(/^LEDGER#\d{4}-\d{2}-\d{2}#\d+$/);
    for (const call of mock.commandCalls(QueryCommand))
      expect(call.args[0].input.KeyConditionExpression).toContain('BETWEEN');
  });

  it('lists orders from the order shards of the window', async () => {
    expect((await cli('orders', 'list', '--since', '2d')).code).toBe(0);
    const kinds = queried();
    expect(new Set(kinds.map((k) => k.split('#')[1])).size).toBe(3);
    for (const kind of kinds) expect(kind).toMatch(/^ORDER#\d{4}-\d{2}-\d{2}#\d+$/);
  });

  it('receives an order read by its id, without listing orders', async () => {
    mock.on(GetCommand).resolves({
      Item: {
        pk: 'ORDER#PO-alert-1',
        sk: 'ORDER',
        orderId: 'PO-alert-1',
        sku: 'MUG-1',
        location: 'WH-1',
        quantity: 30,
        status: 'OPEN',
        reason: 'alert-1',
        at: '2026-11-25T12:00:00.000Z',
      },
    });
    mock.on(TransactWriteCommand).resolves({});
    const received = await cli('orders', 'receive', 'PO-alert-1');
    expect(received.err).toBe('');
    expect(received.code).toBe(0);
    expect(mock).not.toHaveReceivedCommand(QueryCommand);
    expect(mock).toHaveReceivedCommandWith(GetCommand, {
      TableName: 'control',
      Key: { pk: 'ORDER#PO-alert-1', sk: 'ORDER' },
    });
  });
});

/** Issue 17: `report --html` reads by item and window (Query, BatchGet), never a scan. */
describe('report --html reads', () => {
  beforeEach(() => {
    mock
      .on(QueryCommand, { TableName: 'inventory' })
      .resolves({ Items: [{ sku: 'MUG', location: 'WH-1' }] });
    // Rules, and the rules directory's head (by BatchGetItem, as the functions read it): none.
    mock.on(BatchGetCommand).resolves({ Responses: {} });
    mock.on(GetCommand).resolves({}); // no demand roll-up yet
  });

  it('queries the ledger by window and each item by key and day range, and scans nothing', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'report-html-')), 'out', 'report.html');
    const result = await cli('report', '--html', path, '--sku', 'MUG', '--since', '2d');
    expect(result).toMatchObject({ code: 0, out: path });
    expect(existsSync(path)).toBe(true);
    expect(mock).not.toHaveReceivedCommand(ScanCommand);
    const queries = mock.commandCalls(QueryCommand).map((c) => c.args[0].input);
    expect(queries.length).toBeGreaterThan(0);
    for (const query of queries) expect(query.KeyConditionExpression).toMatch(/=/);
    const history = queries.find((q) => q.ProjectionExpression?.includes('stockPoints'));
    expect(history).toMatchObject({
      TableName: 'control',
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
      ExpressionAttributeValues: { ':pk': 'ITEM#MUG#WH-1' },
    });
    // Today's demand, not rolled up yet, from the journal's partitions of the day: by key too.
    const journal = queries.filter((q) =>
      String(q.ExpressionAttributeValues?.[':pk']).startsWith('DEMANDLOG#'),
    );
    expect(journal.length).toBeGreaterThanOrEqual(8);
  });

  it('refuses a --top outside 1–100 with exit 2 and writes nothing', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'report-html-')), 'report.html');
    const result = await cli('report', '--html', path, '--top', '0');
    expect(result.code).toBe(2);
    expect(result.err).toContain('--top');
    expect(existsSync(path)).toBe(false);
  });
});
