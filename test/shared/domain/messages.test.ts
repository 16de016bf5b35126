import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Transition } from '../../../shared/domain/crossing.js';
import {
  buildAlertMessage,
  clip,
  DISPLAY_BYTES,
  SMS_MAX_LENGTH,
  SUBJECT_MAX_LENGTH,
  toGsm7,
  utf8Length,
} from '../../../shared/domain/messages.js';

const transition: Transition = {
  kind: 'TRIGGERED',
  level: 'LOW_STOCK',
  alertId: 'abcdefghijklmnopqrstuv',
  threshold: 10,
  announced: true,
};
const context = {
  ruleKey: 'default',
  severity: 'warning' as const,
  strategy: 'purchase-order',
  channels: ['email', 'sms'],
  occurredAt: '2026-11-25T12:00:00.000Z',
};

const GSM7 = /^[@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&'()*+,\-./0-9:;<=>?¡A-ZÄÖÑÜ§¿a-zäöñüà]*$/;

describe('buildAlertMessage', () => {
  it('writes a readable e-mail and a short SMS', () => {
    const message = buildAlertMessage(
      transition,
      {
        sku: 'SKU-1',
        location: 'WH-1',
        name: 'Blue mug',
        category: 'kitchen',
        previousQuantity: 12,
        quantity: 8,
      },
      context,
    );
    expect(message.subject).toBe('[WARNING] Low stock: Blue mug (SKU-1) at WH-1');
    expect(message.email).toContain('Quantity:   12 -> 8');
    expect(message.email).toContain('Threshold:  <= 10');
    expect(message.email).toContain('Automatic handling: purchase-order will run.');
    expect(message.summary).toBe(
      'Low stock: Blue mug (SKU-1) at WH-1, quantity 12 -> 8 (<= 10), alert abcdefghijklmnopqrstuv.',
    );
    expect(message.sms).toBe('Low stock: SKU-1 @ WH-1 qty 12 -> 8 (<=10) purchase-order #abcdefgh');
    expect(message.attributes).toEqual({
      level: 'LOW_STOCK',
      severity: 'warning',
      sku: 'SKU-1',
      location: 'WH-1',
      category: 'kitchen',
      transition: 'TRIGGERED',
      channels: ['email', 'sms'],
    });
  });

  it('keeps every SMS within 160 GSM-7 characters and every subject within SNS limits', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 300 }),
        fc.string({ minLength: 1, maxLength: 300 }),
        fc.integer(),
        (sku, name, q) => {
          const message = buildAlertMessage(
            transition,
            { sku, location: 'Lagerhaus Köln ✓', name, previousQuantity: q, quantity: q - 1 },
            context,
          );
          expect(message.sms.length).toBeLessThanOrEqual(SMS_MAX_LENGTH);
          expect(message.sms).toMatch(GSM7);
          expect(message.subject.length).toBeLessThanOrEqual(SUBJECT_MAX_LENGTH);
          expect(message.subject).toMatch(/^[\x20-\x7e]+$/);
        },
      ),
    );
  });

  it('maps accents to GSM-7 and replaces what it cannot', () => {
    expect(toGsm7('Café → Köln ā 😀')).toBe('Café > Köln a ?');
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
    const started = performance.now();
    const cut = clip('ä'.repeat(150_000), DISPLAY_BYTES.name);
    expect(performance.now() - started).toBeLessThan(100);
    expect(utf8Length(cut)).toBeLessThanOrEqual(DISPLAY_BYTES.name);
  });
});

describe('buildAlertMessage with free text of any length', () => {
  const longName = `${'Steingut-Becher '.repeat(18_750)}`; // 300,000 bytes
  const build = (overrides: Partial<Parameters<typeof buildAlertMessage>[1]> = {}) =>
    buildAlertMessage(
      transition,
      {
        sku: 'MUG-1',
        location: 'WH-1',
        name: longName,
        category: 'k'.repeat(5_000),
        previousQuantity: 12,
        quantity: 8,
        ...overrides,
      },
      { ...context, ruleName: 'Standard', ruleKey: `category#${'k'.repeat(5_000)}` },
    );

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
    expect(message.attributes.category).toBe(`${'k'.repeat(DISPLAY_BYTES.category - 3)}…`);
    expect(utf8Length(message.email)).toBeLessThan(4 * 1024);
    expect(utf8Length(message.summary)).toBeLessThan(2 * 1024);
    expect(message.subject).toBe(
      `[WARNING] Low stock: ${'Steingut-Becher '.repeat(4)}Steingut-Bec...`,
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
    expect(message.attributes.sku).toBe(sku);
    expect(message.attributes.location).toBe('Lagerhaus Köln');
    expect(message.email).toContain(`Item:       ${'Steingut-Becher '.repeat(2)}`);
  });
});
