import type { Logger } from '@aws-lambda-powertools/logger';
import { publishEntryBytes, SnsLimits } from '../../shared/adapters/alert-publisher.js';
import { type DigestTopic, digestEntryOf } from '../../shared/adapters/digest-topic.js';
import {
  type DigestSubscriber,
  digestTakes,
  filterAttributesOf,
} from '../../shared/contracts/subscriptions.js';
import {
  DIGEST_MAX_LISTED,
  type DigestEntry,
  type DigestWindow,
  type LocalizedDigest,
  planTick,
  renderDigest,
  tickOf,
  type WindowMark,
  windowsAround,
} from '../../shared/domain/digest.js';
import { DigestWindowsFailedError } from '../../shared/errors.js';

/** What the digest function talks to; the handler wires AWS clients, the sandbox local ones. */
export interface DigestSenderDeps {
  readonly topic: DigestTopic;
  readonly buffer: { between(window: DigestWindow): Promise<DigestEntry[]> };
  /** Which windows are closed (every digest sent, or skipped): `DigestWindowMarks` in the function. */
  readonly marks: {
    marksOf(
      windows: readonly DigestWindow[],
    ): Promise<(window: DigestWindow) => WindowMark | undefined>;
    close(window: DigestWindow, at: Date, how: WindowMark['how']): Promise<void>;
  };
  /**
   * Sends a digest at most once per key (window and subscriber), however often it is
   * called: Powertools idempotency in the function, a map in tests.
   */
  readonly once: (task: DigestTask) => Promise<DigestSent>;
  readonly tickMinutes: number;
  /** Ticks back whose windows a tick closes if still open (`DIGEST_CATCH_UP_TICKS` in the function). */
  readonly catchUpTicks: number;
  readonly logger: Logger;
}

/** One digest to send: the key it is sent once under, and what it is made of. */
export interface DigestTask {
  /**
   * `<window end>#<minutes>#<subscriber id>`: not the locale, which a subscriber can change
   * while a window is still open (its digest would go out again in the new language).
   */
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
  /** The windows it closed, oldest first: its own, and any an earlier tick left open. */
  readonly windows: readonly DigestWindow[];
  readonly digests: readonly DigestSent[];
  /** Subscribers whose window closed with nothing for them: no message. */
  readonly empty: number;
  /** Windows marked skipped, unsent ({@link planTick}). */
  readonly skipped: readonly DigestWindow[];
}

/**
 * The digest use case at one tick of the schedule:
 * 1. find the digest subscribers (from the topic's filter policies);
 * 2. plan each window length's windows ({@link planWindows}): those to close now, and those
 *    to mark skipped;
 * 3. close each, oldest first ({@link closeWindow}), and mark it closed;
 * 4. fail if any window could not be closed, once the others are.
 * A window is marked only once all its digests are sent, so a window that fails is left to
 * the invocation's retry, or to a later tick, and does not hold back the windows after it.
 */
export const createDigestSender =
  (deps: DigestSenderDeps) =>
  async (at: Date): Promise<DigestRun> => {
    const subscribers = await deps.topic.subscribers();
    const { windows, skipped } = await planWindows(deps, subscribers, at);
    const digests: DigestSent[] = [];
    let empty = 0;
    const failures: { window: string; error: Error }[] = [];
    for (const window of windows) {
      try {
        const closed = await closeWindow(deps, window, subscribers);
        digests.push(...closed.digests);
        empty += closed.empty;
        await deps.marks.close(window, at, 'sent');
      } catch (error) {
        failures.push({ window: spanOf(window), error: error as Error });
      }
    }
    if (failures.length > 0) throw new DigestWindowsFailedError(failures);
    const tick = new Date(tickOf(at, deps.tickMinutes)).toISOString();
    const late = windows.filter((w) => w.until < tick);
    if (late.length > 0)
      deps.logger.warn('Digest windows an earlier tick left open, closed late', {
        windows: late.map(spanOf),
      });
    if (skipped.length > 0)
      deps.logger.warn(
        'Digest windows skipped, unsent: their length is new to the schedule, or its ticks all failed for longer than the catch-up',
        { windows: skipped.map(spanOf) },
      );
    deps.logger.info('Digest windows closed', {
      windows: windows.map(spanOf),
      digests: digests.length,
      empty,
    });
    return { windows, digests, empty, skipped };
  };

/**
 * The windows this tick closes, oldest first, for each window length the subscribers use, and
 * those it skips: reads the marks of the windows around the tick ({@link windowsAround}),
 * plans each length ({@link planTick}), and marks the windows skipped.
 */
const planWindows = async (
  deps: DigestSenderDeps,
  subscribers: readonly DigestSubscriber[],
  at: Date,
): Promise<{ windows: DigestWindow[]; skipped: DigestWindow[] }> => {
  const lengths = [...new Set(subscribers.map((s) => s.windowMinutes))];
  const around = lengths.map((minutes) =>
    windowsAround(at, minutes, deps.tickMinutes, deps.catchUpTicks),
  );
  const markOf = await deps.marks.marksOf(around.flatMap((a) => [a.earlier, ...a.due]));
  const plans = around.map((a) => planTick(a, markOf, at, deps.tickMinutes));
  const skipped = plans.flatMap((plan) => plan.skip);
  for (const window of skipped) await deps.marks.close(window, at, 'skipped');
  const windows = plans
    .flatMap((plan) => plan.close)
    .sort((a, b) => a.until.localeCompare(b.until) || a.minutes - b.minutes);
  return { windows, skipped };
};

/**
 * One window: reads its crossings from the buffer, gives each of its subscribers those it
 * would have been sent at once (its policy) without the critical ones it was sent at once
 * already, and sends each non-empty digest once per window and subscriber.
 */
const closeWindow = async (
  deps: DigestSenderDeps,
  window: DigestWindow,
  subscribers: readonly DigestSubscriber[],
): Promise<{ digests: DigestSent[]; empty: number }> => {
  const entries = await deps.buffer.between(window);
  const digests: DigestSent[] = [];
  const failed: Error[] = [];
  let empty = 0;
  for (const subscriber of subscribers) {
    if (subscriber.windowMinutes !== window.minutes) continue;
    const taken = entries.filter((entry) =>
      digestTakes(subscriber, attributesOf(entry, subscriber), entry.attributes.severity),
    );
    if (taken.length === 0) {
      empty++;
      continue;
    }
    const key = `${window.until}#${window.minutes}#${subscriber.id}`;
    // One subscriber's failure must not cost the others their digest.
    try {
      digests.push(await deps.once({ key, subscriber, window, entries: taken }));
    } catch (error) {
      failed.push(error as Error);
    }
  }
  if (failed.length > 0)
    throw new AggregateError(
      failed,
      `${failed.length} digest(s) not sent: ${failed.map((e) => e.message).join('; ')}`,
    );
  return { digests, empty };
};

/** A window as logs and errors name it: `since/until`. */
const spanOf = (window: DigestWindow): string => `${window.since}/${window.until}`;

/** The filter attributes the crossing's immediate message carried in the subscriber's locale. */
const attributesOf = (entry: DigestEntry, subscriber: DigestSubscriber) =>
  filterAttributesOf({ ...entry.attributes, locale: subscriber.locale });

/** Renders and sends one digest: what `once` wraps. */
export const sendDigest =
  (topic: DigestTopic) =>
  async (task: DigestTask): Promise<DigestSent> => {
    await topic.send(task.subscriber, fittedDigest(task), task.subscriber.id);
    return { key: task.key, crossings: task.entries.length };
  };

/**
 * The task's digest with as many crossings listed as one SNS message holds: the usual number,
 * or half as many again and again while the message would exceed SNS's limit (SNS would
 * refuse it at every retry, and the window would never go out). The rest are counted.
 */
const fittedDigest = ({ entries, subscriber, window }: DigestTask): LocalizedDigest => {
  const render = (listed: number) => renderDigest(entries, subscriber.locale, window, listed);
  let listed = DIGEST_MAX_LISTED;
  let digest = render(listed);
  const bytes = (d: LocalizedDigest) =>
    publishEntryBytes(digestEntryOf(subscriber, d, subscriber.id));
  while (listed > 1 && bytes(digest) > SnsLimits.messageBytes) {
    listed = Math.floor(listed / 2);
    digest = render(listed);
  }
  return digest;
};
