import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  DynamoDBDocumentClient,
  QueryCommand,
  ScanCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../cli/main.js';
import type { Target } from '../../cli/target.js';

/** `report --html` reads by item and window (Query, BatchGet), never a scan: on a mocked client. */
const mock = mockClient(DynamoDBDocumentClient);
const target: Target = {
  kind: 'sandbox',
  doc: DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-west-1' })),
  inventoryTable: 'inventory',
  controlTable: 'control',
};

const cli = async (...argv: string[]) => {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(
    [...argv, '--sandbox'],
    { out: (t) => out.push(t), err: (t) => err.push(t), isTty: false },
    async () => target,
  );
  return { code, out: out.join('\n'), err: err.join('\n') };
};

beforeEach(() => {
  mock.on(QueryCommand).resolves({ Items: [] });
  mock
    .on(QueryCommand, { TableName: 'inventory' })
    .resolves({ Items: [{ sku: 'MUG', location: 'WH-1' }] });
  mock.on(BatchGetCommand).resolves({ Responses: {} });
});
afterEach(() => mock.reset());

describe('report --html reads', () => {
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
  });

  it('refuses a --top outside 1–100 with exit 2 and writes nothing', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'report-html-')), 'report.html');
    const result = await cli('report', '--html', path, '--top', '0');
    expect(result.code).toBe(2);
    expect(result.err).toContain('--top');
    expect(existsSync(path)).toBe(false);
  });
});
