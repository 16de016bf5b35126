import { describe, expect, it, vi } from 'vitest';
import {
  createHandler as createExecutor,
  type StrategyExecutorHandler,
} from '../../functions/strategy-executor/handler.js';
import { inventoryBus } from '../../sandbox/inventory-bus.js';
import { IN_ORDER } from '../../sandbox/local-bus.js';
import { LOCAL_REMAINING_MS } from '../../sandbox/local-handlers.js';
import type { WireEvent } from '../../sandbox/local-transport.js';
import { RunRecord } from '../../sandbox/run-record.js';
import { DetailType, EVENT_SOURCE } from '../../shared/contracts/events.js';
import { levelDetail } from '../support/factories.js';

/**
 * The strategy rule's target as AWS runs it: EventBridge hands the event to Lambda
 * asynchronously (its target retry policy covers only that hand-over), and Lambda runs the
 * function once and, on an error, twice more (the function's asynchronous retries), then puts
 * the event in the function's dead-letter queue. A returned result is a success: nothing is
 * dead-lettered. https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html
 */
const wire = (detail: Record<string, unknown> = levelDetail()): WireEvent =>
  ({
    Source: EVENT_SOURCE,
    DetailType: DetailType.StockLevelTriggered,
    Detail: JSON.stringify(detail),
  }) as WireEvent;

/**
 * Puts one event on the sandbox's inventory bus and waits until it is done with it; retries
 * come at once (when they come is the last test's).
 */
const deliver = async (executor: StrategyExecutorHandler, event = wire()) => {
  const run = RunRecord.open(undefined, {});
  const bus = inventoryBus([executor], run, IN_ORDER, () => 0);
  bus.put([event]);
  while (!bus.idle) await new Promise((r) => setTimeout(r, 20));
  return run;
};

describe("the sandbox's strategy rule runs the executor as Lambda's asynchronous invocation does", () => {
  // prod's target retry policy (8) and dev's (3) are not Lambda's: they must not add runs.
  it('a failing executor runs 3 times, then the event is dead-lettered', async () => {
    let runs = 0;
    const run = await deliver(async () => {
      runs++;
      throw new Error('the table is unavailable');
    });
    expect(runs).toBe(3);
    expect(run.deadLetters).toMatchObject([
      { source: 'bus', reason: expect.stringContaining('unavailable') },
    ]);
  }, 30_000);

  it('an executor failing 3 times dead-letters the event even if a fourth run would have succeeded', async () => {
    let runs = 0;
    const run = await deliver(async () => {
      runs++;
      if (runs <= 3) throw new Error(`failure ${runs}`);
      return { status: 'done', applied: {} } as never;
    });
    expect(runs).toBe(3);
    expect(run.deadLetters).toHaveLength(1);
  }, 30_000);

  it('an event the real executor finds invalid fails it, and is dead-lettered with the field to fix', async () => {
    // A returned refusal would be a success on AWS: the event would be in no queue.
    const executor = createExecutor();
    let runs = 0;
    const run = await deliver(
      (event, context) => {
        runs++;
        return executor(event, context);
      },
      wire(levelDetail({ level: 'MEDIUM' })),
    );
    expect(runs).toBe(3);
    expect(run.deadLetters).toMatchObject([
      { source: 'bus', reason: expect.stringMatching(/detail\.level/) },
    ]);
  }, 30_000);
  it('retries after the in-progress hold of the failed run, as Lambda waits minutes, and runs other events meanwhile', async () => {
    vi.useFakeTimers();
    try {
      const runs: string[] = [];
      const run = RunRecord.open(undefined, {});
      const bus = inventoryBus(
        [
          async (event) => {
            const sku = (event.detail as { sku: string }).sku;
            runs.push(sku);
            if (sku === 'FAILS-ONCE' && runs.filter((r) => r === sku).length === 1)
              throw new Error('the success record could not be written');
            return { status: 'done', applied: {} } as never;
          },
        ],
        run,
        IN_ORDER,
      );
      bus.put([wire(levelDetail({ sku: 'FAILS-ONCE' }))]);
      await vi.advanceTimersByTimeAsync(100);
      bus.put([wire(levelDetail({ sku: 'NEXT' }))]);
      // Powertools holds a run that failed to record its end as in progress for the remaining
      // time Lambda gave it: a retry any sooner would find it still running.
      await vi.advanceTimersByTimeAsync(LOCAL_REMAINING_MS);
      expect(runs).toEqual(['FAILS-ONCE', 'NEXT']);
      await vi.advanceTimersByTimeAsync(5_000);
      expect(runs).toEqual(['FAILS-ONCE', 'NEXT', 'FAILS-ONCE']);
      expect(bus.idle).toBe(true);
      expect(run.deadLetters).toEqual([]);
    } finally {
      vi.useRealTimers();
    }
  });
  it('redrives a dead-lettered event as the same event, to the executor only', async () => {
    let fail = true;
    const seen: string[] = [];
    const run = RunRecord.open(undefined, {});
    const bus = inventoryBus(
      [
        async (event) => {
          seen.push(event.id);
          if (fail) throw new Error('down');
          return { status: 'done', applied: {} } as never;
        },
      ],
      run,
      IN_ORDER,
      () => 0,
    );
    bus.put([wire()]);
    while (!bus.idle) await new Promise((r) => setTimeout(r, 10));
    const [letter] = run.deadLetters;
    fail = false;
    bus.redrive(letter?.item as never);
    while (!bus.idle) await new Promise((r) => setTimeout(r, 10));
    expect(seen).toHaveLength(4);
    expect(new Set(seen).size).toBe(1);
    expect(run.events).toHaveLength(1);
  });
});
