import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import type { Tracer } from '@aws-lambda-powertools/tracer';
import middy, { type MiddlewareObj } from '@middy/core';
import { METRICS_NAMESPACE } from '../../shared/contracts/metrics.js';

/**
 * Whether Powertools Tracer could trace here: the same rule the Tracer applies to itself (off
 * when `POWERTOOLS_TRACE_ENABLED` is `false`, or outside Lambda, where `AWS_EXECUTION_ENV` is
 * unset). Where it says no, a Tracer would do nothing, so it is not loaded at all: the Tracer
 * and the X-Ray SDK under it are a fifth of the stock-monitor's code (in a file of their own: see
 * `loadTracerModules`).
 */
export const tracingEnabled = (env: NodeJS.ProcessEnv = process.env): boolean =>
  (env.POWERTOOLS_TRACE_ENABLED ?? '').toLowerCase() !== 'false' &&
  (env.AWS_EXECUTION_ENV ?? '') !== '';

/** The two Tracer modules a traced function needs. */
export type TracerModules = typeof import('./tracer-modules.js');

/**
 * Loads the Tracer modules. A bundled function finds them in a second file of its asset,
 * `tracer-modules.js` beside the handler's (the bundles leave this import out: see
 * `TRACER_MODULES` in infra/constructs/pipeline-function.ts), so the handler's bundle carries
 * none of the Tracer's code; run from source, the import is ./tracer-modules.ts.
 */
export const loadTracerModules = async (): Promise<TracerModules> => {
  const { Tracer, captureLambdaHandler } = await import('./tracer-modules.js');
  return { Tracer, captureLambdaHandler };
};

/**
 * A function's tracer, loaded only where tracing is on. Clients given to
 * {@link DeferredTracer.captureAWSv3Client} are captured when the Tracer has loaded (the SDK's
 * middleware stack is changed in place, so a client created before is traced all the same);
 * the loading starts at once, beside the rest of the module's init, and the first invocation
 * waits for it in {@link DeferredTracer.middleware}.
 */
export class DeferredTracer {
  /** Resolves to the loaded Tracer; undefined when tracing is off. */
  readonly ready: Promise<Tracer | undefined>;
  private readonly waiting: object[] = [];
  private tracer: Tracer | undefined;

  constructor(
    serviceName: string,
    enabled = tracingEnabled(),
    private readonly load: () => Promise<TracerModules> = loadTracerModules,
  ) {
    this.ready = enabled ? this.start(serviceName) : Promise.resolve(undefined);
    // A failed load fails the first invocation (in `before`), not the module's init.
    this.ready.catch(() => {});
  }

  private async start(serviceName: string): Promise<Tracer> {
    const { Tracer } = await this.load();
    const tracer = new Tracer({ serviceName });
    for (const client of this.waiting.splice(0)) tracer.captureAWSv3Client(client);
    this.tracer = tracer;
    return tracer;
  }

  /** Traces the client's calls once the Tracer has loaded (at once if it has); returns it. */
  captureAWSv3Client<T>(client: T): T {
    if (this.tracer) this.tracer.captureAWSv3Client(client);
    else this.waiting.push(client as object);
    return client;
  }

  /** Powertools' `captureLambdaHandler`, once the Tracer has loaded; nothing when tracing is off. */
  middleware(): MiddlewareObj {
    const handlerMiddleware = this.ready.then(async (tracer) =>
      tracer ? (await this.load()).captureLambdaHandler(tracer) : undefined,
    );
    handlerMiddleware.catch(() => {});
    return {
      before: async (request) => (await handlerMiddleware)?.before?.(request as never),
      after: async (request) => (await handlerMiddleware)?.after?.(request as never),
      onError: async (request) => (await handlerMiddleware)?.onError?.(request as never),
    };
  }
}

/** Logger, metrics and tracer of one function, configured from the Powertools env vars. */
export const createPowertools = (serviceName: string) => ({
  logger: new Logger({ serviceName }),
  metrics: new Metrics({
    serviceName,
    namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? METRICS_NAMESPACE,
  }),
  tracer: new DeferredTracer(serviceName),
});
export type Powertools = ReturnType<typeof createPowertools>;

/** A Middy handler traced, with the Lambda context in every log line and metrics flushed. */
export const observed = <TEvent, TResult>({ logger, metrics, tracer }: Powertools) =>
  middy<TEvent, TResult>()
    .use(tracer.middleware())
    .use(injectLambdaContext(logger))
    .use(logMetrics(metrics));
