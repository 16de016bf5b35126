import { TransactWriteItemsCommand } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  type BatchGetCommandInput,
  DynamoDBDocumentClient,
  GetCommand,
  type GetCommandInput,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { ControlKeys } from '../../shared/contracts/tables.js';
import { parseRule, type RuleInput, ruleKeyOf } from '../../shared/domain/rules.js';

/**
 * A DynamoDB document-client mock whose BatchGet and Get answer from an in-memory control table,
 * so handler tests can seed rules and alert state and still assert the exact requests.
 */
export const mockControlTable = () => {
  const mock = mockClient(DynamoDBDocumentClient);
  const items = new Map<string, Record<string, unknown>>();
  const keyOf = (key: Record<string, unknown>) => `${key.pk}|${key.sk}`;
  mock.on(BatchGetCommand).callsFake((input: BatchGetCommandInput) => {
    const [[table, request]] = Object.entries(input.RequestItems ?? {}) as [
      [string, { Keys: Record<string, unknown>[] }],
    ];
    return { Responses: { [table]: request.Keys.flatMap((key) => items.get(keyOf(key)) ?? []) } };
  });
  mock.on(GetCommand).callsFake((input: GetCommandInput) => ({
    Item: items.get(keyOf(input.Key ?? {})),
  }));
  return {
    mock,
    putRule(input: RuleInput) {
      const rule = parseRule(input);
      const ruleKey = ruleKeyOf(rule.scope);
      items.set(keyOf(ControlKeys.rule(ruleKey)), {
        ...ControlKeys.rule(ruleKey),
        ruleKey,
        rule: input,
        at: '2026-11-25T09:00:00.000Z',
      });
    },
    putItem(item: Record<string, unknown>) {
      items.set(keyOf(item), item);
    },
  };
};

/**
 * The control table as the stock-monitor's tests want it: `rule` stored, and every state
 * transaction accepted (a test about a failed commit overrides it).
 */
export const mockControlTableWith = (rule: RuleInput) => {
  const control = mockControlTable();
  control.putRule(rule);
  control.mock.on(TransactWriteCommand).resolves({});
  control.mock.on(TransactWriteItemsCommand).resolves({});
  return control;
};
