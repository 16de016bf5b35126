import type { StrategyExecutorHandler } from '../functions/strategy-executor/handler.js';
import { EXECUTOR_ASYNC_RETRIES, STRATEGY_EXECUTOR_PATTERN } from '../shared/contracts/events.js';
import { type BusDisorder, LocalBus, type LocalRule, SANDBOX_BUS_DISORDER } from './local-bus.js';
import { LOCAL_REMAINING_MS, lambdaContext } from './local-handlers.js';
import type { RunRecord } from './run-record.js';

/**
 * When Lambda runs a failed asynchronous invocation again: about a minute after the first run,
 * two after the second, long past the time Powertools idempotency holds an interrupted run in
 * progress (its remaining time). The sandbox keeps that order at its remaining time.
 */
export const executorRetryDelayMs = (attempt: number): number =>
  attempt * (LOCAL_REMAINING_MS + 2_000);

/** The deployed StrategyRule: its pattern, and the strategy-executor environments as its target. */
const strategyRule = (
  executors: StrategyExecutorHandler[],
  retryDelayMs: (attempt: number) => number,
): LocalRule => ({
  name: 'StrategyRule',
  pattern: STRATEGY_EXECUTOR_PATTERN as unknown as Record<string, unknown>,
  target: (event, lane) => {
    const executor = executors[lane] ?? executors[0];
    if (!executor) throw new Error('no strategy-executor environment');
    return executor(event, lambdaContext('strategy-executor'));
  },
  concurrency: executors.length,
  // Lambda's retries of the asynchronous invocation after an error, and no more: the target's
  // retry policy (strategyTarget) covers handing the event to Lambda, which locally never fails.
  retryAttempts: EXECUTOR_ASYNC_RETRIES,
  retryDelayMs,
});

/**
 * The inventory bus, locally, with the strategy rule. Every event put on it is recorded; an
 * event whose executor run fails every time (an invalid event among them) is dead-lettered in
 * the run, as the function's dead-letter queue keeps it.
 */
export const inventoryBus = (
  executors: StrategyExecutorHandler[],
  run: RunRecord,
  disorder: BusDisorder = SANDBOX_BUS_DISORDER,
  retryDelayMs = executorRetryDelayMs,
): LocalBus =>
  new LocalBus(
    [strategyRule(executors, retryDelayMs)],
    {
      onEvent: (record) => run.event(record),
      onDeadLetter: (letter) =>
        run.deadLetter({
          source: 'bus',
          reason: letter.reason,
          item: letter.event,
          details: { rule: letter.rule, attempts: letter.attempts },
          what: `${letter.event['detail-type']} ${JSON.stringify(letter.event.detail).slice(0, 80)}`,
        }),
    },
    disorder,
  );
