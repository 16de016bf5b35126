import { describe, expect, it } from 'vitest';
import { sendDigest } from '../../functions/digest-sender/sender.js';
import { publishEntryBytes, SnsLimits } from '../../shared/adapters/alert-publisher.js';
import {
  type DigestTopic,
  digestEntryOf as snsEntryOf,
} from '../../shared/adapters/digest-topic.js';
import { digestSubscriberOf, filterPolicyOf } from '../../shared/contracts/subscriptions.js';
import {
  DIGEST_MAX_LISTED,
  digestEntryOf,
  type LocalizedDigest,
} from '../../shared/domain/digest.js';
import { isLocale } from '../../shared/domain/locales.js';
import { alertContext, anAlert, lowStockTrigger } from '../support/alert-facts.js';

const window = {
  minutes: 15,
  since: '2026-11-25T12:00:00.000Z',
  until: '2026-11-25T12:15:00.000Z',
};
const ID = 'aaaaaaaaaaaa';

/**
 * The largest digest the contracts allow: 60 crossings of items whose sku, location, name,
 * category and rule key are as long as accepted, in `ch` (a control character is six bytes
 * once JSON-escaped, and the webhook body is escaped twice), for a subscriber of 75 locations.
 */
const largest = (ch: string) => {
  const text = (n: number) => ch.repeat(n);
  const entries = Array.from({ length: 60 }, (_, i) =>
    digestEntryOf(
      anAlert(
        {
          sku: text(252) + String(i).padStart(4, '0'),
          location: text(256),
          name: text(2000),
          category: text(500),
          previousQuantity: 20,
          quantity: 5,
        },
        { ...lowStockTrigger, alertId: `alert${String(i).padStart(17, '0')}` },
        { ...alertContext, ruleKey: text(256) },
      ),
    ),
  );
  const locations = Array.from({ length: 75 }, (_, i) => text(252) + String(i).padStart(4, '0'));
  const policy = filterPolicyOf('email', { resolved: true, locations }, 'zh-CN', {
    windowMinutes: 15,
    critical: 'immediate',
    id: ID,
  });
  const subscriber = digestSubscriberOf(policy, isLocale);
  if (!subscriber) throw new Error('not a digest subscriber');
  return { entries, subscriber };
};

/** The digest the sender hands its topic for these crossings. */
const sent = async ({ entries, subscriber }: ReturnType<typeof largest>) => {
  let digest: LocalizedDigest | undefined;
  const topic: DigestTopic = {
    subscribers: async () => [subscriber],
    send: async (_, rendered) => {
      digest = rendered;
    },
  };
  await sendDigest(topic)({ key: 'k', subscriber, window, entries });
  if (!digest) throw new Error('nothing sent');
  return { digest, bytes: publishEntryBytes(snsEntryOf(subscriber, digest, ID)) };
};

describe('a digest SNS would take, whatever the crossings hold', () => {
  it.each([
    ['ASCII', 'a'],
    ['CJK', '库'],
    ['quotes', '"'],
    ['control characters', '\u0001'],
  ])(
    'fits the message limit with %s, listing as many as fit and counting the rest',
    async (_, ch) => {
      const { digest, bytes } = await sent(largest(ch));
      expect(bytes).toBeLessThanOrEqual(SnsLimits.messageBytes);
      const body = JSON.parse(digest.https) as { count: number; alerts: unknown[]; more: number };
      expect(body.count).toBe(60);
      expect(body.alerts.length).toBeGreaterThan(0);
      expect(body.alerts.length + body.more).toBe(60);
    },
  );

  it('lists the usual number when they fit', async () => {
    const { digest } = await sent(largest('a'));
    expect((JSON.parse(digest.https) as { alerts: unknown[] }).alerts).toHaveLength(
      DIGEST_MAX_LISTED,
    );
  });
});
