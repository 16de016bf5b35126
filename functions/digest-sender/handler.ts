import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { ScheduledEvent } from 'aws-lambda';
import { controlIndexSettingsFromEnv } from '../../shared/adapters/control-index.js';
import { DIGEST_BUFFER_TTL_SECONDS, DigestBuffer } from '../../shared/adapters/digest-buffer.js';
import { type DigestTopic, SnsDigestTopic } from '../../shared/adapters/digest-topic.js';
import { DigestWindowMarks } from '../../shared/adapters/digest-windows.js';
import { EnvName } from '../../shared/contracts/env.js';
import { MetricName, SERVICE_NAMES } from '../../shared/contracts/metrics.js';
import {
  DIGEST_CATCH_UP_TICKS,
  DIGEST_TICK_MINUTES,
} from '../../shared/contracts/subscriptions.js';
import { type ClientOverrides, createClients } from '../commons/clients.js';
import { requireEnv } from '../commons/env.js';
import { createPowertools, observed } from '../commons/powertools.js';
import { createDigestSender, type DigestRun, sendDigest } from './sender.js';

/**
 * Builds the digest function's handler. The schedule invokes it two minutes after each tick;
 * the event's `time` is the scheduled time, the same on every retry, so a retried or
 * redelivered invocation closes the same windows and each digest goes once: Powertools
 * idempotency keyed on window and subscriber, remembered as long as the buffer.
 * `topic` lets the sandbox give its own subscriptions and transport.
 */
export const createHandler = (overrides: ClientOverrides = {}, topic?: DigestTopic) => {
  const tools = createPowertools(SERVICE_NAMES.digestSender);
  const { logger, metrics, tracer } = tools;
  const clients = createClients(tracer, overrides);
  const controlTable = requireEnv(EnvName.controlTable);
  const digestTopic = topic ?? new SnsDigestTopic(clients.sns, requireEnv(EnvName.alertsTopicArn));
  const idempotency = new IdempotencyConfig({
    eventKeyJmesPath: 'key',
    expiresAfterSeconds: DIGEST_BUFFER_TTL_SECONDS,
  });
  const once = makeIdempotent(sendDigest(digestTopic), {
    persistenceStore: new DynamoDBPersistenceLayer({
      tableName: requireEnv(EnvName.idempotencyTable),
      awsSdkV3Client: clients.dynamodb,
    }),
    config: idempotency,
  });
  const run = createDigestSender({
    topic: digestTopic,
    buffer: new DigestBuffer(clients.doc, controlTable, controlIndexSettingsFromEnv().shards),
    marks: new DigestWindowMarks(clients.doc, controlTable),
    once,
    tickMinutes: DIGEST_TICK_MINUTES,
    catchUpTicks: DIGEST_CATCH_UP_TICKS,
    logger,
  });
  return observed<Pick<ScheduledEvent, 'time'>, DigestRun>(tools).handler(
    async (event, context) => {
      idempotency.registerLambdaContext(context);
      const at = new Date(event.time);
      if (Number.isNaN(at.getTime()))
        throw new Error(`The schedule's event has no time: ${event.time}`);
      const result = await run(at);
      metrics.addMetric(MetricName.DigestsDue, MetricUnit.Count, result.digests.length);
      metrics.addMetric(MetricName.DigestWindowsSkipped, MetricUnit.Count, result.skipped.length);
      return result;
    },
  );
};

export const handler = createHandler();
