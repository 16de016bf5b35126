import type {
  ExecutorResult,
  StrategyExecutorHandler,
} from '../functions/strategy-executor/handler.js';
import type { EnvironmentConfig } from '../infra/config/environments.js';
import { STRATEGY_EXECUTOR_PATTERN } from '../shared/contracts/events.js';
import { type BusDisorder, LocalBus, type LocalRule, SANDBOX_BUS_DISORDER } from './local-bus.js';
import { lambdaContext } from './local-handlers.js';
import type { RunRecord } from './run-record.js';

/** The deployed StrategyRule: its pattern, and the strategy-executor environments as its target. */
const strategyRule = (
  executors: StrategyExecutorHandler[],
  target: EnvironmentConfig['strategyTarget'],
): LocalRule => ({
  name: 'StrategyRule',
  pattern: STRATEGY_EXECUTOR_PATTERN as unknown as Record<string, unknown>,
  target: (event, lane) => {
    const executor = executors[lane] ?? executors[0];
    if (!executor) throw new Error('no strategy-executor environment');
    return executor(event, lambdaContext('strategy-executor'));
  },
  concurrency: executors.length,
  // The target's retry policy, plus Lambda's two retries of an asynchronous invocation.
  retryAttempts: target.retryAttempts + 2,
});

/**
 * The inventory bus, locally, with the strategy rule. Every event put on it is recorded; an
 * event that fails every retry, and one the strategy-executor refuses as invalid (refused once,
 * never retried), is dead-lettered in the run.
 */
export const inventoryBus = (
  executors: StrategyExecutorHandler[],
  config: EnvironmentConfig,
  run: RunRecord,
  disorder: BusDisorder = SANDBOX_BUS_DISORDER,
): LocalBus =>
  new LocalBus(
    [strategyRule(executors, config.strategyTarget)],
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
      onResult: (rule, result) => {
        const outcome = result as ExecutorResult | undefined;
        if (outcome?.status !== 'invalid-event') return;
        run.deadLetter({
          source: 'bus',
          reason: outcome.issues.join('; '),
          item: outcome,
          details: { rule, attempts: 1 },
          what: 'an event the strategy-executor refused as invalid',
        });
      },
    },
    disorder,
  );
