import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { InvalidParameterException, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runCli } from '../../cli/main.js';
import { awsTarget } from '../../cli/target.js';
import { subscriberIdOf, WEBHOOK_DELIVERY_POLICY } from '../../shared/contracts/subscriptions.js';
import { type CliFixture, cliFixture, statefulStackOutputs } from '../support/cli-fixture.js';

let fixture: CliFixture;
const cli = (...argv: string[]) => fixture.cli(...argv);
const saved = () =>
  JSON.parse(readFileSync(join(fixture.dir, 'subscriptions.json'), 'utf8')) as {
    protocol: string;
    endpoint: string;
    filterPolicy: Record<string, string[]>;
  }[];

beforeAll(async () => {
  fixture = await cliFixture(inject('dynamoEndpoint'), 'subs-');
});

describe('subscribe in the sandbox', () => {
  it('subscribes in a language, with the locale in the filter policy', async () => {
    const result = await cli('subscribe', 'email', 'cangku@example.com', '--locale', 'zh-CN');
    expect(result.code).toBe(0);
    expect(saved().at(-1)).toMatchObject({
      protocol: 'email',
      filterPolicy: { locale: ['zh-CN'], delivery: ['email'] },
    });
    const unknown = await cli('subscribe', 'email', 'x@example.com', '--locale', 'fr');
    expect(unknown).toMatchObject({ code: 2 });
    expect(unknown.err).toContain('--locale: unknown "fr"; use en, zh-CN');
  });

  it('subscribes to a digest, critical alerts at once unless --digest-critical, and refuses a window the schedule cannot close', async () => {
    // Act
    const digest = await cli('subscribe', 'sms', '+15555550199', '--digest', '15m');
    const all = await cli(
      'subscribe',
      'email',
      'digest@example.com',
      '--digest',
      '1h',
      '--digest-critical',
    );
    const odd = await cli('subscribe', 'sms', '+15555550198', '--digest', '20m');
    const alone = await cli('subscribe', 'sms', '+15555550198', '--digest-critical');

    // Assess
    expect([digest.code, all.code]).toEqual([0, 0]);
    const [sms, email] = saved().slice(-2);
    expect(sms?.filterPolicy.delivery).toEqual([
      'sms.digest',
      `digest:sms:15m:${subscriberIdOf('sms', '+15555550199')}`,
    ]);
    // Critical alerts in the digest too; alerts at once only where no digests are kept.
    expect(email?.filterPolicy.delivery).toEqual([
      'email.undigested',
      `digest:email:60m:${subscriberIdOf('email', 'digest@example.com')}`,
    ]);
    expect(odd).toMatchObject({ code: 2 });
    expect(odd.err).toContain('--digest: a digest window is a multiple of 15m that divides a day');
    expect(alone).toMatchObject({ code: 2 });
    expect(alone.err).toContain('--digest-critical needs --digest <window>');
  });

  it('subscribes a webhook, http:// included (the sandbox only)', async () => {
    const result = await cli('subscribe', 'http://127.0.0.1:9/hook', '--levels', 'OUT_OF_STOCK');
    expect(result.code).toBe(0);
    expect(saved().at(-1)).toMatchObject({
      protocol: 'http',
      endpoint: 'http://127.0.0.1:9/hook',
      filterPolicy: { locale: ['en'], delivery: ['webhook'], alert: ['OUT_OF_STOCK'] },
    });
    expect((await cli('subscribe', 'ftp://example.com/x')).err).toContain('not an https:// URL');
  });

  it('refuses a filter policy SNS would refuse, naming the subscriber and what to change', async () => {
    const locations = Array.from({ length: 10 }, (_, i) => `WH-${i}`).join(',');
    const categories = Array.from({ length: 16 }, (_, i) => `c${i}`).join(',');
    const result = await cli(
      'subscribe',
      'email',
      'buyer@example.com',
      '--locations',
      locations,
      '--categories',
      categories,
    );
    expect(result.code).toBe(2);
    expect(result.err).toContain(
      'subscriber email buyer@example.com: its filter policy has 160 value combinations (location 10 × category 16); SNS allows 150',
    );
    // Three levels, ten locations and six categories: refused by SNS under one key per choice,
    // accepted under the combined attributes.
    const fits = await cli(
      'subscribe',
      'sms',
      '+14155550100',
      '--levels',
      'OUT_OF_STOCK,LOW_STOCK,OVERSTOCK',
      '--no-resolved',
      '--locations',
      locations,
      '--categories',
      'a,b,c,d,e,f',
    );
    expect(fits.code).toBe(0);
  });

  it('keeps one subscription per endpoint, as SNS does: the same again is a no-op, another filter is refused', async () => {
    const first = await cli('subscribe', 'email', 'once@example.com', '--levels', 'OUT_OF_STOCK');
    const again = await cli('subscribe', 'email', 'once@example.com', '--levels', 'OUT_OF_STOCK');
    const other = await cli('subscribe', 'email', 'once@example.com', '--levels', 'LOW_STOCK');
    expect([first.code, again.code]).toEqual([0, 0]);
    const kept = saved().filter((s) => s.endpoint === 'once@example.com');
    expect(kept).toHaveLength(1);
    expect(again.out).toContain('Already subscribed');
    expect(other.code).toBe(2);
    expect(other.err).toMatch(
      /email once@example\.com is already subscribed \(local-\d+-\d+\) with another filter.*subscriptions remove local-/,
    );
    expect(saved().filter((s) => s.endpoint === 'once@example.com')).toEqual(kept);
  });

  it('refuses a locale the environment does not publish in', async () => {
    const resources = join(fixture.dir, 'staging-resources.json');
    writeFileSync(
      resources,
      JSON.stringify({
        ...JSON.parse(readFileSync(fixture.resources, 'utf8')),
        environment: 'staging',
      }),
    );
    const err: string[] = [];
    const code = await runCli(
      ['subscribe', 'email', 'x@example.com', '--locale', 'zh-CN', '--resources', resources],
      { out: () => {}, err: (t) => err.push(t), isTty: false },
    );
    expect(code).toBe(2);
    expect(err.join()).toContain(
      '--locale zh-CN: this environment publishes alerts in en only; add "zh-CN" to its alertLocales',
    );
  });
});

describe('subscribe a webhook to a deployed environment', () => {
  const cfn = mockClient(CloudFormationClient);
  const sns = mockClient(SNSClient);
  afterAll(() => {
    cfn.restore();
    sns.restore();
  });
  const run = async (...argv: string[]) => {
    const err: string[] = [];
    const code = await runCli(argv, { out: () => {}, err: (t) => err.push(t), isTty: false }, (g) =>
      awsTarget(g.env as string, {
        cloudFormation: new CloudFormationClient({ region: 'eu-west-1' }),
        sns: new SNSClient({ region: 'eu-west-1' }),
      }),
    );
    return { code, err: err.join('\n') };
  };

  it('creates an HTTPS subscription with raw delivery, the filter policy and the retry policy; refuses http://', async () => {
    cfn.on(DescribeStacksCommand).resolves(statefulStackOutputs('arn:aws:sns:eu-west-1:1:alerts'));
    sns.on(SubscribeCommand).resolves({ SubscriptionArn: 'pending confirmation' });

    const ok = await run(
      'subscribe',
      'https://hooks.example.com/x',
      '--levels',
      'OUT_OF_STOCK',
      '--locale',
      'zh-CN',
      '--env',
      'prod',
    );

    expect(ok.code).toBe(0);
    expect(sns).toHaveReceivedCommandWith(SubscribeCommand, {
      TopicArn: 'arn:aws:sns:eu-west-1:1:alerts',
      Protocol: 'https',
      Endpoint: 'https://hooks.example.com/x',
      Attributes: {
        FilterPolicy: JSON.stringify({
          locale: ['zh-CN'],
          delivery: ['webhook'],
          alert: ['OUT_OF_STOCK'],
        }),
        FilterPolicyScope: 'MessageAttributes',
        RawMessageDelivery: 'true',
        DeliveryPolicy: JSON.stringify(WEBHOOK_DELIVERY_POLICY),
      },
    });
    const refused = await run('subscribe', 'http://hooks.example.com/x', '--env', 'prod');
    expect(refused.code).toBe(2);
    expect(refused.err).toContain('is http://: SNS would send alerts in clear; use https://');
  });

  it('names the way out when SNS already has the endpoint with another filter', async () => {
    cfn.on(DescribeStacksCommand).resolves(statefulStackOutputs('arn:aws:sns:eu-west-1:1:alerts'));
    sns.on(SubscribeCommand).rejects(
      new InvalidParameterException({
        message:
          'Invalid parameter: Attributes Reason: Subscription already exists with different attributes',
        $metadata: {},
      }),
    );
    const refused = await run('subscribe', 'email', 'ops@example.com', '--env', 'prod');
    expect(refused.code).toBe(2);
    expect(refused.err).toContain(
      'email ops@example.com is already subscribed with another filter; SNS keeps one subscription per endpoint: remove it (subscriptions list, then subscriptions remove <arn>) and subscribe again',
    );
  });
});
