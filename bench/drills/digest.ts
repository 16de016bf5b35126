/** The digest drill: windows closed again and again, concurrently, each digest sent once. */

import { loadEnvironment, type Subscriber } from '../../infra/config/environments.js';
import { Sandbox } from '../../sandbox/sandbox.js';
import { DIGEST_TICK_MINUTES, DigestDelivery } from '../../shared/contracts/subscriptions.js';
import { tickOf } from '../../shared/domain/digest.js';
import { DRILL_RULES, type DrillRow, sandboxPrefix } from './common.js';

/** An SMS subscriber on 15-minute digests (critical at once) and one in Chinese that digests everything. */
const DIGEST_SUBSCRIBERS: Subscriber[] = [
  {
    protocol: 'sms',
    endpoint: '+15555550100',
    filter: { resolved: true },
    locale: 'en',
    digest: { window: 15, critical: 'immediate' },
  },
  {
    protocol: 'email',
    endpoint: 'cangku@example.com',
    filter: { resolved: true },
    locale: 'zh-CN',
    digest: { window: 15, critical: 'digest' },
  },
];

/** How often Lambda invokes a tick that keeps failing: once and its two retries. */
const FAILED_TICK_ATTEMPTS = 3;

/**
 * `items` items fall into low stock (every third out of stock: critical), each stream batch
 * delivered twice. The tick before closes its (empty) window; the tick that closes the
 * crossings' window fails every attempt, SNS refusing every digest; the next tick closes it
 * late, twice at once (a redelivered tick), then once more. Each digest subscriber must get
 * exactly one digest, holding every crossing it did not get at once.
 */
export const digestDrill = async (endpoint: string, items: number): Promise<DrillRow> => {
  const base = loadEnvironment('dev');
  let snsDown = false;
  // The crossings' window: the one running now. The stock-monitor's clock starts in its middle
  // and runs on monotonic time, so no tick (nor a jump of the wall clock) falls between the
  // first crossing and the last, however long the run takes.
  const tick = DIGEST_TICK_MINUTES * 60_000;
  const window = tickOf(new Date(), DIGEST_TICK_MINUTES);
  const started = performance.now();
  const sandbox = await Sandbox.create({
    monitorClock: () => new Date(window + tick / 2 + (performance.now() - started)),
    endpoint,
    prefix: sandboxPrefix('digest'),
    pollIntervalMs: 50,
    streamDeliveries: 2,
    config: { ...base, subscribers: DIGEST_SUBSCRIBERS },
    faults: (service) => (snsDown && service === 'sns' ? 'InternalError' : undefined),
  });
  try {
    for (const rule of DRILL_RULES) await sandbox.putRule(rule);
    const skus = Array.from({ length: items }, (_, i) => `DIGEST-${i}`);
    for (const sku of skus) await sandbox.putItem({ sku, location: 'WH-1', quantity: 50 });
    await sandbox.settle();
    for (const [i, sku] of skus.entries())
      await sandbox.adjust(sku, 'WH-1', i % 3 === 0 ? -50 : -45);
    await sandbox.settle();
    // The tick at the window's end closes it; the one at its start, the (empty) window before.
    const at = window + tick;
    await sandbox.closeDigestWindows(new Date(window));
    snsDown = true;
    let failed = 0;
    for (let attempt = 0; attempt < FAILED_TICK_ATTEMPTS; attempt++)
      await sandbox.closeDigestWindows(new Date(at)).catch(() => failed++);
    snsDown = false;
    const next = new Date(at + tick);
    const concurrent = await Promise.allSettled([
      sandbox.closeDigestWindows(next),
      sandbox.closeDigestWindows(next),
    ]);
    await sandbox.closeDigestWindows(next);
    const refused = concurrent.filter((r) => r.status === 'rejected').length;
    return tallyDigests(sandbox, items, { failed, refused });
  } finally {
    await sandbox.stop();
  }
};

/** Digests per subscriber against one each, and the crossings each held against those due. */
const tallyDigests = (
  sandbox: Sandbox,
  items: number,
  { failed, refused }: { failed: number; refused: number },
): DrillRow => {
  // An item sold out opens low stock and out of stock (critical) at once.
  const critical = Math.ceil(items / 3);
  const due = [items, items + critical];
  let duplicates = 0;
  let losses = 0;
  const held: number[] = [];
  for (const [index, subscriber] of DIGEST_SUBSCRIBERS.entries()) {
    const digests = sandbox.outbox.filter((entry) =>
      [entry.attributes.delivery ?? []]
        .flat()
        .some((d) => DigestDelivery.pattern.test(d) && d.includes(`:${subscriber.protocol}:`)),
    );
    const crossings = digests.map((d) => (JSON.parse(d.webhook) as { count: number }).count);
    held.push(...crossings);
    duplicates += Math.max(0, digests.length - 1);
    if (digests.length === 0 || crossings[0] !== due[index]) losses++;
  }
  return {
    drill: 'digest: tick failed 3×, caught up, closed 3×, 2 at once',
    load: `${items} items sold down (${items + critical} crossings), 2 digest subscribers`,
    faultsInjected: failed + refused,
    duplicates,
    losses,
    detail: `crossings per digest ${held.join(', ')} (due ${due.join(', ')}); the window's tick failed ${failed}× (SNS down), closed at the next; ${refused} concurrent close(s) refused as in progress`,
  };
};
