import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Transition } from '../../../shared/domain/crossing.js';
import {
  buildAlertMessage,
  SMS_MAX_LENGTH,
  SUBJECT_MAX_LENGTH,
  toGsm7,
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
