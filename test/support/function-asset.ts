import { join } from 'node:path';
import { build } from 'esbuild';
import { esbuildOptionsFor, TRACER_MODULES } from '../../infra/constructs/pipeline-function.js';

/**
 * Bundles a function into `dir` as the stack builds its asset: the handler's `index.js` and,
 * beside it, the Tracer's file ({@link TRACER_MODULES}), each with the stack's esbuild options
 * (`external`: more packages left to the runtime, in both). Returns the handler file's path.
 * For the benchmarks and the tests, which load the files as Lambda does.
 */
export const buildFunctionAsset = async (
  entry: string,
  dir: string,
  external: readonly string[] = [],
): Promise<string> => {
  for (const [from, file] of [
    [entry, 'index.js'],
    [TRACER_MODULES.entry, TRACER_MODULES.file],
  ] as const) {
    const options = esbuildOptionsFor(from);
    await build({
      ...options,
      external: [...options.external, ...external],
      outfile: join(dir, file),
      logLevel: 'error',
    });
  }
  return join(dir, 'index.js');
};

/** Bundles an entry with the stack's settings, in memory, and returns the modules that went in. */
export const bundleInputs = async (entry: string): Promise<string[]> => {
  const result = await build({
    ...esbuildOptionsFor(entry),
    outfile: 'bundle.js',
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  return Object.keys(result.metafile.inputs);
};
