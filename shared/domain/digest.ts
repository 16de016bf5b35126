import type { Level, Severity } from './levels.js';
import { CATALOGUES, type Catalogue, type Locale } from './locales.js';
import {
  type AlertMessage,
  type AlertSubject,
  clip,
  DISPLAY_BYTES,
  dateIn,
  fieldsOf,
  inSmsAlphabet,
  SUBJECT_MAX_LENGTH,
  shown,
  toAsciiSubject,
} from './messages.js';
import { fitSms, fitsOneSegment } from './sms.js';

/**
 * One announced crossing as the digest buffer keeps it: what its immediate message was
 * written from (the item, bounded) and the attributes it was filtered on.
 */
export interface DigestEntry {
  readonly alertId: string;
  readonly threshold: number;
  readonly occurredAt: string;
  readonly item: AlertSubject;
  readonly attributes: AlertMessage['attributes'];
}

/** The buffer entry of an alert message; free text cut as the alert shows it, so entries stay small. */
export const digestEntryOf = (message: AlertMessage): DigestEntry => {
  const { item } = message;
  return {
    alertId: message.transition.alertId,
    threshold: message.transition.threshold,
    occurredAt: message.context.occurredAt,
    item: {
      sku: item.sku,
      location: item.location,
      ...(item.name ? { name: clip(item.name, DISPLAY_BYTES.name) } : {}),
      ...(item.category ? { category: clip(item.category, DISPLAY_BYTES.category) } : {}),
      previousQuantity: item.previousQuantity,
      quantity: item.quantity,
    },
    attributes: message.attributes,
  };
};

/** A closed window: [since, until), ISO-8601, and its length. */
export interface DigestWindow {
  readonly since: string;
  readonly until: string;
  readonly minutes: number;
}

const MINUTE = 60_000;

/** The last tick at or before `at` (ticks every `tickMinutes` from midnight UTC), in ms. */
export const tickOf = (at: Date, tickMinutes: number): number =>
  Math.floor(at.getTime() / (tickMinutes * MINUTE)) * tickMinutes * MINUTE;

/**
 * The window of `minutes` that closed at the last tick at or before `at` (ticks every
 * `tickMinutes`, from midnight UTC), or undefined when no window of that length closed there.
 * The schedule fires a little after each tick, so `at` is rounded down to it.
 */
export const windowClosedAt = (
  at: Date,
  minutes: number,
  tickMinutes: number,
): DigestWindow | undefined => {
  const tick = tickOf(at, tickMinutes);
  if (tick % (minutes * MINUTE) !== 0) return undefined;
  return {
    since: new Date(tick - minutes * MINUTE).toISOString(),
    until: new Date(tick).toISOString(),
    minutes,
  };
};

/**
 * The windows of `minutes` that closed at the last `catchUpTicks + 1` ticks at or before `at`,
 * oldest first: this tick's, and those of earlier ticks that a failed invocation may have left.
 */
export const windowsClosedBy = (
  at: Date,
  minutes: number,
  tickMinutes: number,
  catchUpTicks: number,
): DigestWindow[] =>
  Array.from({ length: catchUpTicks + 1 }, (_, i) =>
    windowClosedAt(
      new Date(at.getTime() - (catchUpTicks - i) * tickMinutes * MINUTE),
      minutes,
      tickMinutes,
    ),
  ).filter((window): window is DigestWindow => window !== undefined);

/**
 * The windows a tick looks at for one length: those that closed at it or at the `catchUpTicks`
 * ticks before (`due`, oldest first), and the last one before them (`earlier`), whose mark
 * tells whether the length was being closed before the span, however long its windows.
 */
export interface WindowsAround {
  readonly earlier: DigestWindow;
  readonly due: readonly DigestWindow[];
}

/** The {@link WindowsAround} a tick at `at` looks at for windows of `minutes`. */
export const windowsAround = (
  at: Date,
  minutes: number,
  tickMinutes: number,
  catchUpTicks: number,
): WindowsAround => {
  const due = windowsClosedBy(at, minutes, tickMinutes, catchUpTicks);
  const spanStart = tickOf(at, tickMinutes) - catchUpTicks * tickMinutes * MINUTE;
  const until = (Math.ceil(spanStart / (minutes * MINUTE)) - 1) * minutes * MINUTE;
  return {
    earlier: {
      since: new Date(until - minutes * MINUTE).toISOString(),
      until: new Date(until).toISOString(),
      minutes,
    },
    due,
  };
};

/** A tick's mark of a window it is done with: its digests `sent`, or `skipped`; and the tick's time. */
export interface WindowMark {
  readonly how: 'sent' | 'skipped';
  readonly closedAt: string;
}

/** What a tick does with the windows of one length: close (send) some, mark others skipped. */
export interface TickPlan {
  readonly close: readonly DigestWindow[];
  readonly skip: readonly DigestWindow[];
}

/**
 * What a tick at `at` does with the windows of one length ({@link windowsAround}), given their
 * marks. Where any is marked, the length was being closed before: every unmarked due window was
 * left by a failed tick, and is closed now. Where none is, the length is new to the schedule (a
 * subscriber's first digest window, a new release, or an outage longer than the catch-up): only
 * the window of this tick is closed, and the others (the earlier one too) are marked skipped, so
 * nobody gets digests of windows from before they chose them, and from now on a failed tick is
 * caught up, however long the windows. Skip marks of this very tick (`closedAt` its time: a
 * retry, or a second delivery running at once) are not taken for history, so every delivery of
 * a tick reaches the same plan.
 */
export const planTick = (
  around: WindowsAround,
  markOf: (window: DigestWindow) => WindowMark | undefined,
  at: Date,
  tickMinutes: number,
): TickPlan => {
  const open = around.due.filter((window) => markOf(window) === undefined);
  const history = [around.earlier, ...around.due].some((window) => {
    const mark = markOf(window);
    return mark !== undefined && !(mark.how === 'skipped' && mark.closedAt === at.toISOString());
  });
  if (history) return { close: open, skip: [] };
  const tick = new Date(tickOf(at, tickMinutes)).toISOString();
  return {
    close: open.filter((window) => window.until === tick),
    skip: [around.earlier, ...around.due].filter(
      (window) => markOf(window) === undefined && window.until !== tick,
    ),
  };
};

/**
 * At most this many crossings are listed in a digest's e-mail and webhook body (the rest
 * counted): what a person reads. The sender lists fewer where these would not fit in one SNS
 * message (long keys and names of characters JSON escapes).
 */
export const DIGEST_MAX_LISTED = 40;

/** One digest in one language: what one SNS message carries. */
export interface LocalizedDigest {
  readonly locale: Locale;
  readonly subject: string;
  readonly email: string;
  readonly summary: string;
  readonly sms: string;
  /** The webhook body (raw delivery): the crossings as data. */
  readonly https: string;
}

const SEVERITY_ORDER: Record<Severity, number> = { critical: 0, warning: 1, info: 2 };

/** Most severe first, then in the order they happened. */
const bySeverity = (a: DigestEntry, b: DigestEntry): number =>
  SEVERITY_ORDER[a.attributes.severity] - SEVERITY_ORDER[b.attributes.severity] ||
  a.occurredAt.localeCompare(b.occurredAt);

const countIn = (locale: Locale, value: number): string =>
  new Intl.NumberFormat(locale).format(value);

/**
 * The digest of a window's crossings in one locale, every word from its catalogue: an ASCII
 * subject, an e-mail listing each crossing (its one-line summary, most severe first, at most
 * `maxListed`), an SMS in one segment with as many items as fit and a count of the rest, and a
 * webhook body.
 */
export const renderDigest = (
  entries: readonly DigestEntry[],
  locale: Locale,
  window: DigestWindow,
  maxListed = DIGEST_MAX_LISTED,
): LocalizedDigest => {
  const catalogue = CATALOGUES[locale];
  const texts = catalogue.digest;
  const sorted = [...entries].sort(bySeverity);
  const listed = sorted.slice(0, maxListed);
  const rest = sorted.length - listed.length;
  const count = countIn(locale, sorted.length);
  const windowText = texts.window(window.minutes);
  const headline = texts.headline({
    count,
    window: windowText,
    since: dateIn(locale, window.since),
    until: dateIn(locale, window.until),
  });
  const lines = listed.map((entry) => `- ${catalogue.summary(entryFields(catalogue, entry))}`);
  const subject = toAsciiSubject(
    texts.subject({ count: sorted.length, window: asciiWindow(window.minutes) }),
  ).slice(0, SUBJECT_MAX_LENGTH);
  return {
    locale,
    subject,
    email: [headline, '', ...lines, ...(rest > 0 ? [texts.more(countIn(locale, rest))] : [])].join(
      '\n',
    ),
    summary: headline,
    sms: digestSms(catalogue, sorted, count, windowText),
    https: JSON.stringify({
      detailType: 'StockAlertDigest',
      version: '1',
      locale,
      since: window.since,
      until: window.until,
      count: sorted.length,
      alerts: listed.map(webhookAlertOf),
      more: rest,
      summary: headline,
    }),
  };
};

const asciiWindow = (minutes: number): string =>
  minutes % 60 === 0 ? `${minutes / 60}h` : `${minutes}m`;

const entryFields = (catalogue: Catalogue, entry: DigestEntry) =>
  fieldsOf(
    catalogue,
    {
      kind: entry.attributes.transition,
      level: entry.attributes.level,
      alertId: entry.alertId,
      threshold: entry.threshold,
      announced: true,
    },
    entry.item,
  );

const webhookAlertOf = (entry: DigestEntry) => ({
  alertId: entry.alertId,
  transition: entry.attributes.transition,
  level: entry.attributes.level,
  severity: entry.attributes.severity,
  sku: entry.item.sku,
  location: entry.item.location,
  category: entry.attributes.category,
  previousQuantity: entry.item.previousQuantity ?? null,
  quantity: entry.item.quantity ?? null,
  threshold: entry.threshold,
  occurredAt: entry.occurredAt,
});

/** SMS items are short: sku and location cut to this many bytes each, the level as a code. */
const SMS_ITEM_BYTES = 24;

/**
 * The digest SMS in one segment (160 GSM-7 characters, or 70 UCS-2 units): the most severe
 * items that fit, and a count of the rest. With none fitting it still says how many there are.
 */
const digestSms = (
  catalogue: Catalogue,
  sorted: readonly DigestEntry[],
  count: string,
  window: string,
): string => {
  const { digest, locale } = catalogue;
  // A segment holds at most 160 characters, so no more than 40 items of 4 or more ever fit.
  const items = sorted.slice(0, 40).map((entry) =>
    digest.smsItem({
      level: digest.levelCodes[entry.attributes.level as Level],
      resolved: entry.attributes.transition === 'RESOLVED',
      sku: shown(entry.item.sku, SMS_ITEM_BYTES),
      location: shown(entry.item.location, SMS_ITEM_BYTES),
      quantity:
        entry.item.quantity === undefined
          ? catalogue.noQuantity
          : countIn(locale, entry.item.quantity),
    }),
  );
  const write = (shownCount: number) =>
    inSmsAlphabet(
      catalogue,
      digest.sms({
        count,
        window,
        items: items.slice(0, shownCount),
        rest: shownCount < sorted.length ? countIn(locale, sorted.length - shownCount) : undefined,
      }),
    );
  for (let shownCount = items.length; shownCount > 0; shownCount--) {
    const text = write(shownCount);
    if (fitsOneSegment(text)) return text;
  }
  // Not even one item fits (a window of many crossings and a long count): the count alone, cut
  // to the segment if it must be.
  return fitSms({}, () => write(0));
};
