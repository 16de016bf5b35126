import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { runCli } from '../../cli/main.js';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../sandbox/dynamodb-local.js';
import { createTables, type SandboxTables } from '../../sandbox/tables.js';

/**
 * Runs the CLI as its binary would, capturing what it writes: the exit code, stdout and stderr
 * (each joined by lines). `resolveTarget`, when given, stands in for the target options.
 */
export const runCliCaptured = async (
  argv: string[],
  resolveTarget?: Parameters<typeof runCli>[2],
): Promise<{ code: number; out: string; err: string }> => {
  const out: string[] = [];
  const err: string[] = [];
  const io = { out: (t: string) => out.push(t), err: (t: string) => err.push(t), isTty: false };
  const code = await runCli(argv, io, resolveTarget);
  return { code, out: out.join('\n'), err: err.join('\n') };
};

/** Tables of their own on DynamoDB Local, and the CLI run against them. */
export interface CliFixture {
  readonly doc: DynamoDBDocumentClient;
  readonly tables: SandboxTables;
  readonly dir: string;
  /** The resources file the CLI is pointed at (what `npm start` writes). */
  readonly resources: string;
  /** Runs the CLI and captures what it prints. */
  cli(...argv: string[]): Promise<{ code: number; out: string; err: string }>;
  /** Writes a file in the fixture's folder and returns its path. */
  file(name: string, text: string): string;
}

/** Creates the tables under `prefix` and a folder for the CLI's files. */
export const cliFixture = async (endpoint: string, prefix: string): Promise<CliFixture> => {
  const client = new DynamoDBClient({
    endpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
  });
  const tables = await createTables(client, prefix);
  const doc = DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true },
  });
  const dir = mkdtempSync(join(tmpdir(), `inventory-alerts-${prefix}`));
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  const resources = file('resources.json', JSON.stringify({ endpoint, tables }));
  const cli = (...argv: string[]) => runCliCaptured([...argv, '--resources', resources]);
  return { doc, tables, dir, resources, cli, file };
};

/** What DescribeStacks answers for a deployed environment's stateful stack. */
export const statefulStackOutputs = (topicArn: string) => ({
  Stacks: [
    {
      StackName: 'x',
      CreationTime: new Date(),
      StackStatus: 'CREATE_COMPLETE' as const,
      Outputs: [
        { OutputKey: 'InventoryTableName', OutputValue: 'inv' },
        { OutputKey: 'ControlTableName', OutputValue: 'ctl' },
        { OutputKey: 'AlertsTopicArn', OutputValue: topicArn },
      ],
    },
  ],
});
