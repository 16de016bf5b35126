import { spawnSync } from 'node:child_process';
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { esbuildOptionsFor } from '../infra/constructs/pipeline-function.js';
import { type Figure, figure } from './results.js';

const bundle = async (entry: string, outfile: string) => {
  await build({ ...esbuildOptionsFor(entry), outfile, logLevel: 'error' });
  return statSync(outfile).size;
};

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
};

/** Module init time of a bundle in a fresh Node process, median of `runs`. */
const initTime = (file: string, runs: number): number => {
  const times: number[] = [];
  const env = {
    ...process.env,
    CONTROL_TABLE_NAME: 'c',
    INVENTORY_TABLE_NAME: 'i',
    IDEMPOTENCY_TABLE_NAME: 'd',
    ALERTS_TOPIC_ARN: 'arn:aws:sns:eu-west-1:000000000000:a',
    EVENT_BUS_NAME: 'b',
    AWS_REGION: 'eu-west-1',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
  };
  for (let i = 0; i < runs; i++) {
    const script = `const t=performance.now();await import(${JSON.stringify(file)});console.log(performance.now()-t)`;
    const result = spawnSync(
      process.execPath,
      ['--enable-source-maps', '--input-type=module', '-e', script],
      { env, encoding: 'utf8' },
    );
    if (result.status !== 0) throw new Error(`init of ${file} failed: ${result.stderr}`);
    times.push(Number(result.stdout.trim()));
  }
  return median(times);
};

/**
 * Cold-start proxy: each function bundled with the stack's esbuild settings; its size, and its
 * module init time in a fresh Node process next to a bare bundle with no dependencies.
 */
export const coldStart = async (runs: number): Promise<Figure[]> => {
  const dir = mkdtempSync(join(tmpdir(), 'inventory-alerts-bundles-'));
  const bareEntry = join(dir, 'bare.ts');
  writeFileSync(bareEntry, 'export const handler = async () => ({ ok: true });\n');
  const bareFile = join(dir, 'bare.mjs');
  const bareBytes = await bundle(bareEntry, bareFile);
  const bareInit = initTime(bareFile, runs);
  const figures: Figure[] = [
    figure({ name: 'bare bundle init (no dependencies)', value: bareInit, unit: 'ms' }),
  ];
  for (const [name, entry, sizeTarget] of [
    ['stock-monitor', 'functions/stock-monitor/handler.ts', 250 * 1024],
    ['strategy-executor', 'functions/strategy-executor/handler.ts', undefined],
    ['demand-recorder', 'functions/demand-recorder/handler.ts', undefined],
  ] as const) {
    const file = join(dir, `${name}.mjs`);
    const bytes = await bundle(entry, file);
    const init = initTime(file, runs);
    figures.push(
      figure({
        name: `${name} bundle size`,
        value: bytes / 1024,
        unit: 'KB',
        baseline: { name: 'bare bundle', value: bareBytes / 1024 },
        ...(sizeTarget ? { target: '≤ 250 KB', meetsTarget: bytes <= sizeTarget } : {}),
      }),
      figure({
        name: `${name} module init (median of ${runs})`,
        value: init,
        unit: 'ms',
        baseline: { name: 'bare bundle', value: bareInit },
        ...(name === 'stock-monitor'
          ? { target: '≤ 1.5× bare', meetsTarget: init <= 1.5 * bareInit }
          : {}),
      }),
    );
  }
  return figures;
};
