import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { freePort } from '../../sandbox/dynamodb-local.js';

/** moto_server on PATH, or where pyenv installs it on these machines; undefined when absent. */
export const findMotoServer = (): string | undefined => {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/root/.pyenv/shims'];
  return dirs.map((dir) => join(dir, 'moto_server')).find((path) => existsSync(path));
};

export interface RunningMoto {
  readonly endpoint: string;
  stop(): Promise<void>;
}

/** Starts moto_server on a free port and waits until it answers. */
export const startMoto = async (binary: string): Promise<RunningMoto> => {
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(binary, ['-H', '127.0.0.1', '-p', String(port)], {
    stdio: 'ignore',
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  for (let attempt = 0; ; attempt++) {
    try {
      await fetch(`${endpoint}/moto-api/`);
      break;
    } catch (error) {
      if (attempt > 300 || child.exitCode !== null) {
        child.kill();
        throw new Error(`moto_server did not start on ${endpoint}: ${(error as Error).message}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    endpoint,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
};

/**
 * One call of SQS's JSON protocol. The project has no SQS client (nothing in it uses SQS); moto
 * does not check signatures, so a plain POST is enough for a test.
 */
export const sqs = async <T>(endpoint: string, action: string, input: object): Promise<T> => {
  const response = await fetch(endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.0',
      'x-amz-target': `AmazonSQS.${action}`,
      // moto picks the service from the credential scope; it does not check the signature.
      authorization:
        'AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/sqs/aws4_request, SignedHeaders=host, Signature=0',
    },
    body: JSON.stringify(input),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`SQS ${action}: ${response.status} ${text}`);
  return (text ? JSON.parse(text) : {}) as T;
};
