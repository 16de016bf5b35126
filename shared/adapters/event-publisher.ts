import { type EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { EVENT_SOURCE } from '../contracts/events.js';
import {
  DEFAULT_RETRY,
  type EntriesOutcome,
  type RetryOptions,
  sendWithEntryRetries,
} from './retry-entries.js';

/** EventBridge accepts at most 10 entries per PutEvents. */
export const PUT_EVENTS_LIMIT = 10;

export interface BusEvent {
  /** Unique within one publish call; used to report which entries failed. */
  readonly id: string;
  readonly detailType: string;
  readonly detail: Record<string, unknown>;
  readonly time?: Date;
}

/** Puts events on the inventory bus, ten per call, retrying only failed entries. */
export class EventPublisher {
  constructor(
    private readonly eventBridge: EventBridgeClient,
    private readonly busName: string,
    private readonly retry: RetryOptions = DEFAULT_RETRY,
  ) {}

  publish(events: readonly BusEvent[]): Promise<EntriesOutcome> {
    return sendWithEntryRetries(
      events,
      PUT_EVENTS_LIMIT,
      async (chunk) => {
        const output = await this.eventBridge.send(
          new PutEventsCommand({
            Entries: chunk.map((event) => ({
              EventBusName: this.busName,
              Source: EVENT_SOURCE,
              DetailType: event.detailType,
              Detail: JSON.stringify(event.detail),
              ...(event.time ? { Time: event.time } : {}),
            })),
          }),
        );
        const failed = new Map<string, string>();
        if ((output.FailedEntryCount ?? 0) === 0) return failed;
        // Result entries are in request order; an entry with an ErrorCode failed.
        (output.Entries ?? []).forEach((entry, index) => {
          const sent = chunk[index];
          if (sent && entry.ErrorCode)
            failed.set(sent.id, `${entry.ErrorCode}: ${entry.ErrorMessage ?? ''}`);
        });
        return failed;
      },
      this.retry,
    );
  }
}
