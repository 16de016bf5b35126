import { randomUUID } from 'node:crypto';
import type { EventBridgeEvent } from 'aws-lambda';
import { matchesPattern } from './event-pattern.js';
import type { WireEvent } from './local-transport.js';

/** A rule on the local bus: the same pattern object the stack deploys, and its target. */
export interface LocalRule {
  readonly name: string;
  readonly pattern: Record<string, unknown>;
  /** Invokes the target in execution environment `lane` (0 … concurrency − 1). */
  readonly target: (event: EventBridgeEvent<string, unknown>, lane: number) => Promise<unknown>;
  /** Attempts after the first (Lambda's asynchronous retries, for a Lambda target). */
  readonly retryAttempts: number;
  /**
   * How long after its failed attempt `attempt` (1, 2, …) the event is run again; meanwhile the
   * environment takes other events (default: 100 ms doubling, at most 2 s).
   */
  readonly retryDelayMs?: (attempt: number) => number;
  /** Execution environments working in parallel, each one event at a time (default 1). */
  readonly concurrency?: number;
}

export interface BusRecord {
  readonly event: EventBridgeEvent<string, Record<string, unknown>>;
  readonly matchedRules: string[];
}

/**
 * How far the local bus departs from put order, as EventBridge and Lambda's asynchronous
 * invocation may: neither promises any order, and retries and archive replays arrive late.
 */
export interface BusDisorder {
  /** Each delivery waits a random 0 … maxDelayMs before an environment takes it. */
  readonly maxDelayMs: number;
  /** Share of deliveries (0 … 1) delivered once more after the first one finished. */
  readonly redeliveryRate?: number;
  /**
   * How long after the first delivery finished a redelivery comes: a random
   * redeliveryDelayMs … 2 × redeliveryDelayMs (default 10 × maxDelayMs), late enough that the
   * level may have resolved meanwhile, like a late retry or an archive replay.
   */
  readonly redeliveryDelayMs?: number;
  /** Seed of the delays and of which deliveries come again, so a run can be repeated. */
  readonly seed?: number;
}

/**
 * The sandbox's default: a little jitter, so nothing can rely on put order, and an occasional
 * late redelivery, so nothing can rely on exactly once; small enough that the console reads
 * in order for a person watching the demo.
 */
export const SANDBOX_BUS_DISORDER: BusDisorder = {
  maxDelayMs: 50,
  redeliveryRate: 0.02,
  redeliveryDelayMs: 500,
};

/** Put order, exactly once: only for tests that need a fixed sequence of deliveries. */
export const IN_ORDER: BusDisorder = { maxDelayMs: 0, redeliveryRate: 0 };

/** An execution environment of a rule's target: the events it runs, one at a time. */
interface Lane {
  tail: Promise<void>;
  depth: number;
}

/** A target's retry delay unless its rule says otherwise: 100 ms, doubling, at most 2 s. */
const backoffMs = (attempt: number): number => Math.min(2000, 100 * 2 ** (attempt - 1));

/** mulberry32: a small seeded generator, enough for reproducible delays. */
export const seededRandom = (seed: number): (() => number) => {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
};

export interface BusDeadLetter {
  readonly rule: string;
  readonly event: EventBridgeEvent<string, unknown>;
  readonly reason: string;
  readonly attempts: number;
}

/**
 * The inventory bus, locally: every event is recorded with the rules it matched and delivered
 * asynchronously to each matching rule's target, with retries and a dead-letter list. Retry
 * delays are compressed (100 ms doubling, at most 2 s) so a sandbox run stays short. A target handles one
 * event at a time, like a single Lambda execution environment.
 *
 * It gives no ordering AWS would not give: each delivery is held a random 0 … `maxDelayMs`
 * before an environment takes it, so later events overtake earlier ones (also on one
 * environment), and a share of deliveries come again later, after the first finished. The
 * default ({@link SANDBOX_BUS_DISORDER}: up to 50 ms of jitter, 2 % delivered again 0.5–1 s
 * later) is enough that nothing can rely on order or on exactly once, and small enough that
 * the demo's console still reads in order; drills widen it. `reordered` counts deliveries
 * that started before an event put earlier for the same rule, `redelivered` the second
 * deliveries.
 */
export class LocalBus {
  private pending = 0;
  /** One invocation at a time per execution environment, as in Lambda. */
  private readonly lanes = new Map<string, Lane[]>();
  private readonly random: () => number;
  /** Per rule: the next put number, and the put numbers that started out of turn. */
  private readonly order = new Map<
    string,
    { next: number; lowest: number; started: Set<number> }
  >();
  /** Deliveries that started before an event put earlier for the same rule. */
  reordered = 0;
  /** Deliveries made a second time, late. */
  redelivered = 0;

  constructor(
    private readonly rules: readonly LocalRule[],
    private readonly listeners: {
      readonly onEvent: (record: BusRecord) => void;
      readonly onDeadLetter: (letter: BusDeadLetter) => void;
    },
    private readonly disorder: BusDisorder = SANDBOX_BUS_DISORDER,
    private readonly account = '000000000000',
    private readonly region = 'eu-west-1',
  ) {
    this.random = seededRandom(disorder.seed ?? 1);
  }

  get idle(): boolean {
    return this.pending === 0;
  }

  put(entries: readonly WireEvent[]): void {
    for (const entry of entries) {
      const event: EventBridgeEvent<string, Record<string, unknown>> = {
        version: '0',
        id: randomUUID(),
        'detail-type': entry.DetailType,
        source: entry.Source,
        account: this.account,
        time: new Date(
          typeof entry.Time === 'number' ? entry.Time * 1000 : (entry.Time ?? Date.now()),
        )
          .toISOString()
          .replace(/\.\d{3}Z$/, 'Z'),
        region: this.region,
        resources: [],
        detail: JSON.parse(entry.Detail) as Record<string, unknown>,
      };
      const matched = this.rules.filter((rule) =>
        matchesPattern(rule.pattern, event as unknown as Record<string, unknown>),
      );
      this.listeners.onEvent({ event, matchedRules: matched.map((r) => r.name) });
      for (const rule of matched) this.deliver(rule, event);
    }
  }

  /**
   * Delivers a dead-lettered event again, as an operator redrives the function's DLQ: the same
   * event (its id included) to the rules it matches, not recorded as a new one.
   */
  redrive(event: EventBridgeEvent<string, Record<string, unknown>>): void {
    for (const rule of this.rules)
      if (matchesPattern(rule.pattern, event as unknown as Record<string, unknown>))
        this.deliver(rule, event);
  }

  private deliver(rule: LocalRule, event: EventBridgeEvent<string, unknown>): void {
    const order = this.order.get(rule.name) ?? { next: 0, lowest: 0, started: new Set() };
    this.order.set(rule.name, order);
    const put = order.next++;
    const { maxDelayMs, redeliveryRate = 0 } = this.disorder;
    const delay = Math.floor(this.random() * (maxDelayMs + 1));
    // Drawn now, so which deliveries come again depends on the seed alone, not on timing.
    const again = this.random() < redeliveryRate;
    const lateBy = (this.disorder.redeliveryDelayMs ?? maxDelayMs * 10) * (1 + this.random());
    this.pending++;
    const started = () => {
      if (put > order.lowest) this.reordered++;
      order.started.add(put);
      while (order.started.delete(order.lowest)) order.lowest++;
    };
    const first = this.after(delay, () => this.invoke(rule, event, started));
    if (!again) {
      first.finally(() => this.pending--);
      return;
    }
    first
      .then(() =>
        this.after(lateBy, () => {
          this.redelivered++;
          return this.invoke(rule, event, () => {});
        }),
      )
      .finally(() => this.pending--);
  }

  private after(ms: number, then: () => Promise<void>): Promise<void> {
    if (ms <= 0) return then();
    return new Promise<void>((resolve) => setTimeout(resolve, ms)).then(then);
  }

  /**
   * Hands the event to the least busy environment; resolves when it is done with it, retries
   * included. A failed attempt frees its environment: the retry waits outside it, as Lambda
   * queues a retried asynchronous invocation again.
   */
  private invoke(
    rule: LocalRule,
    event: EventBridgeEvent<string, unknown>,
    onStart: () => void,
    attempt = 1,
  ): Promise<void> {
    const { lane, index } = this.leastBusyLane(rule);
    let failure: Error | undefined;
    lane.depth++;
    const ran = lane.tail
      .then(async () => {
        onStart();
        await rule.target(structuredClone(event), index);
      })
      .catch((error: unknown) => {
        failure = error as Error;
      })
      .finally(() => {
        lane.depth--;
      });
    lane.tail = ran;
    return ran.then(() => {
      if (!failure) return;
      if (attempt <= rule.retryAttempts) {
        const delay = (rule.retryDelayMs ?? backoffMs)(attempt);
        return this.after(delay, () => this.invoke(rule, event, () => {}, attempt + 1));
      }
      this.listeners.onDeadLetter({
        rule: rule.name,
        event,
        reason: failure.message,
        attempts: attempt,
      });
    });
  }

  private leastBusyLane(rule: LocalRule): { lane: Lane; index: number } {
    const lanes =
      this.lanes.get(rule.name) ??
      Array.from(
        { length: rule.concurrency ?? 1 },
        (): Lane => ({ tail: Promise.resolve(), depth: 0 }),
      );
    this.lanes.set(rule.name, lanes);
    const index = lanes.reduce(
      (best, lane, i) => (lane.depth < (lanes[best]?.depth ?? 0) ? i : best),
      0,
    );
    return { lane: lanes[index] as Lane, index };
  }
}
