import {
  type DynamoDBDocumentClient,
  paginateQuery,
  paginateScan,
  type QueryCommandInput,
  type ScanCommandInput,
} from '@aws-sdk/lib-dynamodb';

/** Every item a query matches, page after page (the SDK's paginator follows the pages). */
export const queryAll = async (
  doc: DynamoDBDocumentClient,
  input: QueryCommandInput,
): Promise<Record<string, unknown>[]> => {
  const items: Record<string, unknown>[] = [];
  for await (const page of paginateQuery({ client: doc }, input))
    items.push(...((page.Items ?? []) as Record<string, unknown>[]));
  return items;
};

/** Every item of a table (operator reports only: the pipeline never scans). */
export const scanAll = async (
  doc: DynamoDBDocumentClient,
  input: ScanCommandInput,
): Promise<Record<string, unknown>[]> => {
  const items: Record<string, unknown>[] = [];
  for await (const page of paginateScan({ client: doc }, input))
    items.push(...((page.Items ?? []) as Record<string, unknown>[]));
  return items;
};
