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

/**
 * Builds the subject, e-mail body, SMS text and filterable attributes of an alert.
 * `strategy` names the automatic handling that will run, if any.
 */
export const buildAlertMessage = (
  transition: Transition,
  item: AlertSubject,
  context: {
    readonly ruleKey: string;
    readonly ruleName?: string | undefined;
    readonly severity: Severity;
    readonly strategy?: string | undefined;
    readonly channels: readonly string[];
    readonly occurredAt: string;
  },
): AlertMessage => {
  const levelText = LEVEL_TEXT[transition.level];
  const label = item.name ? `${item.name} (${item.sku})` : item.sku;
  const verb = transition.kind === 'TRIGGERED' ? levelText : `${levelText} resolved`;
  const subject = truncate(
    toAsciiSubject(`[${context.severity.toUpperCase()}] ${verb}: ${label} at ${item.location}`),
    SUBJECT_MAX_LENGTH,
  );
  const change = `${fmt(item.previousQuantity)} -> ${fmt(item.quantity)}`;
  const comparison = transition.level === 'OVERSTOCK' ? '>=' : '<=';
  const strategyLine =
    transition.kind === 'TRIGGERED'
      ? context.strategy
        ? `Automatic handling: ${context.strategy} will run.`
        : 'Automatic handling: none configured; please act.'
      : context.strategy
        ? `Automatic handling: ${context.strategy} will close out.`
        : 'No action needed.';
  const email = [
    `${verb} for ${label} at ${item.location}.`,
    '',
    `Item:       ${label}`,
    `Location:   ${item.location}`,
    ...(item.category ? [`Category:   ${item.category}`] : []),
    `Quantity:   ${change}`,
    `Threshold:  ${comparison} ${transition.threshold}`,
    `Rule:       ${context.ruleName ? `${context.ruleName} (${context.ruleKey})` : context.ruleKey}`,
    `Severity:   ${context.severity}`,
    `Alert id:   ${transition.alertId}`,
    `Occurred:   ${context.occurredAt}`,
    '',
    strategyLine,
  ].join('\n');
  const sms = truncate(
    toGsm7(
      `${verb}: ${item.sku} @ ${item.location} qty ${change} (${comparison}${transition.threshold})` +
        (context.strategy && transition.kind === 'TRIGGERED' ? ` ${context.strategy}` : '') +
        ` #${transition.alertId.slice(0, 8)}`,
    ),
    SMS_MAX_LENGTH,
  );
  return {
    id: transition.alertId,
    subject,
    email,
    sms,
    attributes: {
      level: transition.level,
      severity: context.severity,
      sku: item.sku,
      location: item.location,
      category: item.category ?? 'uncategorised',
      transition: transition.kind,
      channels: context.channels,
    },
  };
};
