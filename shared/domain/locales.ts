import { en } from './catalogues/en.js';
import { zhCN } from './catalogues/zh-CN.js';
import type { Level, Severity } from './levels.js';
import type { StrategyType } from './rules.js';

/** The languages alerts are written in. A subscriber chooses one; `en` when it says nothing. */
export const LOCALES = ['en', 'zh-CN'] as const;
export type Locale = (typeof LOCALES)[number];
export const DEFAULT_LOCALE: Locale = 'en';

export const isLocale = (value: string): value is Locale =>
  (LOCALES as readonly string[]).includes(value);

/** The values a message's text is written from, already bounded and formatted for the locale. */
export interface MessageFields {
  /** "Low stock", or "Low stock resolved", in the locale. */
  readonly verb: string;
  /** The item name as written, with its sku; the sku alone when the item has no name. */
  readonly label: string;
  readonly sku: string;
  readonly location: string;
  /** "12 -> 8", numbers formatted for the locale. */
  readonly change: string;
  /** "<=" or ">=" (the catalogue's `comparisons`): how the quantity stands to the threshold. */
  readonly comparison: string;
  /** The threshold, formatted for the locale. */
  readonly threshold: string;
  readonly alertId: string;
}

/** The SMS is written from the same fields; `sku` and `location` are cut first when it is long. */
export interface SmsFields extends MessageFields {
  /** The strategy's name in the locale, when a trigger has one. */
  readonly strategy: string | undefined;
}

/** What the e-mail's lines are called. */
export interface FieldLabels {
  readonly item: string;
  readonly location: string;
  readonly category: string;
  readonly price: string;
  readonly quantity: string;
  readonly threshold: string;
  readonly rule: string;
  readonly severity: string;
  readonly alertId: string;
  readonly occurred: string;
}

/** The free parts of one item of a digest SMS, already bounded and formatted. */
export interface DigestSmsItem {
  /** The level's short code (`LOW`) in the locale. */
  readonly level: string;
  readonly resolved: boolean;
  readonly sku: string;
  readonly location: string;
  readonly quantity: string;
}

/**
 * The texts of a digest (issue #18): the crossings of one window in one message. The e-mail
 * lists each crossing with the catalogue's `summary`; these words frame it.
 */
export interface DigestTexts {
  /** A window's length (`15 min`, `2 h`). */
  readonly window: (minutes: number) => string;
  /** Printable ASCII, like every subject; `window` is written `15m`, `2h`. */
  readonly subject: (fields: { count: number; window: string }) => string;
  readonly headline: (fields: {
    count: string;
    window: string;
    since: string;
    until: string;
  }) => string;
  /** After the lines shown, when a digest has more crossings than it lists. */
  readonly more: (count: string) => string;
  readonly levelCodes: Record<Level, string>;
  readonly smsItem: (item: DigestSmsItem) => string;
  /** The SMS: the count, the items that fit one segment, and how many did not. */
  readonly sms: (fields: {
    count: string;
    window: string;
    items: readonly string[];
    rest: string | undefined;
  }) => string;
}

/**
 * Every text an alert shows in one language. The catalogue supplies words and word order; the
 * message module supplies the bounded item text and the Intl formatting of numbers and dates.
 */
export interface Catalogue {
  readonly locale: Locale;
  readonly levels: Record<Level, string>;
  readonly resolved: (level: string) => string;
  readonly severities: Record<Severity, string>;
  readonly strategies: Record<StrategyType, string>;
  /** The quantity of an item that had none (a new item, a deleted one). */
  readonly noQuantity: string;
  /** The arrow between the previous and the new quantity. */
  readonly arrow: string;
  /** At most (low levels) and at least (overstock). */
  readonly comparisons: { readonly atMost: string; readonly atLeast: string };
  /**
   * The subject line. SNS takes printable ASCII only, so a catalogue whose own script is not
   * Latin writes it from codes and ASCII identifiers; the body's first line is the headline.
   */
  readonly subject: (
    fields: MessageFields & { severity: Severity; level: Level; kind: 'TRIGGERED' | 'RESOLVED' },
  ) => string;
  readonly headline: (fields: MessageFields) => string;
  readonly labels: FieldLabels;
  /**
   * What the reader is told about automatic handling. The monitor cannot know what the
   * strategy-executor will decide (an order may still be open, a price at its floor), so the
   * text names the strategy and says the executor decides, never that it will run.
   */
  readonly handling: (kind: 'TRIGGERED' | 'RESOLVED', strategy: string | undefined) => string;
  readonly summary: (fields: MessageFields) => string;
  readonly sms: (fields: SmsFields) => string;
  /** Whether the SMS may drop accents to stay in GSM-7 (160 characters) rather than UCS-2 (70). */
  readonly smsPrefersGsm7: boolean;
  readonly digest: DigestTexts;
}

export const CATALOGUES: Record<Locale, Catalogue> = { en, 'zh-CN': zhCN };
