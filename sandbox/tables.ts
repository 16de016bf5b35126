import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTableCommand,
  type DynamoDBClient,
  ResourceInUseException,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { buildRulesDirectory, readDirectoryHead } from '../shared/adapters/rules-directory.js';
import {
  CONTROL_TABLE,
  IDEMPOTENCY_TABLE,
  INVENTORY_TABLE,
  type TableDefinition,
} from '../shared/contracts/tables.js';

/** The CreateTable request of a shared table definition (the stack builds from the same one). */
export const createTableInput = (
  name: string,
  definition: TableDefinition,
): CreateTableCommandInput => {
  const keys = [definition.partitionKey, ...(definition.sortKey ? [definition.sortKey] : [])];
  const indexKeys = (definition.globalSecondaryIndexes ?? []).flatMap((index) => [
    index.partitionKey,
    index.sortKey,
  ]);
  const attributes = new Map([...keys, ...indexKeys].map((key) => [key.name, key.type]));
  return {
    TableName: name,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [...attributes].map(([AttributeName, AttributeType]) => ({
      AttributeName,
      AttributeType,
    })),
    KeySchema: [
      { AttributeName: definition.partitionKey.name, KeyType: 'HASH' },
      ...(definition.sortKey
        ? [{ AttributeName: definition.sortKey.name, KeyType: 'RANGE' as const }]
        : []),
    ],
    ...(definition.stream
      ? { StreamSpecification: { StreamEnabled: true, StreamViewType: definition.stream } }
      : {}),
    ...(definition.globalSecondaryIndexes?.length
      ? {
          GlobalSecondaryIndexes: definition.globalSecondaryIndexes.map((index) => ({
            IndexName: index.indexName,
            KeySchema: [
              { AttributeName: index.partitionKey.name, KeyType: 'HASH' as const },
              { AttributeName: index.sortKey.name, KeyType: 'RANGE' as const },
            ],
            Projection: { ProjectionType: 'ALL' as const },
          })),
        }
      : {}),
  };
};

export interface SandboxTables {
  readonly inventory: string;
  readonly control: string;
  readonly idempotency: string;
  readonly inventoryStreamArn: string;
}

/**
 * Creates (or reuses, with `--data`) the three tables with the stack's definitions, and the
 * rules directory in the control table (built from its rules when an earlier release wrote it).
 */
export const createTables = async (
  client: DynamoDBClient,
  prefix: string,
): Promise<SandboxTables> => {
  const names = {
    inventory: `${prefix}inventory`,
    control: `${prefix}control`,
    idempotency: `${prefix}idempotency`,
  };
  const definitions: [string, TableDefinition][] = [
    [names.inventory, INVENTORY_TABLE],
    [names.control, CONTROL_TABLE],
    [names.idempotency, IDEMPOTENCY_TABLE],
  ];
  for (const [name, definition] of definitions) {
    try {
      await client.send(new CreateTableCommand(createTableInput(name, definition)));
    } catch (error) {
      if (!(error instanceof ResourceInUseException)) throw error;
    }
    if (definition.timeToLiveAttribute) {
      await client
        .send(
          new UpdateTimeToLiveCommand({
            TableName: name,
            TimeToLiveSpecification: {
              AttributeName: definition.timeToLiveAttribute,
              Enabled: true,
            },
          }),
        )
        .catch(() => undefined);
    }
  }
  const doc = DynamoDBDocumentClient.from(client);
  if ((await readDirectoryHead(doc, names.control))?.state !== 'ready')
    await buildRulesDirectory(doc, names.control);
  const described = await client.send(new DescribeTableCommand({ TableName: names.inventory }));
  const inventoryStreamArn = described.Table?.LatestStreamArn;
  if (!inventoryStreamArn) throw new Error(`Table ${names.inventory} has no stream`);
  return { ...names, inventoryStreamArn };
};
