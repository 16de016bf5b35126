import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import { METRICS_NAMESPACE } from '../../shared/contracts/metrics.js';

/** Logger, metrics and tracer of one function, configured from the Powertools env vars. */
export const createPowertools = (serviceName: string) => ({
  logger: new Logger({ serviceName }),
  metrics: new Metrics({
    serviceName,
    namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? METRICS_NAMESPACE,
  }),
  tracer: new Tracer({ serviceName }),
});
export type Powertools = ReturnType<typeof createPowertools>;

/** A Middy handler traced, with the Lambda context in every log line and metrics flushed. */
export const observed = <TEvent, TResult>({ logger, metrics, tracer }: Powertools) =>
  middy<TEvent, TResult>()
    .use(captureLambdaHandler(tracer))
    .use(injectLambdaContext(logger))
    .use(logMetrics(metrics));
