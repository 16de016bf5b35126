import { describe, expect, it } from 'vitest';
import {
  createHandler as createExecutor,
  type StrategyExecutorHandler,
} from '../../functions/strategy-executor/handler.js';
import { inventoryBus } from '../../sandbox/inventory-bus.js';
import { IN_ORDER } from '../../sandbox/local-bus.js';
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

/** Puts one event on the sandbox's inventory bus and waits until it is done with it. */
const deliver = async (executor: StrategyExecutorHandler, event = wire()) => {
  const run = RunRecord.open(undefined, {});
  const bus = inventoryBus([executor], run, IN_ORDER);
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
});
