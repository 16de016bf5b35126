import { writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SNSClient } from '@aws-sdk/client-sns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadEnvironment } from '../../infra/config/environments.js';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../sandbox/dynamodb-local.js';
import { LocalRequestHandler } from '../../sandbox/local-transport.js';
import { type OutboxEntry, sandboxLocales, topicOutbox } from '../../sandbox/outbox.js';
import { AlertPublisher } from '../../shared/adapters/alert-publisher.js';
import { StockLevelDetailSchema } from '../../shared/contracts/events.js';
import { filterPolicyOf } from '../../shared/contracts/subscriptions.js';
import { anAlert } from '../support/alert-facts.js';

const TOPIC = 'arn:aws:sns:eu-west-1:000000000000:local-alerts';
const NO_WAIT = { maxAttempts: 1, baseDelayMs: 0, sleep: async () => {} };

/** A webhook receiver on a free port that answers with the status it is told. */
const receiver = () => {
  const requests: { headers: IncomingMessage['headers']; body: string }[] = [];
  let status = 200;
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      requests.push({ headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
      response.writeHead(status).end();
    });
  });
  return {
    requests,
    answer: (code: number) => {
      status = code;
    },
    listen: () =>
      new Promise<string>((resolve) =>
        server.listen(0, '127.0.0.1', () => {
          const address = server.address();
          resolve(
            `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/hook`,
          );
        }),
      ),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
};

describe('the sandbox topic', () => {
  const hook = receiver();
  let url: string;
  const outbox: OutboxEntry[] = [];
  let publisher: AlertPublisher;

  beforeAll(async () => {
    url = await hook.listen();
    const file = join(tmpdir(), `subscriptions-${process.pid}-${Date.now()}.json`);
    writeFileSync(
      file,
      JSON.stringify([
        {
          id: 'local-1',
          protocol: 'http',
          endpoint: url,
          filterPolicy: filterPolicyOf(
            'http',
            { levels: ['OUT_OF_STOCK'], resolved: true },
            'zh-CN',
          ),
        },
      ]),
    );
    // The dev environment configures no subscribers: the demo's, an English and a Chinese reader.
    const config = loadEnvironment('dev');
    const transport = new LocalRequestHandler({
      publish: topicOutbox(config, file, (entry) => outbox.push(entry)),
      putEvents: () => {},
    });
    const sns = new SNSClient({
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
      requestHandler: transport as never,
    });
    publisher = new AlertPublisher(sns, TOPIC, NO_WAIT, {
      locales: sandboxLocales(config),
      currency: config.currency.code,
    });
  });

  afterAll(() => hook.close());

  it('publishes the demo in both languages, each message to the readers of its language', async () => {
    // Act
    await publisher.publish([
      anAlert({
        sku: 'MUG-BLUE',
        location: 'WH-1',
        name: 'Blue mug',
        previousQuantity: 12,
        quantity: 8,
      }),
    ]);

    // Assess
    const [en, zh] = outbox.splice(0);
    expect(en?.attributes.locale).toBe('en');
    expect(en?.sms).toMatch(/^Low stock: MUG-BLUE @ WH-1 /);
    expect(en?.deliveredTo.map((d) => d.endpoint)).toEqual(['inventory-team@example.com']);
    expect(zh?.attributes.locale).toBe('zh-CN');
    expect(zh?.sms).toMatch(/^库存不足：MUG-BLUE @ WH-1 数量 12 → 8/);
    expect(zh?.email).toMatch(/^Blue mug \(MUG-BLUE\)（WH-1）库存不足。/);
    expect(zh?.deliveredTo.map((d) => d.endpoint)).toEqual(['cangku@example.com']);
    expect(hook.requests).toHaveLength(0);
  });

  it('posts the event detail to a webhook for real and records the status it answered', async () => {
    // Prepare
    const outOfStock = {
      kind: 'TRIGGERED' as const,
      level: 'OUT_OF_STOCK' as const,
      alertId: 'oos-alert-000000000001',
      threshold: 0,
      announced: true,
    };
    const item = { sku: 'MUG-BLUE', location: 'WH-1', previousQuantity: 3, quantity: 0 };

    // Act: one delivery the receiver accepts, then one it refuses
    await publisher.publish([anAlert(item, outOfStock)]);
    hook.answer(503);
    await publisher.publish([anAlert(item, { ...outOfStock, alertId: 'oos-alert-000000000002' })]);

    // Assess
    expect(hook.requests).toHaveLength(2);
    const [first] = hook.requests;
    expect(first?.headers['x-amz-sns-message-type']).toBe('Notification');
    const body = JSON.parse(first?.body ?? '{}');
    expect(StockLevelDetailSchema.parse(body)).toMatchObject({ alertId: 'oos-alert-000000000001' });
    expect(body).toMatchObject({ detailType: 'StockLevelTriggered', locale: 'zh-CN' });
    expect(body.summary).toMatch(/^缺货：MUG-BLUE/);
    const webhooks = outbox
      .flatMap((entry) => entry.deliveredTo)
      .filter((d) => d.protocol === 'http');
    expect(webhooks).toEqual([
      { protocol: 'http', endpoint: url, status: 200 },
      { protocol: 'http', endpoint: url, status: 503 },
    ]);
  });
});
