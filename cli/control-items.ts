import { QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import type { Target } from './target.js';

/** Every control-table item of one kind (RULE, ALERTS, ORDER, LEDGER), optionally since an instant. */
export const listKind = async (
  target: Target,
  kind: string,
  since?: string,
): Promise<Record<string, unknown>[]> => {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const input: QueryCommandInput = {
      TableName: target.controlTable,
      IndexName: 'byKind',
      KeyConditionExpression: since ? 'kind = :kind AND #at >= :since' : 'kind = :kind',
      ExpressionAttributeValues: { ':kind': kind, ...(since ? { ':since': since } : {}) },
      ...(since ? { ExpressionAttributeNames: { '#at': 'at' } } : {}),
      ExclusiveStartKey: start,
    };
    const page = await target.doc.send(new QueryCommand(input));
    items.push(...((page.Items ?? []) as Record<string, unknown>[]));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
};
