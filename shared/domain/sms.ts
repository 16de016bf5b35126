import { graphemesOf } from './graphemes.js';

/**
 * One SMS segment, as carriers count it. A text made only of GSM 03.38 characters is sent in
 * GSM-7: 160 septets, the escape-table characters counting two. Any other character makes the
 * whole text UCS-2: 70 UTF-16 code units, so a character outside the BMP (most emoji) counts
 * two. https://docs.aws.amazon.com/sns/latest/dg/sms_publish-to-phone.html
 */
export const SmsSegment = {
  gsm7Septets: 160,
  ucs2Units: 70,
} as const;

export type SmsEncoding = 'GSM-7' | 'UCS-2';

// GSM 03.38 basic character set, and the escape table (each costs an escape septet too).
const GSM7_BASIC = new Set(
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà',
);
const GSM7_EXTENSION = new Set('^{}\\[~]|€\f');

/** Whether the text can be sent in GSM-7, as it is. */
export const isGsm7 = (text: string): boolean => {
  for (const ch of text) if (!GSM7_BASIC.has(ch) && !GSM7_EXTENSION.has(ch)) return false;
  return true;
};

/** The encoding an SMS of this text is sent in. */
export const smsEncodingOf = (text: string): SmsEncoding => (isGsm7(text) ? 'GSM-7' : 'UCS-2');

/** The length of the text in its encoding's units: septets (GSM-7) or UTF-16 code units (UCS-2). */
export const smsUnits = (text: string): number => {
  if (!isGsm7(text)) return text.length;
  let septets = 0;
  for (const ch of text) septets += GSM7_EXTENSION.has(ch) ? 2 : 1;
  return septets;
};

/** Whether the text fits one segment of its encoding. */
export const fitsOneSegment = (text: string): boolean =>
  smsUnits(text) <= (isGsm7(text) ? SmsSegment.gsm7Septets : SmsSegment.ucs2Units);

/** The character without its accents and other combining marks (ā → a). */
export const stripMarks = (ch: string): string => ch.normalize('NFKD').replace(/\p{M}/gu, '');

/**
 * The text in GSM-7 when that loses nothing a reader needs: Latin letters lose their accents
 * (ā → a) and → becomes >. Undefined when any character has no such stand-in (Chinese, emoji):
 * the caller then sends the text as it is, in UCS-2, rather than write '?' for it.
 */
export const gsm7Transliteration = (text: string): string | undefined => {
  let out = '';
  for (const ch of text) {
    if (GSM7_BASIC.has(ch) || GSM7_EXTENSION.has(ch)) out += ch;
    else if (ch === '→') out += '->';
    else {
      const base = stripMarks(ch);
      if (base.length === 0 || !isGsm7(base)) return undefined;
      out += base;
    }
  }
  return out;
};

/** The first `count` user-perceived characters of the text. */
const firstGraphemes = (text: string, count: number): string => {
  let end = 0;
  let taken = 0;
  for (const { segment, index } of graphemesOf(text)) {
    if (taken === count) break;
    end = index + segment.length;
    taken++;
  }
  return text.slice(0, end);
};

const graphemeCount = (text: string): number => [...graphemesOf(text)].length;

/** The ellipsis an encoding can carry: '…' is not in GSM-7. */
const ellipsisFor = (text: string): string => (isGsm7(text) ? '...' : '…');

/**
 * Writes an SMS that fits one segment. `write` builds the text from the free-text parts
 * (sku, location, …); while it does not fit, the longest part is cut, between user-perceived
 * characters, and marked with an ellipsis. If the fixed text alone is too long (huge
 * quantities), the whole text is cut at the end.
 */
export const fitSms = <K extends string>(
  parts: Readonly<Record<K, string>>,
  write: (parts: Readonly<Record<K, string>>) => string,
): string => {
  const full = write(parts);
  if (fitsOneSegment(full)) return full;
  const ellipsis = ellipsisFor(full);
  const kept = Object.fromEntries(
    Object.entries<string>(parts).map(([k, v]) => [k, { text: v, count: graphemeCount(v) }]),
  ) as Record<K, { text: string; count: number }>;
  const shown = () =>
    Object.fromEntries(
      Object.entries<{ text: string; count: number }>(kept).map(([k, v]) => [
        k,
        v.count === graphemeCount(v.text)
          ? v.text
          : `${firstGraphemes(v.text, v.count)}${ellipsis}`,
      ]),
    ) as Record<K, string>;
  let text = write(shown());
  while (!fitsOneSegment(text)) {
    const longest = Object.values<{ text: string; count: number }>(kept).sort(
      (a, b) => b.count - a.count,
    )[0];
    if (!longest || longest.count === 0) return cutToSegment(text);
    // Half the overflow in characters: most take one or two units, so this rarely cuts too much.
    longest.count = Math.max(0, longest.count - Math.max(1, Math.floor(overflowOf(text) / 2)));
    text = write(shown());
  }
  return text;
};

/** How many units the text is over one segment. */
const overflowOf = (text: string): number =>
  smsUnits(text) - (isGsm7(text) ? SmsSegment.gsm7Septets : SmsSegment.ucs2Units);

/** The text cut at its end to one segment, between user-perceived characters. */
const cutToSegment = (text: string): string => {
  const ellipsis = ellipsisFor(text);
  let count = graphemeCount(text);
  let cut = text;
  while (!fitsOneSegment(cut) && count > 0) {
    count--;
    cut = `${firstGraphemes(text, count)}${ellipsis}`;
  }
  return cut;
};
