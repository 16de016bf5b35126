/**
 * Powertools Tracer and its handler middleware: the entry of a file of its own in every
 * function's asset (`TRACER_MODULES` in infra/constructs/pipeline-function.ts), which the
 * handler imports only where tracing is on (`loadTracerModules` in ./powertools.ts). Left out
 * of the handler's bundle, the Tracer and the X-Ray SDK under it are not even compiled where
 * tracing is off: in the handler's bundle they cost its init 5–8 ms unused (docs/performance.md).
 */
export { Tracer } from '@aws-lambda-powertools/tracer';
export { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
