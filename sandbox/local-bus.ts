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
  /** Attempts after the first (the target's retry policy plus Lambda's async retries). */
  readonly retryAttempts: number;
  /** Execution environments working in parallel, each one event at a time (default 1). */
  readonly concurrency?: number;
}

export interface BusRecord {
  readonly event: EventBridgeEvent<string, Record<string, unknown>>;
  readonly matchedRules: string[];
}

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
 */
export class LocalBus {
  private pending = 0;
  /** One invocation at a time per execution environment, as in Lambda. */
  private readonly lanes = new Map<string, { tail: Promise<void>; depth: number }[]>();

  constructor(
    private readonly rules: readonly LocalRule[],
    private readonly listeners: {
      readonly onEvent: (record: BusRecord) => void;
      readonly onDeadLetter: (letter: BusDeadLetter) => void;
      readonly onResult?: (rule: string, result: unknown) => void;
    },
    private readonly account = '000000000000',
    private readonly region = 'eu-west-1',
  ) {}

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

  private deliver(rule: LocalRule, event: EventBridgeEvent<string, unknown>): void {
    this.pending++;
    const lanes =
      this.lanes.get(rule.name) ??
      Array.from({ length: rule.concurrency ?? 1 }, () => ({ tail: Promise.resolve(), depth: 0 }));
    this.lanes.set(rule.name, lanes);
    // The least busy environment takes the event.
    const laneIndex = lanes.reduce(
      (best, lane, i) => (lane.depth < (lanes[best]?.depth ?? 0) ? i : best),
      0,
    );
    const lane = lanes[laneIndex] as { tail: Promise<void>; depth: number };
    const attempt = async (n: number): Promise<void> => {
      try {
        const result = await rule.target(structuredClone(event), laneIndex);
        this.listeners.onResult?.(rule.name, result);
      } catch (error) {
        if (n <= rule.retryAttempts) {
          await new Promise((r) => setTimeout(r, Math.min(2000, 100 * 2 ** (n - 1))));
          return attempt(n + 1);
        }
        this.listeners.onDeadLetter({
          rule: rule.name,
          event,
          reason: (error as Error).message,
          attempts: n,
        });
      }
    };
    lane.depth++;
    lane.tail = lane.tail
      .then(() => attempt(1))
      .finally(() => {
        lane.depth--;
        this.pending--;
      });
  }
}
