import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DRILL_RULES } from '../../bench/drills/common.js';
import { sandboxTarget } from '../../cli/target.js';
import {
  digestsEnabled,
  type EnvironmentConfig,
  loadEnvironment,
} from '../../infra/config/environments.js';
import { exportHandlerEnvironment } from '../../sandbox/local-handlers.js';
import { configuredSubscribers } from '../../sandbox/outbox.js';
import { Sandbox } from '../../sandbox/sandbox.js';
import type { SandboxSubscription } from '../../sandbox/subscriptions-file.js';
import { EnvName } from '../../shared/contracts/env.js';
import { filterPolicyOf, subscriberIdOf } from '../../shared/contracts/subscriptions.js';
import { runCliCaptured } from '../support/cli-fixture.js';

/**
 * Issue #18 and the sandbox's rule: it must not promise more than AWS gives. The stack keeps
 * crossings for digests only where a configured subscriber has a digest or `digests: true`; a
 * sandbox that kept them everywhere let `subscribe --digest --sandbox` work on environments
 * where AWS refuses it, and never showed what a digest subscriber gets where none are kept
 * (every alert at once).
 */
const WITHOUT_DIGESTS: EnvironmentConfig = {
  ...loadEnvironment('dev'),
  subscribers: [],
  digests: false,
};

describe('the sandbox keeps crossings for digests exactly where the stack does', () => {
  it.each(['dev', 'staging', 'prod'])(
    "%s: the stock-monitor's DIGEST_BUFFER is the one the stack sets (digestsEnabled of the config)",
    (name) => {
      const config = loadEnvironment(name);
      for (const variant of [config, { ...config, digests: !config.digests }]) {
        exportHandlerEnvironment(
          { inventory: 'i', control: 'c', idempotency: 'd' } as never,
          variant,
        );
        expect(process.env[EnvName.digestBuffer] === 'on').toBe(digestsEnabled(variant));
      }
    },
  );

  it('delivers to demo subscribers that take no digests, so they change nothing of it', () => {
    // Where an environment configures no subscribers, the sandbox delivers to the demo's.
    expect(configuredSubscribers(WITHOUT_DIGESTS).some((s) => s.digest)).toBe(false);
  });
});

describe('a sandbox whose environment keeps no crossings for digests', () => {
  let sandbox: Sandbox;
  let dir: string;
  const subscriber = { protocol: 'email', endpoint: 'digest-reader@example.com' } as const;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'digests-kept-'));
    // A digest subscription made while digests were on, outliving a restart without them.
    const subscription: SandboxSubscription = {
      id: 'local-1',
      ...subscriber,
      filterPolicy: filterPolicyOf(subscriber.protocol, { resolved: true }, 'en', {
        windowMinutes: 15,
        critical: 'immediate',
        id: subscriberIdOf(subscriber.protocol, subscriber.endpoint),
      }),
    };
    writeFileSync(join(dir, 'subscriptions.json'), JSON.stringify([subscription]));
    sandbox = await Sandbox.create({
      endpoint: inject('dynamoEndpoint'),
      prefix: 'nodigests-',
      outDir: dir,
      config: WITHOUT_DIGESTS,
      pollIntervalMs: 100,
    });
    for (const rule of DRILL_RULES) await sandbox.putRule(rule);
  });

  afterAll(async () => {
    await sandbox?.stop();
  });

  it('delivers a digest subscriber each alert at once, as SNS does where no digests are kept', async () => {
    await sandbox.putItem({ sku: 'NODIGEST-1', location: 'WH-1', quantity: 50 });
    await sandbox.settle();
    await sandbox.adjust('NODIGEST-1', 'WH-1', -45);
    await sandbox.settle();
    const low = sandbox.outbox.filter(
      (entry) => entry.attributes.sku === 'NODIGEST-1' && entry.attributes.locale === 'en',
    );
    expect(low.map((entry) => entry.attributes.level)).toEqual(['LOW_STOCK']);
    expect(low[0]?.deliveredTo).toContainEqual(subscriber);
  });

  it('runs no digest-sender, as the stack deploys none there', async () => {
    await expect(sandbox.closeDigestWindows()).rejects.toThrow(/keeps no crossings for digests/);
  });

  it('refuses subscribe --digest, naming the setting and the restart', async () => {
    const result = await runCliCaptured(
      ['subscribe', 'sms', '+14155550100', '--digest', '15m', '--sandbox'],
      async () => sandboxTarget(join(dir, 'resources.json')),
    );
    expect(result.code).not.toBe(0);
    expect(result.err).toMatch(/digests: true/);
    expect(result.err).toMatch(/restart the sandbox/);
  });
});
