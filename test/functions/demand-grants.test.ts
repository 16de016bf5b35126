import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { AwsCommand } from 'aws-sdk-client-mock';
import { beforeAll, describe, expect, it } from 'vitest';
import { createHandler } from '../../functions/stock-monitor/handler.js';
import { lambdaContext } from '../../sandbox/local-handlers.js';
import { DemandThresholds } from '../../shared/adapters/demand-repository.js';
import { mockControlTableWith } from '../support/control-table-fake.js';
import { demandPolicy } from '../support/demand.js';
import { aRule, quantityChange, streamEvent } from '../support/factories.js';
import { mockAlertsTopic, mockInventoryBus } from '../support/publish-fakes.js';
import { grantsByFunction, synth } from '../support/stack-grants.js';

/** The app's name of each table the functions are wired to (test/setup.ts sets their names). */
const TABLES: Record<string, string> = {
  [process.env.CONTROL_TABLE_NAME as string]: 'ControlTable',
  [process.env.INVENTORY_TABLE_NAME as string]: 'InventoryTable',
  [process.env.IDEMPOTENCY_TABLE_NAME as string]: 'IdempotencyTable',
};

/** The IAM action of each kind of write in a transaction. */
const TRANSACT_ACTIONS: Record<string, string> = {
  Put: 'PutItem',
  Update: 'UpdateItem',
  Delete: 'DeleteItem',
  ConditionCheck: 'ConditionCheckItem',
};

/** The IAM action of a single-table command, by the command's name without "Command". */
const ACTIONS: Record<string, string> = {
  Get: 'GetItem',
  GetItem: 'GetItem',
  Put: 'PutItem',
  PutItem: 'PutItem',
  Update: 'UpdateItem',
  UpdateItem: 'UpdateItem',
  Delete: 'DeleteItem',
  DeleteItem: 'DeleteItem',
  Query: 'Query',
  BatchGet: 'BatchGetItem',
  BatchGetItem: 'BatchGetItem',
  BatchWrite: 'BatchWriteItem',
  BatchWriteItem: 'BatchWriteItem',
};

/** `Table: dynamodb:Action` for every DynamoDB call a command makes (a transaction: one per write). */
const iamCallsOf = (command: AwsCommand<object, object>): string[] => {
  const name = command.constructor.name.replace(/Command$/, '');
  const input = command.input as Record<string, unknown>;
  const tableOf = (table: unknown) => TABLES[String(table)] ?? String(table);
  if (name.startsWith('TransactWrite'))
    return (input.TransactItems as Record<string, { TableName: string }>[]).flatMap((write) =>
      Object.entries(write).map(
        ([kind, w]) => `${tableOf(w.TableName)}: dynamodb:${TRANSACT_ACTIONS[kind] ?? kind}`,
      ),
    );
  const tables = input.RequestItems ? Object.keys(input.RequestItems as object) : [input.TableName];
  return tables.map((t) => `${tableOf(t)}: dynamodb:${ACTIONS[name] ?? name}`);
};

/** What the synthesized stack lets a function do, as `Table: dynamodb:Action`. */
const grantedTo = (grants: Record<string, string[]>): string[] =>
  Object.entries(grants).flatMap(([resource, actions]) => actions.map((a) => `${resource}: ${a}`));

let grants: Record<string, Record<string, string[]>>;
beforeAll(() => {
  grants = grantsByFunction(synth('dev').pipeline);
}, 60_000);

describe('every DynamoDB call of demand-derived thresholds is granted (AWS would deny it)', () => {
  it('the stock-monitor, for a batch of an item whose rule says LOW_STOCK auto', async () => {
    // Prepare
    const control = mockControlTableWith(
      aRule({
        thresholds: { LOW_STOCK: 'auto', OVERSTOCK: 100 },
        demand: { leadTimeDays: 3, fallbackLowStock: 5, maxLowStock: 50 },
      }),
    );
    control.mock.on(QueryCommand).resolves({ Items: [] });
    const sns = mockAlertsTopic();
    const bus = mockInventoryBus();
    try {
      // Act
      const result = await createHandler()(
        streamEvent(quantityChange('MUG-1', 12, 4)),
        lambdaContext('stock-monitor'),
      );
      // Assess: the demand days were read, and nothing was sent that the role may not send.
      expect(result).toEqual({ batchItemFailures: [] });
      const calls = control.mock.calls().flatMap((c) => iamCallsOf(c.args[0] as never));
      expect(calls).toContain('ControlTable: dynamodb:Query');
      expect(calls.filter((c) => !grantedTo(grants['stock-monitor'] ?? {}).includes(c))).toEqual(
        [],
      );
    } finally {
      control.mock.reset();
      sns.reset();
      bus.reset();
    }
  });

  it.each(['stock-monitor', 'strategy-executor'])(
    'the %s, reading an item’s demand and the roll-up marker',
    async (fn) => {
      // Prepare: a client that records every command and answers as an empty table would.
      const sent: string[] = [];
      const doc = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-west-1' }));
      doc.send = (async (command: AwsCommand<object, object>) => {
        sent.push(...iamCallsOf(command));
        return { Items: [], Responses: {} };
      }) as never;
      // Act
      await new DemandThresholds(doc, process.env.CONTROL_TABLE_NAME as string).get([
        { sku: 'A', location: 'WH-1', policy: demandPolicy() },
      ]);
      // Assess
      expect(sent).toEqual(
        expect.arrayContaining([
          'ControlTable: dynamodb:Query',
          'ControlTable: dynamodb:BatchGetItem',
        ]),
      );
      expect(sent.filter((c) => !grantedTo(grants[fn] ?? {}).includes(c))).toEqual([]);
    },
  );
});
