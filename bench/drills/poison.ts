/**
 * The poison and bad-input drills: hostile records through the real stock-monitor on the stub
 * transport.
 */

import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import type { DynamoDBRecord } from 'aws-lambda';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../sandbox/dynamodb-local.js';
import {
  LocalRequestHandler,
  type WireEvent,
  type WirePublishEntry,
} from '../../sandbox/local-transport.js';
import {
  type StreamDeadLetter,
  StreamPoller,
  type StreamPollerOptions,
} from '../../sandbox/stream-poller.js';
import { undecodableReason } from '../../shared/adapters/stream-records.js';
import { EnvName } from '../../shared/contracts/env.js';
import type { RuleInput } from '../../shared/domain/rules.js';
import { quantityChange } from '../../test/support/factories.js';
import {
  BAD_INPUT_CATALOGUE,
  monitorOutcome,
  POISON_CATALOGUE,
} from '../../test/support/poison.js';
import { mockStreamOf } from '../../test/support/stream-fake.js';
import { StubAws } from '../stub-transport.js';
import { DRILL_RULES, type DrillRow, drillContext, stubEnvironment, via } from './common.js';

/** Each deliverable kind of poison after a good change of its own item, and those items. */
const poisonBatch = () => {
  const records: DynamoDBRecord[] = [];
  const good: string[] = [];
  // A record without a sequence number cannot come from a stream; the rest can.
  const deliverable = POISON_CATALOGUE.filter(([name]) => name !== 'no sequence number');
  deliverable.forEach(([, make], i) => {
    const neighbour = quantityChange(`GOOD-${i}`, 20, 5);
    good.push(`GOOD-${i}`);
    records.push(neighbour, make());
  });
  return { records, good, deliverable };
};

/** Runs `handler` over the mocked stream with the poller's retries until idle; its dead letters. */
const drainStream = async (
  handler: StreamPollerOptions['handler'],
): Promise<StreamDeadLetter[]> => {
  const letters: StreamDeadLetter[] = [];
  const poller = new StreamPoller({
    client: new DynamoDBStreamsClient({ region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS }),
    streamArn: 'arn:aws:dynamodb:eu-west-1:000000000000:table/inventory/stream/drill',
    handler,
    consumer: {
      batchSize: 100,
      maxBatchingWindowSeconds: 0,
      retryAttempts: 2,
      maxRecordAgeSeconds: 3600,
      parallelizationFactor: 1,
    },
    pollIntervalMs: 5,
    onDeadLetter: (letter) => letters.push(letter),
    explain: undecodableReason,
  });
  poller.start();
  await new Promise((r) => setTimeout(r, 50));
  while (!poller.idle) await new Promise((r) => setTimeout(r, 10));
  await poller.stop();
  return letters;
};

/** Poison records between good ones through the poller's semantics and the real stock-monitor. */
export const poisonDrill = async (): Promise<DrillRow> => {
  stubEnvironment();
  const stub = new StubAws(new Map([['default', DRILL_RULES[0] as RuleInput]]));
  const { createHandler } = await import('../../functions/stock-monitor/handler.js');
  const { records, good, deliverable } = poisonBatch();
  const streams = mockStreamOf(records);
  const published = new Set<string>();
  const local = new LocalRequestHandler({
    publish: (_t, entries) => {
      for (const e of entries) published.add(String(e.attributes.sku?.value));
    },
    putEvents: () => {},
  });
  const client = via(stub.handler);
  // Quarantine puts are the batch's only writes where no crossings are kept for digests (an
  // earlier drill's sandbox may have turned the buffer on in this process).
  const buffer = process.env[EnvName.digestBuffer];
  delete process.env[EnvName.digestBuffer];
  const monitor = createHandler({ dynamodb: client, sns: via(local), eventBridge: client });
  if (buffer !== undefined) process.env[EnvName.digestBuffer] = buffer;
  const letters = await drainStream((event) => monitor(event, drillContext('drill', 60_000)));
  streams.restore();
  // Poison is quarantined (one PutItem each, the only writes of this batch) and acknowledged:
  // nothing may reach the on-failure destination, which on AWS keeps no record to look at.
  const quarantined = stub.calls.get('PutItem') ?? 0;
  const lostNeighbours = good.filter((sku) => !published.has(sku)).length;
  return {
    drill: 'poison catalogue',
    load: `${deliverable.length} kinds between ${good.length} good changes`,
    faultsInjected: deliverable.length,
    duplicates: Math.max(0, quarantined - deliverable.length),
    losses: lostNeighbours + letters.length + Math.max(0, deliverable.length - quarantined),
    detail: `${quarantined} quarantined with their reason, ${letters.length} in the DLQ, ${good.length - lostNeighbours}/${good.length} neighbours alerted`,
  };
};

/**
 * Valid but hostile records (keys holding the separator, a 300 KB name, contradicting item
 * thresholds) through the real stock-monitor over the sandbox's strict SNS and EventBridge,
 * each checked against its expected outcome.
 */
export const badInputDrill = async (): Promise<DrillRow> => {
  stubEnvironment();
  const stub = new StubAws(new Map([['default', DRILL_RULES[0] as RuleInput]]));
  const { createHandler } = await import('../../functions/stock-monitor/handler.js');
  const context = drillContext('drill', 60_000);
  const failed: string[] = [];
  for (const [name, make, holds] of BAD_INPUT_CATALOGUE) {
    const delivered: WirePublishEntry[] = [];
    const events: WireEvent[] = [];
    const local = new LocalRequestHandler({
      publish: (_t, entries) => void delivered.push(...entries),
      putEvents: (entries) => void events.push(...entries),
    });
    const monitor = createHandler({
      dynamodb: via(stub.handler),
      sns: via(local),
      eventBridge: via(local),
    });
    const result = await monitor({ Records: make() }, context);
    const outcome = monitorOutcome(
      result.batchItemFailures.map((f) => f.itemIdentifier),
      delivered,
      events,
    );
    if (!holds(outcome)) failed.push(name);
  }
  return {
    drill: 'bad-input catalogue',
    load: `${BAD_INPUT_CATALOGUE.length} kinds`,
    faultsInjected: BAD_INPUT_CATALOGUE.length,
    duplicates: 0,
    losses: failed.length,
    detail:
      failed.length === 0
        ? 'each with its expected outcome'
        : `wrong outcome: ${failed.join('; ')}`,
  };
};
