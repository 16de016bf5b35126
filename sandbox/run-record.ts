import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DetailType, type StrategyAppliedDetail } from '../shared/contracts/events.js';
import type { BusRecord } from './local-bus.js';
import type { OutboxEntry } from './outbox.js';

/** Where a dead letter comes from: the stock-monitor's mapping, the bus, the demand-recorder's. */
export type DeadLetterSource = 'stream' | 'bus' | 'demand';

/** What a DLQ would hold. */
export interface DeadLetter {
  source: DeadLetterSource;
  reason: string;
  item: unknown;
}

/** A dead letter as it is recorded: besides what the DLQ holds, what dlq.jsonl and the console add. */
export interface DeadLetterRecord extends DeadLetter {
  /** Written to dlq.jsonl between the reason and the item (the rule, the attempts). */
  readonly details?: Record<string, unknown>;
  /** The failed thing in a few words, for the console. */
  readonly what: string;
}

export type Activity =
  | { readonly kind: 'alert'; readonly entry: OutboxEntry }
  | { readonly kind: 'event'; readonly record: BusRecord }
  | { readonly kind: 'effect'; readonly applied: StrategyAppliedDetail }
  | {
      readonly kind: 'dead-letter';
      readonly source: DeadLetterSource;
      readonly reason: string;
      readonly what: string;
    };

/** The run files a sandbox appends to as it runs, one JSON value a line. */
const RUN_LOGS = ['outbox.jsonl', 'events.jsonl', 'dlq.jsonl'] as const;

/**
 * What a sandbox run produced, kept three ways: in memory for the tests and drills, in the run
 * files in `outDir` (when there is one) for a person or a script, and as activity for the console.
 */
export class RunRecord {
  readonly outbox: OutboxEntry[] = [];
  readonly events: BusRecord[] = [];
  readonly effects: StrategyAppliedDetail[] = [];
  readonly deadLetters: DeadLetter[] = [];

  private constructor(
    private readonly outDir: string | undefined,
    private readonly onActivity: (activity: Activity) => void,
  ) {}

  /**
   * Starts a run's files afresh: resources.json says where the sandbox's resources are (the
   * CLI's `--sandbox` reads it), and outbox.jsonl, events.jsonl and dlq.jsonl start empty.
   */
  static open(
    outDir: string | undefined,
    resources: Record<string, unknown>,
    onActivity: (activity: Activity) => void = () => {},
  ): RunRecord {
    if (outDir) {
      mkdirSync(outDir, { recursive: true });
      for (const file of RUN_LOGS) writeFileSync(join(outDir, file), '');
      writeFileSync(join(outDir, 'resources.json'), `${JSON.stringify(resources, null, 2)}\n`);
    }
    return new RunRecord(outDir, onActivity);
  }

  /** An alert the topic delivered. */
  alert(entry: OutboxEntry): void {
    this.outbox.push(entry);
    this.append('outbox.jsonl', entry);
    this.onActivity({ kind: 'alert', entry });
  }

  /** An event put on the bus; a StrategyApplied one is also an effect. */
  event(record: BusRecord): void {
    this.events.push(record);
    this.append('events.jsonl', record);
    if (record.event['detail-type'] === DetailType.StrategyApplied) {
      const applied = record.event.detail as unknown as StrategyAppliedDetail;
      this.effects.push(applied);
      this.onActivity({ kind: 'effect', applied });
    } else {
      this.onActivity({ kind: 'event', record });
    }
  }

  /** Records what a DLQ would hold: in memory, in dlq.jsonl, and on the console. */
  deadLetter({ source, reason, item, details = {}, what }: DeadLetterRecord): void {
    this.deadLetters.push({ source, reason, item });
    this.append('dlq.jsonl', { source, reason, ...details, item });
    this.onActivity({ kind: 'dead-letter', source, reason, what });
  }

  private append(file: (typeof RUN_LOGS)[number], value: unknown): void {
    if (this.outDir) appendFileSync(join(this.outDir, file), `${JSON.stringify(value)}\n`);
  }
}
