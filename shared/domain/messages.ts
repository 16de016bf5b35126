import type { Transition } from './crossing.js';
import type { Level, Severity } from './levels.js';

/** The item as the alert describes it. */
export interface AlertSubject {
  readonly sku: string;
  readonly location: string;
  readonly name?: string | undefined;
  readonly category?: string | undefined;
  readonly previousQuantity: number | undefined;
  readonly quantity: number | undefined;
}

/** Everything needed to publish one alert to people, independent of the transport. */
export interface AlertMessage {
  readonly id: string;
  readonly subject: string;
  readonly email: string;
  /** One line for subscribers without a body of their own protocol (SNS's `default`). */
  readonly summary: string;
  readonly sms: string;
  readonly attributes: {
    readonly level: Level;
    readonly severity: Severity;
    readonly sku: string;
    readonly location: string;
    readonly category: string;
    readonly transition: 'TRIGGERED' | 'RESOLVED';
    readonly channels: readonly string[];
  };
}

const LEVEL_TEXT: Record<Level, string> = {
  OUT_OF_STOCK: 'Out of stock',
  LOW_STOCK: 'Low stock',
  OVERSTOCK: 'Overstock',
};

export const SMS_MAX_LENGTH = 160;
export const SUBJECT_MAX_LENGTH = 100;

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
/** Built on the first cut, not at load: building one costs a cold start about 8 ms, and most never cut. */
let graphemes: Intl.Segmenter | undefined;

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
  graphemes ??= new Intl.Segmenter(undefined, { granularity: 'grapheme' });
  for (const { segment, index } of graphemes.segment(text)) {
    used += utf8Length(segment);
    if (used > room) break;
    end = index + segment.length;
  }
  return `${text.slice(0, end)}${ELLIPSIS}`;
};

/** Free text as an alert shows it: bounded, and with control characters (line breaks) as spaces. */
const shown = (text: string, maxBytes: number): string =>
  clip(text, maxBytes).replace(/\p{Cc}/gu, ' ');

// GSM 03.38 basic character set (without the escape-table characters, which count double).
const GSM7_BASIC = new Set(
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà',
);

/** Replaces characters outside GSM-7 so an SMS is one 160-character segment, never UCS-2. */
export const toGsm7 = (text: string): string =>
  [...text]
    .map((ch) => {
      if (GSM7_BASIC.has(ch)) return ch;
      if (ch === '→') return '>';
      const base = stripMarks(ch);
      return base.length > 0 && [...base].every((c) => GSM7_BASIC.has(c)) ? base : '?';
    })
    .join('');

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

const stripMarks = (ch: string): string => ch.normalize('NFKD').replace(/\p{M}/gu, '');

const truncate = (text: string, max: number): string =>
  text.length <= max ? text : `${text.slice(0, max - 3)}...`;

const fmt = (quantity: number | undefined): string =>
  quantity === undefined ? 'none' : String(quantity);

/** What the alert is about beyond the item: the rule that fired and how it is handled. */
export interface AlertContext {
  readonly ruleKey: string;
  readonly ruleName?: string | undefined;
  readonly severity: Severity;
  readonly strategy?: string | undefined;
  readonly channels: readonly string[];
  readonly occurredAt: string;
}

/** The pieces of text every form of the alert is written from, free text already bounded. */
interface AlertText {
  readonly verb: string;
  readonly label: string;
  readonly sku: string;
  readonly location: string;
  readonly rule: string;
  readonly change: string;
  readonly comparison: string;
  readonly threshold: string;
}

/**
 * Builds the subject, e-mail body, one-line summary, SMS text and filterable attributes of an
 * alert. `strategy` names the automatic handling that will run, if any. Free text is cut to
 * `DISPLAY_BYTES`, so the whole alert stays small whatever the catalogue holds.
 */
export const buildAlertMessage = (
  transition: Transition,
  item: AlertSubject,
  context: AlertContext,
): AlertMessage => {
  const text = alertText(transition, item, context);
  return {
    id: transition.alertId,
    subject: subjectOf(text, context.severity),
    email: emailOf(text, transition, item, context),
    summary: `${text.verb}: ${text.label} at ${text.location}, quantity ${text.change} (${text.threshold}), alert ${transition.alertId}.`,
    sms: smsOf(text, transition, context.strategy),
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
  };
};

/** Bounds the free text and words the level, the quantity change and the threshold. */
const alertText = (
  transition: Transition,
  item: AlertSubject,
  context: AlertContext,
): AlertText => {
  const levelText = LEVEL_TEXT[transition.level];
  const sku = shown(item.sku, DISPLAY_BYTES.sku);
  const name = item.name ? shown(item.name, DISPLAY_BYTES.name) : undefined;
  const comparison = transition.level === 'OVERSTOCK' ? '>=' : '<=';
  return {
    verb: transition.kind === 'TRIGGERED' ? levelText : `${levelText} resolved`,
    label: name ? `${name} (${sku})` : sku,
    sku,
    location: shown(item.location, DISPLAY_BYTES.location),
    rule: shown(
      context.ruleName ? `${context.ruleName} (${context.ruleKey})` : context.ruleKey,
      DISPLAY_BYTES.rule,
    ),
    change: `${fmt(item.previousQuantity)} -> ${fmt(item.quantity)}`,
    comparison,
    threshold: `${comparison} ${transition.threshold}`,
  };
};

/** The subject line: printable ASCII within SNS's limit. */
const subjectOf = (text: AlertText, severity: Severity): string =>
  truncate(
    toAsciiSubject(`[${severity.toUpperCase()}] ${text.verb}: ${text.label} at ${text.location}`),
    SUBJECT_MAX_LENGTH,
  );

/** What the reader is told about automatic handling, or that they must act. */
const handlingLine = (transition: Transition, strategy: string | undefined): string => {
  if (transition.kind === 'TRIGGERED')
    return strategy
      ? `Automatic handling: ${strategy} will run.`
      : 'Automatic handling: none configured; please act.';
  return strategy ? `Automatic handling: ${strategy} will close out.` : 'No action needed.';
};

/** The e-mail body: one line per fact, then the handling. */
const emailOf = (
  text: AlertText,
  transition: Transition,
  item: AlertSubject,
  context: AlertContext,
): string =>
  [
    `${text.verb} for ${text.label} at ${text.location}.`,
    '',
    `Item:       ${text.label}`,
    `Location:   ${text.location}`,
    ...(item.category ? [`Category:   ${shown(item.category, DISPLAY_BYTES.category)}`] : []),
    `Quantity:   ${text.change}`,
    `Threshold:  ${text.threshold}`,
    `Rule:       ${text.rule}`,
    `Severity:   ${context.severity}`,
    `Alert id:   ${transition.alertId}`,
    `Occurred:   ${context.occurredAt}`,
    '',
    handlingLine(transition, context.strategy),
  ].join('\n');

/** The SMS: GSM-7 only, one segment, naming the strategy only when it is about to run. */
const smsOf = (text: AlertText, transition: Transition, strategy: string | undefined): string =>
  truncate(
    toGsm7(
      `${text.verb}: ${text.sku} @ ${text.location} qty ${text.change} (${text.comparison}${transition.threshold})` +
        (strategy && transition.kind === 'TRIGGERED' ? ` ${strategy}` : '') +
        ` #${transition.alertId.slice(0, 8)}`,
    ),
    SMS_MAX_LENGTH,
  );
