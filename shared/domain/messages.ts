import type { StockLevelDetail } from '../contracts/events.js';
import type { Transition } from './crossing.js';
import { graphemesOf } from './graphemes.js';
import type { Level, Severity } from './levels.js';
import { CATALOGUES, type Catalogue, type Locale, type MessageFields } from './locales.js';
import type { StrategyType } from './rules.js';
import { fitSms, gsm7Transliteration, isGsm7, stripMarks } from './sms.js';

/** The item as the alert describes it. */
export interface AlertSubject {
  readonly sku: string;
  readonly location: string;
  readonly name?: string | undefined;
  readonly category?: string | undefined;
  readonly previousQuantity: number | undefined;
  readonly quantity: number | undefined;
  /** In major units of the environment's currency, as the inventory table holds it. */
  readonly price?: number | undefined;
}

/**
 * Everything needed to publish one alert to people, independent of the transport and the
 * language: the facts, from which {@link renderAlert} writes the text in each locale, and the
 * attributes subscribers filter on.
 */
export interface AlertMessage {
  readonly id: string;
  readonly transition: Transition;
  readonly item: AlertSubject;
  readonly context: AlertContext;
  /** The level change as the bus carries it: what webhook subscribers receive. */
  readonly detail: StockLevelDetail;
  readonly attributes: {
    readonly level: Level;
    readonly severity: Severity;
    readonly sku: string;
    readonly location: string;
    readonly category: string;
    readonly transition: 'TRIGGERED' | 'RESOLVED';
    /** The rule's channels: who among people is told. */
    readonly channels: readonly string[];
  };
}

/** One alert written in one language: what one SNS message carries. */
export interface LocalizedAlert {
  readonly locale: Locale;
  readonly subject: string;
  readonly email: string;
  /** One line for subscribers without a body of their own protocol (SNS's `default`). */
  readonly summary: string;
  /** One SMS segment: 160 GSM-7 characters, or 70 UTF-16 units in UCS-2. */
  readonly sms: string;
}

/**
 * The longest subject an alert or digest carries. SNS Publish: "Subjects must be UTF-8 text with
 * no line breaks or control characters, and less than 100 characters long", so 99 at most.
 * https://docs.aws.amazon.com/sns/latest/api/API_Publish.html (the SDK's `PublishInput.Subject`
 * carries the same text).
 */
export const SUBJECT_MAX_LENGTH = 99;

/**
 * How much of each free-text field an alert shows, in UTF-8 bytes. Item names and categories
 * come from the shop's catalogue with no length limit (a DynamoDB item may hold 400 KB), so the
 * text is cut, with an ellipsis, to keep every alert within a small fixed size: one long name
 * must not make an alert SNS refuses. The sku and location fit whole at their contract length
 * (256 characters) unless they are far from ASCII.
 */
export const DISPLAY_BYTES = {
  name: 512,
  category: 256,
  sku: 512,
  location: 512,
  rule: 512,
} as const;

const ELLIPSIS = '…';

/** UTF-8 length of `text` (a lone surrogate counts as the three bytes of U+FFFD, as encoders write it). */
export const utf8Length = (text: string): number => {
  let bytes = 0;
  for (const ch of text) {
    const code = ch.codePointAt(0) ?? 0;
    bytes += code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
  }
  return bytes;
};

/**
 * `text` cut to at most `maxBytes` UTF-8 bytes, ending with an ellipsis when cut. The cut falls
 * between user-perceived characters (grapheme clusters), never inside a surrogate pair, a
 * combining sequence or an emoji sequence; a single cluster longer than the room is dropped.
 * Only the kept prefix is segmented, so a 300 KB name costs no more than a short one.
 */
export const clip = (text: string, maxBytes: number): string => {
  if (text.length * 3 <= maxBytes || utf8Length(text) <= maxBytes) return text;
  const room = maxBytes - utf8Length(ELLIPSIS);
  let used = 0;
  let end = 0;
  for (const { segment, index } of graphemesOf(text)) {
    used += utf8Length(segment);
    if (used > room) break;
    end = index + segment.length;
  }
  return `${text.slice(0, end)}${ELLIPSIS}`;
};

/** Free text as an alert shows it: bounded, and with control characters (line breaks) as spaces. */
export const shown = (text: string, maxBytes: number): string =>
  clip(text, maxBytes).replace(/\p{Cc}/gu, ' ');

/** SNS subjects must be printable ASCII: accents are dropped, anything else becomes '?'. */
export const toAsciiSubject = (text: string): string =>
  [...text]
    .map((ch) => {
      if (/^[\x20-\x7e]$/.test(ch)) return ch;
      const base = stripMarks(ch);
      return /^[\x20-\x7e]+$/.test(base) ? base : '?';
    })
    .join('')
    .replace(/^[^\x21-\x7e]+/, '');

const truncate = (text: string, max: number): string =>
  text.length <= max ? text : `${text.slice(0, max - 3)}...`;

/** What the alert is about beyond the item: the rule that fired and how it is handled. */
export interface AlertContext {
  readonly ruleKey: string;
  readonly ruleName?: string | undefined;
  readonly severity: Severity;
  readonly strategy?: string | undefined;
  readonly channels: readonly string[];
  readonly occurredAt: string;
}

/** How the environment writes money. */
export interface RenderOptions {
  /** ISO 4217 code of the inventory table's prices. */
  readonly currency: string;
}

/**
 * The facts and filterable attributes of an alert. `strategy` names the automatic handling the
 * rule has for the level; the strategy-executor decides whether it applies.
 */
export const buildAlertMessage = (
  transition: Transition,
  item: AlertSubject,
  context: AlertContext,
  detail: StockLevelDetail,
): AlertMessage => ({
  id: transition.alertId,
  transition,
  item,
  context,
  detail,
  attributes: {
    level: transition.level,
    severity: context.severity,
    sku: item.sku,
    location: item.location,
    // Cut like the text, so a filter on a category matches every category of a sane length.
    category: item.category ? clip(item.category, DISPLAY_BYTES.category) : 'uncategorised',
    transition: transition.kind,
    channels: context.channels,
  },
});

/**
 * The alert written in one locale, every word from its catalogue: the subject, e-mail body,
 * one-line summary and SMS. Numbers, prices and dates are formatted with Intl for the locale;
 * the item's name, sku and location appear as written, cut to `DISPLAY_BYTES`, so the whole
 * alert stays small whatever the catalogue holds.
 */
export const renderAlert = (
  message: AlertMessage,
  locale: Locale,
  options: RenderOptions,
): LocalizedAlert => {
  const catalogue = CATALOGUES[locale];
  const { transition, item, context } = message;
  const fields = fieldsOf(catalogue, transition, item);
  const strategy = strategyName(catalogue, context.strategy);
  return {
    locale,
    subject: truncate(
      toAsciiSubject(
        catalogue.subject({
          ...fields,
          severity: context.severity,
          level: transition.level,
          kind: transition.kind,
        }),
      ),
      SUBJECT_MAX_LENGTH,
    ),
    email: emailOf(catalogue, fields, message, options),
    summary: catalogue.summary(fields),
    sms: smsOf(catalogue, fields, transition.kind === 'TRIGGERED' ? strategy : undefined),
  };
};

/** Formatters are costly to build: one of each per locale and currency. */
const formatters = new Map<string, Intl.NumberFormat | Intl.DateTimeFormat>();
const formatter = <F extends Intl.NumberFormat | Intl.DateTimeFormat>(
  key: string,
  create: () => F,
): F => {
  let cached = formatters.get(key);
  if (!cached) {
    cached = create();
    formatters.set(key, cached);
  }
  return cached as F;
};

const numberIn = (locale: Locale, value: number): string =>
  formatter(`n:${locale}`, () => new Intl.NumberFormat(locale)).format(value);

const priceIn = (locale: Locale, currency: string, value: number): string =>
  formatter(
    `p:${locale}:${currency}`,
    () => new Intl.NumberFormat(locale, { style: 'currency', currency }),
  ).format(value);

/** The date and time in UTC (the zone is named), or the text as given when it is no date. */
export const dateIn = (locale: Locale, iso: string): string => {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return formatter(
    `d:${locale}`,
    () =>
      new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'long', timeZone: 'UTC' }),
  ).format(date);
};

/** Bounds the free text and words the level, the quantity change and the threshold. */
export const fieldsOf = (
  catalogue: Catalogue,
  transition: Transition,
  item: AlertSubject,
): MessageFields => {
  const { locale } = catalogue;
  const level = catalogue.levels[transition.level];
  const sku = shown(item.sku, DISPLAY_BYTES.sku);
  const name = item.name ? shown(item.name, DISPLAY_BYTES.name) : undefined;
  const quantity = (q: number | undefined) =>
    q === undefined ? catalogue.noQuantity : numberIn(locale, q);
  return {
    verb: transition.kind === 'TRIGGERED' ? level : catalogue.resolved(level),
    label: name ? `${name} (${sku})` : sku,
    sku,
    location: shown(item.location, DISPLAY_BYTES.location),
    change: `${quantity(item.previousQuantity)} ${catalogue.arrow} ${quantity(item.quantity)}`,
    comparison:
      transition.level === 'OVERSTOCK'
        ? catalogue.comparisons.atLeast
        : catalogue.comparisons.atMost,
    threshold: numberIn(locale, transition.threshold),
    alertId: transition.alertId,
  };
};

/** The strategy's name in the catalogue; a type it does not know (a newer rule) as written. */
const strategyName = (catalogue: Catalogue, strategy: string | undefined): string | undefined =>
  strategy === undefined
    ? undefined
    : (catalogue.strategies[strategy as StrategyType] ?? shown(strategy, DISPLAY_BYTES.rule));

/** The e-mail body: the headline, one line per fact, then the handling. */
const emailOf = (
  catalogue: Catalogue,
  fields: MessageFields,
  message: AlertMessage,
  options: RenderOptions,
): string => {
  const { transition, item, context } = message;
  const { labels, locale } = catalogue;
  const rule = shown(
    context.ruleName ? `${context.ruleName} (${context.ruleKey})` : context.ruleKey,
    DISPLAY_BYTES.rule,
  );
  const lines: [string, string | undefined][] = [
    [labels.item, fields.label],
    [labels.location, fields.location],
    [labels.category, item.category ? shown(item.category, DISPLAY_BYTES.category) : undefined],
    [
      labels.price,
      item.price === undefined ? undefined : priceIn(locale, options.currency, item.price),
    ],
    [labels.quantity, fields.change],
    [labels.threshold, `${fields.comparison} ${fields.threshold}`],
    [labels.rule, rule],
    [labels.severity, catalogue.severities[context.severity]],
    [labels.alertId, transition.alertId],
    [labels.occurred, dateIn(locale, context.occurredAt)],
  ];
  const width = Math.max(...lines.map(([label]) => displayWidth(label))) + 3;
  return [
    catalogue.headline(fields),
    '',
    ...lines.flatMap(([label, value]) =>
      value === undefined
        ? []
        : [`${label}:${' '.repeat(width - displayWidth(label) - 1)}${value}`],
    ),
    '',
    catalogue.handling(transition.kind, strategyName(catalogue, context.strategy)),
  ].join('\n');
};

/** Columns a label takes in a fixed-width font: wide (CJK) characters take two. */
const displayWidth = (text: string): number =>
  [...text].reduce(
    (sum, ch) =>
      sum +
      (/[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/u.test(
        ch,
      )
        ? 2
        : 1),
    0,
  );

/**
 * The SMS in one segment, the sku and location cut first. A catalogue that prefers GSM-7 drops
 * accents when that keeps the text in GSM-7; any character without a stand-in keeps the whole
 * text in UCS-2 instead (70 units): never a '?' for a character of the reader's script.
 */
const smsOf = (
  catalogue: Catalogue,
  fields: MessageFields,
  strategy: string | undefined,
): string => {
  const write = (parts: { sku: string; location: string }) =>
    inSmsAlphabet(catalogue, catalogue.sms({ ...fields, ...parts, strategy }));
  return fitSms({ sku: fields.sku, location: fields.location }, write);
};

/**
 * An SMS text in the alphabet the catalogue prefers: accents dropped where that keeps it in
 * GSM-7, else as written (UCS-2).
 */
export const inSmsAlphabet = (catalogue: Catalogue, text: string): string =>
  !catalogue.smsPrefersGsm7 || isGsm7(text) ? text : (gsm7Transliteration(text) ?? text);
