import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';
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
