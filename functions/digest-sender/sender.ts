import type { Logger } from '@aws-lambda-powertools/logger';
import type { DigestTopic } from '../../shared/adapters/digest-topic.js';
import {
  type DigestSubscriber,
  digestTakes,
  filterAttributesOf,
} from '../../shared/contracts/subscriptions.js';
import {
  type DigestEntry,
  type DigestWindow,
  renderDigest,
  windowClosedAt,
} from '../../shared/domain/digest.js';

/** What the digest function talks to; the handler wires AWS clients, the sandbox local ones. */
export interface DigestSenderDeps {
  readonly topic: DigestTopic;
  readonly buffer: { between(window: DigestWindow): Promise<DigestEntry[]> };
  /**
   * Sends a digest at most once per key (window, subscriber and locale), however often it is
   * called: Powertools idempotency in the function, a map in tests.
   */
  readonly once: (task: DigestTask) => Promise<DigestSent>;
  readonly tickMinutes: number;
  readonly logger: Logger;
}

/** One digest to send: the key it is sent once under, and what it is made of. */
export interface DigestTask {
  /** `<window end>#<minutes>#<subscriber id>#<locale>`. */
  readonly key: string;
  readonly subscriber: DigestSubscriber;
  readonly window: DigestWindow;
  readonly entries: readonly DigestEntry[];
}

/** What sending a digest did (what the idempotency store remembers). */
export interface DigestSent {
  readonly key: string;
  readonly crossings: number;
}

/** What one tick did. */
export interface DigestRun {
  readonly windows: readonly DigestWindow[];
  readonly digests: readonly DigestSent[];
  /** Subscribers whose window closed with nothing for them: no message. */
  readonly empty: number;
}

/**
 * The digest use case at one tick of the schedule:
 * 1. find the digest subscribers (from the topic's filter policies);
 * 2. for each window length whose window closed at this tick, read the buffer once;
 * 3. give each subscriber the crossings it would have been sent at once (its policy), without
 *    the critical ones it was sent at once already;
 * 4. send each non-empty digest once per window, subscriber and locale.
 */
export const createDigestSender =
  (deps: DigestSenderDeps) =>
  async (at: Date): Promise<DigestRun> => {
    const subscribers = await deps.topic.subscribers();
    const windows = new Map<number, DigestWindow>();
    for (const { windowMinutes } of subscribers) {
      const window = windowClosedAt(at, windowMinutes, deps.tickMinutes);
      if (window) windows.set(windowMinutes, window);
    }
    const entries = new Map<number, DigestEntry[]>();
    for (const [minutes, window] of windows)
      entries.set(minutes, await deps.buffer.between(window));
    const digests: DigestSent[] = [];
    let empty = 0;
    for (const subscriber of subscribers) {
      const window = windows.get(subscriber.windowMinutes);
      if (!window) continue;
      const taken = (entries.get(subscriber.windowMinutes) ?? []).filter((entry) =>
        digestTakes(subscriber, attributesOf(entry, subscriber), entry.attributes.severity),
      );
      if (taken.length === 0) {
        empty++;
        continue;
      }
      const key = `${window.until}#${window.minutes}#${subscriber.id}#${subscriber.locale}`;
      digests.push(await deps.once({ key, subscriber, window, entries: taken }));
    }
    deps.logger.info('Digest windows closed', {
      windows: [...windows.values()].map((w) => `${w.since}/${w.until}`),
      digests: digests.length,
      empty,
    });
    return { windows: [...windows.values()], digests, empty };
  };

/** The filter attributes the crossing's immediate message carried in the subscriber's locale. */
const attributesOf = (entry: DigestEntry, subscriber: DigestSubscriber) =>
  filterAttributesOf({ ...entry.attributes, locale: subscriber.locale });

/** Renders and sends one digest: what `once` wraps. */
export const sendDigest =
  (topic: DigestTopic) =>
  async (task: DigestTask): Promise<DigestSent> => {
    const digest = renderDigest(task.entries, task.subscriber.locale, task.window);
    await topic.send(task.subscriber, digest, task.subscriber.id);
    return { key: task.key, crossings: task.entries.length };
  };
