import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { BuildOptions } from 'esbuild';
import { METRICS_NAMESPACE } from '../../shared/contracts/metrics.js';

/**
 * The package's root directory, wherever it is: this repository, or node_modules/inventory-alerts
 * of an app that uses the construct. Entries and module replacements are found from it, never
 * from the working directory, which is the app's.
 */
export const PACKAGE_ROOT = dirname(
  createRequire(import.meta.url).resolve('inventory-alerts/package.json'),
);

/**
 * The lock file NodejsFunction asks for, which must lie under the project root. An installed
 * package has none (npm leaves it out); its package.json stands in: with local bundling and no
 * `nodeModules` the file only names the package manager, and npm is the default.
 */
const LOCK_FILE = [
  join(PACKAGE_ROOT, 'package-lock.json'),
  join(PACKAGE_ROOT, 'package.json'),
].find((file) => existsSync(file)) as string;

export interface PipelineFunctionProps {
  /** Path of the handler module, from the package root. */
  readonly entry: string;
  /** Powertools service name, also the function's name suffix. */
  readonly serviceName: string;
  readonly environment: Record<string, string>;
  readonly logRetention: RetentionDays;
  readonly logLevel: string;
  readonly removalPolicy: RemovalPolicy;
  readonly timeout?: Duration;
  /** MB: each function's from the environment config (`memoryMb`), the one home of sizes. */
  readonly memorySize: number;
  /** For asynchronously invoked functions: where events go after Lambda's own retries. */
  readonly deadLetterQueue?: IQueue;
  /** For asynchronously invoked functions: Lambda's retries of a failed invocation. */
  readonly retryAttempts?: number;
}

/**
 * The second file of every function's asset: Powertools Tracer and the X-Ray SDK under it,
 * which the handler imports (`import('./tracer-modules.js')` in functions/commons/powertools.ts)
 * only where tracing is on. The handler's bundle leaves that import to run time
 * ({@link BUNDLING}'s `externalModules`), so where tracing is off V8 never compiles the Tracer's
 * 97 KB: in the handler's bundle they cost the stock-monitor's init 5–8 ms unused.
 */
export const TRACER_MODULES = {
  /** The entry point, from the package root. */
  entry: 'functions/commons/tracer-modules.ts',
  /** Its file in the asset, beside the handler's `index.js`: the path the handler imports. */
  file: 'tracer-modules.js',
} as const;

/**
 * The esbuild settings every function is bundled with; the benchmarks bundle with the same.
 * The SDK v3 is bundled (not taken from the runtime) so esbuild tree-shakes it to the clients
 * actually imported, and the bundle is pinned to the versions in the lockfile; taking it from
 * the runtime makes the file less than half as big but init 1.2–1.7× slower (`npm run bench`).
 *
 * CommonJS output, which Lambda loads with require(): an ES module bundle imports Node's
 * built-ins through ESM facades that read every export, and `node:http`'s lazy `WebSocket`
 * export then loads undici, which made init about 15 ms slower. Dependencies are still read
 * as ES modules (`mainFields`) so esbuild tree-shakes them. The source map leaves out the
 * sources (stack traces need only the mappings): a 0.8 MB map instead of 2.6 MB to read on
 * every cold start under `--enable-source-maps`.
 *
 * For the same reason, no `import()` is left in the output (`supported`): the SDK's
 * `import('node:http')` on the first request, and the import of the Tracer's file, become
 * require(), so neither starts Node's ES module loader; that made the first invocation about
 * 10 ms slower, and 25 ms with tracing on (`npm run bench`, init + first invocation).
 */
export const BUNDLING = {
  minify: true,
  sourceMap: true,
  sourcesContent: false,
  target: 'node22',
  format: OutputFormat.CJS,
  mainFields: ['module', 'main'],
  supported: { 'dynamic-import': false } as Record<string, boolean>,
  /** The Tracer's file, imported at run time from beside the handler's: {@link TRACER_MODULES}. */
  externalModules: [`./${TRACER_MODULES.file}`] as string[],
  /**
   * Module replacements, absolute (esbuild resolves them in its working directory): see
   * functions/commons/lambda-credentials.ts and functions/commons/xray-semver.ts.
   */
  alias: {
    '@aws-sdk/credential-provider-node': join(
      PACKAGE_ROOT,
      'functions/commons/lambda-credentials.ts',
    ),
    semver: join(PACKAGE_ROOT, 'functions/commons/xray-semver.ts'),
  } as Record<string, string>,
} as const;

/** {@link BUNDLING} as options of esbuild's build API: how the benchmarks and tests bundle a function. */
export const esbuildOptionsFor = (entry: string) =>
  ({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: BUNDLING.target,
    minify: BUNDLING.minify,
    sourcemap: BUNDLING.sourceMap,
    sourcesContent: BUNDLING.sourcesContent,
    mainFields: [...BUNDLING.mainFields],
    supported: BUNDLING.supported,
    external: [...BUNDLING.externalModules],
    alias: BUNDLING.alias,
  }) satisfies BuildOptions;

/**
 * The esbuild command line that bundles `entry` to `outfile` with the same options as
 * {@link esbuildOptionsFor}, for the asset's second file (NodejsFunction runs esbuild for the
 * handler only). Run with the esbuild the package resolves, as local bundling does; where none
 * resolves, CDK bundles in Docker, whose image has `esbuild` on its PATH.
 */
export const esbuildCommandFor = (entry: string, outfile: string): string => {
  const options = esbuildOptionsFor(entry);
  const args = [
    '--bundle',
    `--platform=${options.platform}`,
    `--format=${options.format}`,
    `--target=${options.target}`,
    ...(options.minify ? ['--minify'] : []),
    ...(options.sourcemap ? ['--sourcemap'] : []),
    `--sources-content=${options.sourcesContent}`,
    `--main-fields=${options.mainFields.join(',')}`,
    ...options.external.map((module) => `--external:${module}`),
    ...Object.entries(esbuildFlags()).map(([flag, value]) => `${flag}=${value}`),
    `--outfile=${outfile}`,
    entry,
  ];
  return [esbuildBinary(), ...args].map((arg) => JSON.stringify(arg)).join(' ');
};

/**
 * The esbuild flags NodejsFunction has no property for, as its `esbuildArgs`: {@link BUNDLING}'s
 * `alias` and `supported`.
 */
const esbuildFlags = (): Record<string, string> => ({
  ...Object.fromEntries(
    Object.entries(BUNDLING.alias).map(([from, to]) => [`--alias:${from}`, to]),
  ),
  ...Object.fromEntries(
    Object.entries(BUNDLING.supported).map(([feature, on]) => [
      `--supported:${feature}`,
      String(on),
    ]),
  ),
});

/** The esbuild executable the package resolves, or `esbuild` from the PATH. */
const esbuildBinary = () => {
  try {
    const manifest = createRequire(join(PACKAGE_ROOT, 'package.json')).resolve(
      'esbuild/package.json',
    );
    return join(dirname(manifest), 'bin/esbuild');
  } catch {
    return 'esbuild';
  }
};

/**
 * A Lambda function of the pipeline: Node.js 22 on arm64, active tracing, its own log group
 * with retention, Powertools settings, bundled by the local esbuild (no Docker): the handler,
 * and beside it the Tracer's file ({@link TRACER_MODULES}).
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
      entry: join(PACKAGE_ROOT, props.entry),
      projectRoot: PACKAGE_ROOT,
      depsLockFilePath: LOCK_FILE,
      handler: 'handler',
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize,
      timeout: props.timeout ?? Duration.seconds(30),
      tracing: Tracing.ACTIVE,
      logGroup: this.logGroup,
      ...(props.deadLetterQueue ? { deadLetterQueue: props.deadLetterQueue } : {}),
      ...(props.retryAttempts !== undefined ? { retryAttempts: props.retryAttempts } : {}),
      bundling: {
        minify: BUNDLING.minify,
        sourceMap: BUNDLING.sourceMap,
        sourcesContent: BUNDLING.sourcesContent,
        target: BUNDLING.target,
        format: BUNDLING.format,
        externalModules: [...BUNDLING.externalModules],
        mainFields: [...BUNDLING.mainFields],
        esbuildArgs: esbuildFlags(),
        // The asset's second file, built with the same options: see TRACER_MODULES.
        commandHooks: {
          beforeBundling: () => [],
          beforeInstall: () => [],
          afterBundling: (inputDir, outputDir) => [
            esbuildCommandFor(
              join(inputDir, TRACER_MODULES.entry),
              join(outputDir, TRACER_MODULES.file),
            ),
          ],
        },
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
