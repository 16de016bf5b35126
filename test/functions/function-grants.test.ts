import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  GetSubscriptionAttributesCommand,
  ListSubscriptionsByTopicCommand,
  PublishBatchCommand,
  SNSClient,
} from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { type AwsCommand, mockClient } from 'aws-sdk-client-mock';
import { beforeAll, describe, expect, it } from 'vitest';
import { createHandler as createDigestSender } from '../../functions/digest-sender/handler.js';
import { createHandler } from '../../functions/stock-monitor/handler.js';
import { lambdaContext } from '../../sandbox/local-handlers.js';
import { DemandThresholds } from '../../shared/adapters/demand-repository.js';
import { filterPolicyOf, subscriberIdOf } from '../../shared/contracts/subscriptions.js';
import { alertContext, anAlert, bufferedItemOf, lowStockTrigger } from '../support/alert-facts.js';
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

describe('every DynamoDB call of the digest-sender is granted (AWS would deny it)', () => {
  it('closing a window, sending its digest once and marking it closed', async () => {
    // Prepare: a table holding one buffered crossing of the window, an idempotency table that
    // takes every write, and a topic of one digest subscriber.
    const buffered = bufferedItemOf(
      anAlert(
        { sku: 'MUG-1', location: 'WH-1', previousQuantity: 12, quantity: 8 },
        lowStockTrigger,
        {
          ...alertContext,
          occurredAt: '2026-11-25T12:03:00.000Z',
        },
      ),
    );
    const doc = mockClient(DynamoDBDocumentClient);
    doc.onAnyCommand().resolves({ Items: [], Responses: {} } as never);
    doc.on(QueryCommand).resolves({ Items: [buffered] });
    const idempotency = mockClient(DynamoDBClient);
    idempotency.onAnyCommand().resolves({});
    const sns = mockClient(SNSClient);
    sns.on(PublishBatchCommand).resolves({ Successful: [{ Id: 'x' }], Failed: [] });
    sns.on(ListSubscriptionsByTopicCommand).resolves({
      Subscriptions: [{ SubscriptionArn: 'arn:aws:sns:eu-west-1:1:alerts:sub', Protocol: 'sms' }],
    });
    sns.on(GetSubscriptionAttributesCommand).resolves({
      Attributes: {
        FilterPolicy: JSON.stringify(
          filterPolicyOf('sms', { resolved: true }, 'en', {
            windowMinutes: 15,
            critical: 'immediate',
            id: subscriberIdOf('sms', '+15555550100'),
          }),
        ),
      },
    });
    try {
      // Act
      const run = await createDigestSender()(
        { time: '2026-11-25T12:16:00Z' },
        lambdaContext('digest-sender'),
      );
      const sent = [...doc.calls(), ...idempotency.calls()].flatMap((c) =>
        indexedCallsOf(c.args[0] as never),
      );
      // Assess: the digest went out; the marks, the buffer's index and the idempotency record
      // were each reached, and only as the role allows
      expect(run.digests).toHaveLength(1);
      expect(sent).toEqual(
        expect.arrayContaining([
          'ControlTable: dynamodb:BatchGetItem',
          'ControlTable: dynamodb:PutItem',
          'ControlTable/index/byKind: dynamodb:Query',
          'IdempotencyTable: dynamodb:PutItem',
        ]),
      );
      const granted = grantedTo(indexNamed(grants['digest-sender'] ?? {}));
      expect(sent.filter((c) => !granted.includes(c))).toEqual([]);
      expect(sns.commandCalls(PublishBatchCommand)).toHaveLength(1);
      expect(grants['digest-sender']?.AlertsTopic).toContain('sns:Publish');
    } finally {
      doc.restore();
      idempotency.restore();
      sns.restore();
    }
  });
});

/** {@link iamCallsOf}, a Query of an index named as its resource: `Table/index/<name>`. */
const indexedCallsOf = (command: AwsCommand<object, object>): string[] => {
  const index = (command.input as { IndexName?: string }).IndexName;
  return iamCallsOf(command).map((call) =>
    index ? call.replace(/^(\w+):/, `$1/index/${index}:`) : call,
  );
};

/** Grants with an index's resource (a joined ARN) named `ControlTable/index/<name>`. */
const indexNamed = (byResource: Record<string, string[]>): Record<string, string[]> =>
  Object.fromEntries(
    Object.entries(byResource).map(([resource, actions]) => {
      const index = /ControlTable\w*?\/index\/(\w+)/.exec(resource.replace(/[^\w/]/g, ''));
      return [index ? `ControlTable/index/${index[1]}` : resource, actions];
    }),
  );
