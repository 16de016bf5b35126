import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../../sandbox/dynamodb-local.js';
import { LocalRequestHandler, type WireEvent } from '../../../sandbox/local-transport.js';
import {
  type BusEvent,
  EventPublisher,
  PutEventsLimits,
  putEventsEntryBytes,
} from '../../../shared/adapters/event-publisher.js';

const BUS = 'inventory-test';
const NO_WAIT = { maxAttempts: 2, baseDelayMs: 0, sleep: async () => {} };

/** A level-change-like event whose detail carries `padding` bytes of text. */
const eventOf = (id: string, padding = 0): BusEvent => ({
  id,
  detailType: 'StockLevelTriggered',
  detail: { version: '1', alertId: id, sku: id, location: 'WH-1', note: 'x'.repeat(padding) },
  time: new Date('2026-11-25T12:00:00Z'),
});

describe('EventPublisher', () => {
  // Only this client is mocked: the last test's client talks to the sandbox EventBridge.
  const mocked = new EventBridgeClient({});
  const eventBridge = mockClient(mocked);
  afterEach(() => eventBridge.reset());

  it('splits a publish by total bytes as well as by ten entries', async () => {
    // Prepare
    eventBridge.on(PutEventsCommand).callsFake((input) => ({
      FailedEntryCount: 0,
      Entries: input.Entries.map((_: unknown, i: number) => ({ EventId: `e${i}` })),
    }));
    const big = (id: string) => eventOf(id, 100_000);
    const events = [
      big('b1'),
      eventOf('s1'),
      big('b2'),
      big('b3'),
      ...Array.from({ length: 12 }, (_, i) => eventOf(`s${i + 2}`)),
    ];

    // Act
    const outcome = await new EventPublisher(mocked, BUS, NO_WAIT).publish(events);

    // Assess
    expect(outcome.failed.size).toBe(0);
    const calls = eventBridge
      .commandCalls(PutEventsCommand)
      .map((c) => c.args[0].input.Entries ?? []);
    const idsOf = (entries: (typeof calls)[number]) =>
      entries.map((e) => (JSON.parse(e.Detail ?? '{}') as { alertId: string }).alertId);
    expect(calls.map(idsOf)).toEqual([
      ['b1', 's1', 'b2'],
      ['b3', ...events.slice(4, 13).map((e) => e.id)],
      events.slice(13).map((e) => e.id),
    ]);
    for (const entries of calls) {
      expect(entries.length).toBeLessThanOrEqual(PutEventsLimits.entriesPerCall);
      const bytes = entries.reduce((sum, e) => sum + putEventsEntryBytes(e), 0);
      expect(bytes).toBeLessThan(PutEventsLimits.requestBytes);
    }
  });

  it('lets an event EventBridge refuses fail alone, against the sandbox EventBridge', async () => {
    // Prepare
    const delivered: WireEvent[] = [];
    const client = new EventBridgeClient({
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
      requestHandler: new LocalRequestHandler({
        publish: () => {},
        putEvents: (entries) => void delivered.push(...entries),
      }) as never,
    });
    const neighbours = Array.from({ length: 9 }, (_, i) => eventOf(`N${i}`));
    const events = [...neighbours.slice(0, 4), eventOf('huge', 300_000), ...neighbours.slice(4)];

    // Act
    const outcome = await new EventPublisher(client, BUS, NO_WAIT).publish(events);

    // Assess
    expect([...outcome.failed.keys()]).toEqual(['huge']);
    expect(outcome.failed.get('huge')).toMatch(
      /^ValidationException: Total size of the entries in the request is over the limit/,
    );
    expect(
      delivered.map((e) => (JSON.parse(e.Detail) as { alertId: string }).alertId).sort(),
    ).toEqual(neighbours.map((e) => e.id).sort());
  });
});
