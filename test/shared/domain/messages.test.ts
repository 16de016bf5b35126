import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import type { Transition } from '../../../shared/domain/crossing.js';
import { LEVELS } from '../../../shared/domain/levels.js';
import { CATALOGUES, LOCALES, type Locale } from '../../../shared/domain/locales.js';
import {
  type AlertSubject,
  clip,
  DISPLAY_BYTES,
  renderAlert,
  SUBJECT_MAX_LENGTH,
  utf8Length,
} from '../../../shared/domain/messages.js';
import { isGsm7, SmsSegment, smsUnits } from '../../../shared/domain/sms.js';
import {
  anAlert,
  alertContext as context,
  lowStockTrigger as transition,
} from '../../support/alert-facts.js';

const USD = { currency: 'USD' };
const render = (
  item: AlertSubject,
  locale: Locale = 'en',
  t: Transition = transition,
  c = context,
) => renderAlert(anAlert(item, t, c), locale, USD);

const mug: AlertSubject = {
  sku: 'SKU-1',
  location: 'WH-1',
  name: 'Blue mug',
  category: 'kitchen',
  previousQuantity: 12,
  quantity: 8,
  price: 1234.5,
};

/** Whether the SMS fits one segment of the encoding it needs. */
const oneSegment = (sms: string) =>
  isGsm7(sms) ? smsUnits(sms) <= SmsSegment.gsm7Septets : sms.length <= SmsSegment.ucs2Units;

describe('renderAlert', () => {
  it('writes a readable e-mail and a short SMS', () => {
    const message = render(mug);
    expect(message.subject).toBe('[WARNING] Low stock: Blue mug (SKU-1) at WH-1');
    expect(message.email).toContain('Quantity:   12 -> 8');
    expect(message.email).toContain('Threshold:  <= 10');
    expect(message.email).toContain('Price:      $1,234.50');
    expect(message.summary).toBe(
      'Low stock: Blue mug (SKU-1) at WH-1, quantity 12 -> 8 (<= 10), alert abcdefghijklmnopqrstuv.',
    );
    expect(message.sms).toBe('Low stock: SKU-1 @ WH-1 qty 12 -> 8 (<=10) purchase-order #abcdefgh');
    expect(anAlert(mug).attributes).toEqual({
      level: 'LOW_STOCK',
      severity: 'warning',
      sku: 'SKU-1',
      location: 'WH-1',
      category: 'kitchen',
      transition: 'TRIGGERED',
      channels: ['email', 'sms'],
    });
  });

  it('never promises that a strategy will run: the executor decides, and the ledger records it (#15)', () => {
    for (const locale of LOCALES) {
      const { email } = render(mug, locale);
      expect(email).not.toMatch(/will run/);
      expect(email).toContain(CATALOGUES[locale].strategies['purchase-order']);
    }
    expect(render(mug).email).toMatch(
      /Automatic handling: purchase-order, as the strategy executor decides .*; the ledger records what it did\.$/,
    );
    expect(render(mug, 'zh-CN').email).toMatch(/是否执行由策略执行器决定/);
  });

  it('writes every text from the locale catalogue, numbers and prices with Intl, the name as written', () => {
    const item = { ...mug, name: '蓝色马克杯', previousQuantity: 12_000, quantity: 8_000 };
    const message = render(item, 'zh-CN', { ...transition, threshold: 10_000 });
    expect(message.email.split('\n')[0]).toBe('蓝色马克杯 (SKU-1)（WH-1）库存不足。');
    expect(message.email).toContain('数量:');
    expect(message.email).toContain('12,000 → 8,000');
    expect(message.email).toContain('US$1,234.50');
    expect(message.email).toContain('2026年11月25日');
    expect(message.sms).toBe(
      '库存不足：SKU-1 @ WH-1 数量 12,000 → 8,000（≤10,000）采购订单 #abcdefgh',
    );
    expect(message.subject).toBe('[WARNING] LOW_STOCK SKU-1 @ WH-1');
  });

  describe('one snapshot per locale per message kind', () => {
    const kinds: [string, Transition, AlertSubject][] = [
      ['low stock triggered', transition, mug],
      [
        'out of stock triggered',
        { ...transition, level: 'OUT_OF_STOCK', threshold: 0 },
        { ...mug, quantity: 0 },
      ],
      [
        'overstock triggered',
        { ...transition, level: 'OVERSTOCK', threshold: 100 },
        { ...mug, quantity: 120 },
      ],
      [
        'low stock resolved',
        { ...transition, kind: 'RESOLVED' },
        { ...mug, previousQuantity: 8, quantity: 30 },
      ],
    ];
    for (const locale of LOCALES)
      for (const [kind, t, item] of kinds)
        it(`${locale}: ${kind}`, () => {
          const message = render(item, locale, t);
          expect(oneSegment(message.sms)).toBe(true);
          expect(message).toMatchSnapshot();
        });
    it.each(LOCALES)('%s: no strategy configured', (locale) => {
      expect(
        render(mug, locale, transition, { ...context, strategy: undefined }),
      ).toMatchSnapshot();
    });
  });

  it('keeps every SMS within one segment of its encoding, never writing ? for a character it was given', () => {
    const text = fc.oneof(
      fc.string({ maxLength: 300 }),
      fc.string({ unit: 'grapheme', maxLength: 120 }),
      fc.string({ unit: fc.constantFrom(...'仓库杯子上海北京😀🇨🇳é€[]'), maxLength: 80 }),
    );
    fc.assert(
      fc.property(
        text,
        text,
        fc.string({ minLength: 1, maxLength: 300 }),
        fc.integer(),
        fc.constantFrom(...LOCALES),
        fc.constantFrom(...LEVELS),
        (sku, location, name, q, locale, level) => {
          const item = { sku, location, name, previousQuantity: q, quantity: q - 1 };
          const message = render(item, locale, { ...transition, level });
          expect(oneSegment(message.sms)).toBe(true);
          expect(message.sms).not.toMatch(
            /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/,
          ); // no lone surrogate
          const questionMarks = (t: string) => [...t].filter((c) => c === '?').length;
          expect(questionMarks(message.sms)).toBeLessThanOrEqual(questionMarks(sku + location));
          expect(message.sms).toContain(CATALOGUES[locale].levels[level]);
          expect(message.subject.length).toBeLessThanOrEqual(SUBJECT_MAX_LENGTH);
          expect(message.subject).toMatch(/^[\x20-\x7e]+$/);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('sends Latin text in GSM-7 (accents dropped only where GSM-7 lacks them) and Chinese in UCS-2', () => {
    const latin = render({ ...mug, sku: 'Café-ā', location: 'Köln' });
    expect(latin.sms).toMatch(/^Low stock: Café-a @ Köln /);
    expect(isGsm7(latin.sms)).toBe(true);
    const chinese = render({ ...mug, sku: '杯-1', location: '上海仓' });
    expect(chinese.sms).toMatch(/^Low stock: 杯-1 @ 上海仓 /);
    expect(isGsm7(chinese.sms)).toBe(false);
    expect(chinese.sms.length).toBeLessThanOrEqual(SmsSegment.ucs2Units);
    const zh = render({ ...mug, sku: 'X'.repeat(200), location: '上海仓' }, 'zh-CN');
    expect(zh.sms.length).toBeLessThanOrEqual(70);
    expect(zh.sms).toMatch(/^库存不足：X+… @ 上海仓 数量/);
  });

  it('keeps a subject under 100 characters, as SNS Publish requires, however long the sku', () => {
    // Prepare: a sku long enough that the subject must be cut
    const item = { ...mug, sku: `SKU-${'9'.repeat(200)}` };

    // Act
    const { subject } = render(item);

    // Assess: "less than 100 characters long" (API_Publish.html), so 99 at most
    expect(subject.length).toBe(99);
    expect(subject.endsWith('...')).toBe(true);
  });

  it('counts an emoji as two UTF-16 units of a UCS-2 segment', () => {
    const message = render({ ...mug, sku: '😀'.repeat(60) }, 'zh-CN');
    expect(message.sms.length).toBeLessThanOrEqual(70);
    expect(message.sms).toContain('😀…');
  });
});

describe('clip', () => {
  const graphemeEnds = (text: string) =>
    new Set(
      [...new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(text)].map(
        (s) => s.index + s.segment.length,
      ),
    );

  it('keeps text that fits and cuts the rest with an ellipsis, within the bytes', () => {
    expect(clip('Blue mug', 8)).toBe('Blue mug');
    expect(clip('Blue mug!', 8)).toBe('Blue …');
    expect(utf8Length('Blue …')).toBe(8);
  });

  it('never cuts inside a surrogate pair, a combining sequence, a flag or a ZWJ emoji', () => {
    expect(clip('ab😀cdef', 8)).toBe('ab…'); // 😀 is 4 bytes: a, b and … take 5 of 8
    expect(clip('ab😀cdef', 9)).toBe('ab😀…');
    expect(clip('cafe\u0301 noir', 9)).toBe('cafe\u0301…'); // é as e + combining acute
    expect(clip('cafe\u0301 noir', 8)).toBe('caf…'); // not 'cafe' without its accent
    expect(clip('🇩🇪🇫🇷', 11)).toBe('🇩🇪…');
    expect(clip('👩‍👩‍👧 family', 20)).toBe('…'); // the 18-byte cluster does not fit beside …
    expect(clip('👩‍👩‍👧 family', 21)).toBe('👩‍👩‍👧…');
  });

  it('cuts any text to at most the bytes, at a boundary between characters', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ unit: 'binary', maxLength: 400 }), fc.string({ unit: 'grapheme' })),
        fc.integer({ min: 3, max: 300 }),
        (text, maxBytes) => {
          const cut = clip(text, maxBytes);
          expect(utf8Length(cut)).toBeLessThanOrEqual(maxBytes);
          if (cut === text) return;
          const kept = cut.slice(0, -1);
          expect(cut.endsWith('…')).toBe(true);
          expect(text.startsWith(kept)).toBe(true);
          if (kept.length > 0) expect(graphemeEnds(text).has(kept.length)).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('reads no more of a 300 KB text than it keeps', () => {
    // Counted in characters segmented, not timed: a timed bound fails on a loaded machine.
    const segment = Intl.Segmenter.prototype.segment;
    let read = 0;
    vi.spyOn(Intl.Segmenter.prototype, 'segment').mockImplementation(function (
      this: Intl.Segmenter,
      text: string,
    ) {
      const segments = segment.call(this, text);
      return {
        containing: segments.containing.bind(segments),
        *[Symbol.iterator]() {
          for (const each of segments) {
            read++;
            yield each;
          }
        },
      } as Intl.Segments;
    });
    try {
      const cut = clip('ä'.repeat(150_000), DISPLAY_BYTES.name);
      expect(utf8Length(cut)).toBeLessThanOrEqual(DISPLAY_BYTES.name);
      // The characters kept, and the one that did not fit beside the ellipsis.
      expect(read).toBe(cut.length);
    } finally {
      vi.restoreAllMocks();
    }
  });
});

describe('buildAlertMessage with free text of any length', () => {
  const longName = `${'Steingut-Becher '.repeat(18_750)}`; // 300,000 bytes
  const item = (overrides: Partial<AlertSubject>): AlertSubject => ({
    sku: 'MUG-1',
    location: 'WH-1',
    name: longName,
    category: 'k'.repeat(5_000),
    previousQuantity: 12,
    quantity: 8,
    ...overrides,
  });
  const ruled = { ...context, ruleName: 'Standard', ruleKey: `category#${'k'.repeat(5_000)}` };
  const alert = (overrides: Partial<AlertSubject> = {}) =>
    anAlert(item(overrides), transition, ruled);
  const build = (overrides: Partial<AlertSubject> = {}) => renderAlert(alert(overrides), 'en', USD);

  it('cuts a 300 KB name, a long category and rule to a few hundred bytes each, with an ellipsis', () => {
    const message = build();

    expect(utf8Length(longName)).toBe(300_000);
    const item = message.email.split('\n').find((line) => line.startsWith('Item:'));
    expect(item).toContain('… (MUG-1)');
    expect(utf8Length(item ?? '')).toBeLessThan(DISPLAY_BYTES.name + 32);
    expect(message.email).toContain(`Category:   ${'k'.repeat(DISPLAY_BYTES.category - 3)}…`);
    const rule = 'Standard (category#';
    expect(message.email).toContain(
      `Rule:       ${rule}${'k'.repeat(DISPLAY_BYTES.rule - rule.length - 3)}…\n`,
    );
    expect(alert().attributes.category).toBe(`${'k'.repeat(DISPLAY_BYTES.category - 3)}…`);
    expect(utf8Length(message.email)).toBeLessThan(4 * 1024);
    expect(utf8Length(message.summary)).toBeLessThan(2 * 1024);
    expect(message.subject).toBe(
      `[WARNING] Low stock: ${'Steingut-Becher '.repeat(4)}Steingut-Be...`,
    );
    expect(message.subject.length).toBeLessThanOrEqual(SUBJECT_MAX_LENGTH);
    expect(message.sms).toBe('Low stock: MUG-1 @ WH-1 qty 12 -> 8 (<=10) purchase-order #abcdefgh');
  });

  it('keeps line breaks in a name from breaking the e-mail layout', () => {
    const message = build({ name: 'Mug\nSeverity:   none\r\n' });
    expect(message.email).toContain('Item:       Mug Severity:   none   (MUG-1)');
    expect(message.email.split('\n').filter((l) => l.startsWith('Severity:'))).toHaveLength(1);
  });

  it('keeps the sku and location whole in the attributes subscribers filter on', () => {
    const sku = 'S'.repeat(256);
    const message = build({ sku, location: 'Lagerhaus Köln' });
    expect(alert({ sku, location: 'Lagerhaus Köln' }).attributes.sku).toBe(sku);
    expect(alert({ sku, location: 'Lagerhaus Köln' }).attributes.location).toBe('Lagerhaus Köln');
    expect(message.email).toContain(`Item:       ${'Steingut-Becher '.repeat(2)}`);
  });
});
