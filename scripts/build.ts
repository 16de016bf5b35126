/**
 * Builds what the package hands out (`npm run build`, also run by `prepare` on `npm ci`):
 * - dist/cli.mjs, the `inventory-alerts` command: the CLI bundled to one ES module that
 *   imports its packages from node_modules at run time (they are `dependencies`);
 * - dist/construct.js and its declarations, `inventory-alerts/construct`: the CDK construct.
 * dist/ is not committed, so running the command never changes a tracked file.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { build } from 'esbuild';

const common = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node22',
  packages: 'external',
  logLevel: 'warning',
} as const;

rmSync('dist', { recursive: true, force: true });
await build({
  ...common,
  entryPoints: ['cli/bin.ts'],
  outfile: 'dist/cli.mjs',
  banner: { js: '#!/usr/bin/env node' },
});
chmodSync('dist/cli.mjs', 0o755);
await build({
  ...common,
  entryPoints: ['infra/constructs/inventory-alerts.ts'],
  outfile: 'dist/construct.js',
});
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
