import {
  type EventBridgeClient,
  PutEventsCommand,
  type PutEventsRequestEntry,
} from '@aws-sdk/client-eventbridge';
import { EVENT_SOURCE } from '../contracts/events.js';
import {
  DEFAULT_RETRY,
  type EntriesOutcome,
  type RetryOptions,
  sendWithEntryRetries,
} from './retry-entries.js';

/**
 * Amazon EventBridge's limits on one PutEvents call:
 * - API reference, `Entries`: "Array Members: Minimum number of 1 item. Maximum number of 10
 *   items."; outside that the whole call fails with `ValidationException` ("Member must have
 *   length less than or equal to 10").
 * - User guide, "Calculating PutEvents event entry size": "You can batch multiple event entries
 *   into one request for efficiency. The total entry size must be less than 256KB." The size of
 *   an entry is 14 bytes for `Time` if specified, plus the UTF-8 bytes of `Source`,
 *   `DetailType`, `Detail` and each of `Resources` (see {@link putEventsEntryBytes}). A call over
 *   it fails whole with `ValidationException` ("Total size of the entries in the request is over
 *   the limit."), however small its other entries; per-entry problems (malformed detail, an
 *   injected or throttled entry) come back as an entry's `ErrorCode` in a 200 response.
 * AWS raised the limit to 1 MB on 2026-01-29, but not in every region, and the documented
 * figure is still 256 KB in most of the reference; 256 KiB is what every region gives, so that
 * is what we split by and what the sandbox enforces.
 * https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEvents.html,
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-putevent-size.html,
 * https://aws.amazon.com/about-aws/whats-new/2026/01/amazon-eventbridge-increases-event-payload-size-256-kb-1-mb/
 */
export const PutEventsLimits = {
  entriesPerCall: 10,
  /** The total entry size of one call must be less than this (256 KiB). */
  requestBytes: 262_144,
  /** What EventBridge counts for a `Time`, whatever its value. */
  timeBytes: 14,
} as const;

/** EventBridge accepts at most 10 entries per PutEvents. */
export const PUT_EVENTS_LIMIT = PutEventsLimits.entriesPerCall;

/** The fields of an entry EventBridge counts towards its size limit, as sent or as received. */
export interface SizedEntry {
  readonly Source?: string | undefined;
  readonly DetailType?: string | undefined;
  readonly Detail?: string | undefined;
  readonly Resources?: readonly string[] | undefined;
  readonly Time?: unknown;
}

/** The size EventBridge gives an entry: `Time` 14 bytes, the rest their UTF-8 bytes. */
export const putEventsEntryBytes = (entry: SizedEntry): number =>
  (entry.Time === undefined || entry.Time === null ? 0 : PutEventsLimits.timeBytes) +
  Buffer.byteLength(entry.Source ?? '') +
  Buffer.byteLength(entry.DetailType ?? '') +
  Buffer.byteLength(entry.Detail ?? '') +
  (entry.Resources ?? []).reduce((sum, resource) => sum + Buffer.byteLength(resource), 0);

export interface BusEvent {
  /** Unique within one publish call; used to report which entries failed. */
  readonly id: string;
  readonly detailType: string;
  readonly detail: Record<string, unknown>;
  readonly time?: Date;
}

/**
 * Puts events on the inventory bus, retrying only failed entries. Each call carries at most ten
 * entries and less than 256 KiB in total, so an entry EventBridge refuses (it goes alone) fails
 * alone, never its neighbours.
 */
export class EventPublisher {
  constructor(
    private readonly eventBridge: EventBridgeClient,
    private readonly busName: string,
    private readonly retry: RetryOptions = DEFAULT_RETRY,
  ) {}

  publish(events: readonly BusEvent[]): Promise<EntriesOutcome> {
    const entries = events.map((event) => {
      const entry: PutEventsRequestEntry = {
        EventBusName: this.busName,
        Source: EVENT_SOURCE,
        DetailType: event.detailType,
        Detail: JSON.stringify(event.detail),
        ...(event.time ? { Time: event.time } : {}),
      };
      return { id: event.id, entry, bytes: putEventsEntryBytes(entry) };
    });
    return sendWithEntryRetries(
      entries,
      {
        maxEntries: PutEventsLimits.entriesPerCall,
        maxBytes: PutEventsLimits.requestBytes - 1,
        bytesOf: (e) => e.bytes,
      },
      async (chunk) => {
        const output = await this.eventBridge.send(
          new PutEventsCommand({ Entries: chunk.map((e) => e.entry) }),
        );
        const failed = new Map<string, string>();
        if ((output.FailedEntryCount ?? 0) === 0) return failed;
        // Result entries are in request order; an entry with an ErrorCode failed.
        (output.Entries ?? []).forEach((result, index) => {
          const sent = chunk[index];
          if (sent && result.ErrorCode)
            failed.set(sent.id, `${result.ErrorCode}: ${result.ErrorMessage ?? ''}`);
        });
        return failed;
      },
      this.retry,
    );
  }
}
