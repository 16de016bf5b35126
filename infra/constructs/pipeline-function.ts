import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { BuildOptions } from 'esbuild';
import { METRICS_NAMESPACE } from '../../shared/contracts/metrics.js';

export interface PipelineFunctionProps {
  /** Path of the handler module, from the repository root. */
  readonly entry: string;
  /** Powertools service name, also the function's name suffix. */
  readonly serviceName: string;
  readonly environment: Record<string, string>;
  readonly logRetention: RetentionDays;
  readonly logLevel: string;
  readonly removalPolicy: RemovalPolicy;
  readonly timeout?: Duration;
  readonly memorySize?: number;
  /** For asynchronously invoked functions: where events go after Lambda's own retries. */
  readonly deadLetterQueue?: IQueue;
  /** For asynchronously invoked functions: Lambda's retries of a failed invocation. */
  readonly retryAttempts?: number;
}

/**
 * The esbuild settings every function is bundled with; the benchmarks bundle with the same.
 * The SDK v3 is bundled (not taken from the runtime) so esbuild tree-shakes it to the clients
 * actually imported, and the bundle is pinned to the versions in the lockfile.
 */
export const BUNDLING = {
  minify: true,
  sourceMap: true,
  target: 'node22',
  format: OutputFormat.ESM,
  mainFields: ['module', 'main'],
  externalModules: [] as string[],
  /** Module replacements, relative to the repository root (see functions/commons/lambda-credentials.ts). */
  alias: {
    '@aws-sdk/credential-provider-node': './functions/commons/lambda-credentials.ts',
  } as Record<string, string>,
  // ESM bundles of CommonJS dependencies still call require(); give them one.
  banner:
    "import { createRequire as __iaCreateRequire } from 'module';const require = __iaCreateRequire(import.meta.url);",
} as const;

/** {@link BUNDLING} as options of esbuild's build API: how the benchmarks and tests bundle a function. */
export const esbuildOptionsFor = (entry: string) =>
  ({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: BUNDLING.target,
    minify: BUNDLING.minify,
    sourcemap: BUNDLING.sourceMap,
    mainFields: [...BUNDLING.mainFields],
    external: [...BUNDLING.externalModules],
    banner: { js: BUNDLING.banner },
    alias: BUNDLING.alias,
  }) satisfies BuildOptions;

/**
 * A Lambda function of the pipeline: Node.js 22 on arm64, active tracing, its own log group
 * with retention, Powertools settings, bundled by the local esbuild (no Docker).
 */
export class PipelineFunction extends Construct {
  readonly function: NodejsFunction;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: PipelineFunctionProps) {
    super(scope, id);
    this.logGroup = new LogGroup(this, 'Logs', {
      retention: props.logRetention,
      removalPolicy: props.removalPolicy,
    });
    this.function = new NodejsFunction(this, 'Function', {
      entry: props.entry,
      handler: 'handler',
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(30),
      tracing: Tracing.ACTIVE,
      logGroup: this.logGroup,
      ...(props.deadLetterQueue ? { deadLetterQueue: props.deadLetterQueue } : {}),
      ...(props.retryAttempts !== undefined ? { retryAttempts: props.retryAttempts } : {}),
      bundling: {
        minify: BUNDLING.minify,
        sourceMap: BUNDLING.sourceMap,
        target: BUNDLING.target,
        format: BUNDLING.format,
        banner: BUNDLING.banner,
        externalModules: [...BUNDLING.externalModules],
        mainFields: [...BUNDLING.mainFields],
        esbuildArgs: Object.fromEntries(
          Object.entries(BUNDLING.alias).map(([from, to]) => [`--alias:${from}`, to]),
        ),
      },
      environment: {
        POWERTOOLS_SERVICE_NAME: props.serviceName,
        POWERTOOLS_LOG_LEVEL: props.logLevel,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        NODE_OPTIONS: '--enable-source-maps',
        ...props.environment,
      },
    });
  }
}
