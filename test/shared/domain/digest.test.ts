import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DIGEST_CATCH_UP_TICKS, DIGEST_WINDOWS } from '../../../shared/contracts/subscriptions.js';
import type { Transition } from '../../../shared/domain/crossing.js';
import {
  DIGEST_MAX_LISTED,
  type DigestEntry,
  type DigestWindow,
  digestEntryOf,
  planTick,
  renderDigest,
  type WindowMark,
  windowClosedAt,
  windowsAround,
  windowsClosedBy,
} from '../../../shared/domain/digest.js';
import { LEVELS, SEVERITIES } from '../../../shared/domain/levels.js';
import { LOCALES } from '../../../shared/domain/locales.js';
import { fitsOneSegment } from '../../../shared/domain/sms.js';
import { alertContext, anAlert, lowStockTrigger } from '../../support/alert-facts.js';

const WINDOW = {
  since: '2026-11-25T12:00:00.000Z',
  until: '2026-11-25T12:15:00.000Z',
  minutes: 15,
};

/** A buffered crossing, as the stock-monitor keeps it. */
const entry = (
  sku: string,
  location: string,
  quantity: number,
  transition: Partial<Transition> = {},
  severity: 'critical' | 'warning' | 'info' = 'warning',
  name?: string,
): DigestEntry =>
  digestEntryOf(
    anAlert(
      { sku, location, name, category: 'kitchen', previousQuantity: quantity + 4, quantity },
      { ...lowStockTrigger, alertId: `${sku}-${location}-alert-0000`, ...transition },
      { ...alertContext, severity },
    ),
  );

const sample: DigestEntry[] = [
  entry('MUG-1', 'WH-1', 8, {}, 'warning', 'Blue mug'),
  entry('CUP-2', 'WH-2', 0, { level: 'OUT_OF_STOCK', threshold: 0 }, 'critical', '茶杯'),
  entry('PLATE-3', 'WH-1', 40, { kind: 'RESOLVED' }, 'warning'),
  entry('BOWL-4', 'WH-3', 250, { level: 'OVERSTOCK', threshold: 200 }, 'info'),
];

describe('digests', () => {
  it.each(LOCALES)('read in %s', (locale) => {
    expect(renderDigest(sample, locale, WINDOW)).toMatchSnapshot();
  });

  it('send an SMS within one segment with the most severe first and a count of the rest, whatever the items', () => {
    const entries = fc.array(
      fc.record({
        sku: fc.string({ minLength: 1, maxLength: 40 }),
        location: fc.string({ minLength: 1, maxLength: 20 }),
        quantity: fc.integer({ min: -5, max: 10_000_000 }),
        level: fc.constantFrom(...LEVELS),
        kind: fc.constantFrom('TRIGGERED', 'RESOLVED') as fc.Arbitrary<'TRIGGERED' | 'RESOLVED'>,
        severity: fc.constantFrom(...SEVERITIES),
      }),
      { minLength: 1, maxLength: 60 },
    );
    fc.assert(
      fc.property(entries, fc.constantFrom(...LOCALES), (items, locale) => {
        const digest = renderDigest(
          items.map((i) =>
            entry(i.sku, i.location, i.quantity, { level: i.level, kind: i.kind }, i.severity),
          ),
          locale,
          WINDOW,
        );
        expect(fitsOneSegment(digest.sms)).toBe(true);
        expect(digest.subject).toMatch(/^[\x20-\x7e]+$/);
        const body = JSON.parse(digest.https) as { count: number; alerts: unknown[]; more: number };
        expect(body.count).toBe(items.length);
        expect(body.alerts.length + body.more).toBe(items.length);
        expect(body.alerts.length).toBeLessThanOrEqual(DIGEST_MAX_LISTED);
      }),
    );
  });

  it('say how many did not fit the SMS', () => {
    const many = Array.from({ length: 30 }, (_, i) => entry(`SKU-${i}`, 'WH-1', i));
    const { sms } = renderDigest(many, 'en', WINDOW);
    const shown = sms.split(';').length;
    expect(sms).toMatch(new RegExp(`\\+${30 - shown} more$`));
    expect(renderDigest(many, 'zh-CN', WINDOW).sms).toMatch(/另\d+条$/);
  });

  it('close a window only at its own boundaries, a little after the tick', () => {
    const at = (iso: string) => new Date(iso);
    expect(windowClosedAt(at('2026-11-25T12:16:00Z'), 15, 15)).toEqual({
      since: '2026-11-25T12:00:00.000Z',
      until: '2026-11-25T12:15:00.000Z',
      minutes: 15,
    });
    expect(windowClosedAt(at('2026-11-25T12:16:00Z'), 60, 15)).toBeUndefined();
    expect(windowClosedAt(at('2026-11-25T13:01:00Z'), 60, 15)).toMatchObject({
      since: '2026-11-25T12:00:00.000Z',
    });
  });

  it('leave no window unclosed while a tick of the catch-up succeeds, and close each once per tick (property)', () => {
    const tick = 15 * 60_000;
    fc.assert(
      fc.property(
        fc.integer({
          min: Date.parse('2026-01-01T00:00:00Z'),
          max: Date.parse('2027-01-01T00:00:00Z'),
        }),
        fc.constantFrom(...DIGEST_WINDOWS),
        fc.integer({ min: 0, max: 12 }),
        fc.integer({ min: 0, max: 14 * 60_000 }),
        (start, minutes, catchUp, lag) => {
          const lastTick = Math.floor(start / tick) * tick;
          const windows = windowsClosedBy(new Date(lastTick + lag), minutes, 15, catchUp);
          // Exactly the windows of that length that ended at this tick or the `catchUp` before it.
          const ends: number[] = [];
          for (let t = lastTick - catchUp * tick; t <= lastTick; t += tick)
            if (t % (minutes * 60_000) === 0) ends.push(t);
          expect(windows.map((w) => Date.parse(w.until))).toEqual(ends);
          for (const w of windows) {
            expect(Date.parse(w.until) - Date.parse(w.since)).toBe(minutes * 60_000);
            expect(w.minutes).toBe(minutes);
          }
        },
      ),
    );
  });

  it('close each window of a length once from its first successful tick on, and none before, whatever ticks fail within the catch-up or run twice at once (property)', () => {
    // A model of the schedule: ticks every 15 minutes, each failing or not (never more than
    // the catch-up in a row), some delivered twice at once (the second planning after the
    // first wrote some of its skip marks), the marks they write, and the windows they send.
    const tick = 15 * 60_000;
    const k = DIGEST_CATCH_UP_TICKS;
    const run = fc.record({ ok: fc.boolean(), twice: fc.boolean(), marksBefore: fc.nat(10) });
    const outcomes = fc.array(run, { minLength: 1, maxLength: 250 }).map((raw) => {
      let streak = 0;
      return raw.map((t) => {
        streak = t.ok || streak === k ? 0 : streak + 1;
        return { ...t, ok: streak === 0 };
      });
    });
    fc.assert(
      fc.property(
        fc.constantFrom(15, 30, 60, 180, 1440),
        fc.integer({ min: 0, max: 95 }),
        outcomes,
        (minutes, startTick, ticks) => {
          const name = (w: DigestWindow) => `${w.minutes}#${w.until}`;
          const marks = new Map<string, WindowMark>();
          const sent = new Set<string>();
          const start = Date.parse('2026-11-25T00:00:00Z') + startTick * tick;
          const successes: number[] = [];
          ticks.forEach(({ ok, twice, marksBefore }, i) => {
            if (!ok) return;
            const at = new Date(start + i * tick + 2 * 60_000);
            successes.push(start + i * tick);
            const around = windowsAround(at, minutes, 15, k);
            const plan = () => planTick(around, (w) => marks.get(name(w)), at, 15);
            const mark = (w: DigestWindow, how: WindowMark['how']) =>
              marks.set(name(w), { how, closedAt: at.toISOString() });
            const first = plan();
            // A second delivery plans after the first wrote some of its skip marks.
            for (const w of first.skip.slice(0, marksBefore)) mark(w, 'skipped');
            const plans = twice ? [first, plan()] : [first];
            for (const p of plans) {
              for (const w of p.skip) mark(w, 'skipped');
              for (const w of p.close) {
                sent.add(name(w));
                mark(w, 'sent');
              }
            }
          });
          const [first, last] = [successes[0], successes.at(-1)];
          const expected: string[] = [];
          if (first !== undefined && last !== undefined)
            for (let t = first; t <= last; t += tick)
              if (t % (minutes * 60_000) === 0)
                expected.push(`${minutes}#${new Date(t).toISOString()}`);
          // Sent twice by two deliveries is one digest (idempotency); what matters is which.
          expect([...sent].sort()).toEqual(expected.sort());
        },
      ),
      { numRuns: 300 },
    );
  });
});
