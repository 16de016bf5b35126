import { execFileSync, spawnSync } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve('.');
const manifest = JSON.parse(readFileSync('package.json', 'utf8')) as {
  bin: Record<string, string>;
  dependencies: Record<string, string>;
  peerDependencies?: Record<string, string>;
};
const BIN = join(ROOT, manifest.bin['inventory-alerts'] ?? '');

/** Runs the built command as `npx inventory-alerts` does: the file itself, by its shebang. */
const inventoryAlerts = (...argv: string[]) =>
  spawnSync(BIN, argv, {
    encoding: 'utf8',
    // The Node 22 of the `node` devDependency first, as npm puts node_modules/.bin on PATH.
    env: { ...process.env, PATH: `${join(ROOT, 'node_modules/.bin')}:${process.env.PATH}` },
  });

// What `npm ci` builds (the prepare script), built again so the tests never see a stale dist/.
beforeAll(() => {
  execFileSync('npm', ['run', '--silent', 'build'], { stdio: 'pipe' });
});

describe('the inventory-alerts command', () => {
  it('is a built, executable file that git ignores, so running it changes no tracked file', () => {
    expect(manifest.bin['inventory-alerts']).toBe('dist/cli.mjs');
    expect(statSync(BIN).mode & 0o111).toBe(0o111);
    expect(readFileSync(BIN, 'utf8').split('\n')[0]).toBe('#!/usr/bin/env node');
    expect(
      execFileSync('git', ['check-ignore', manifest.bin['inventory-alerts'] ?? '']).toString(),
    ).toBe('dist/cli.mjs\n');
  });

  it('prints its help, written for npx, and leaves git status as it was', () => {
    const status = () => execFileSync('git', ['status', '--porcelain'], { encoding: 'utf8' });
    const before = status();
    const run = inventoryAlerts('--help');
    expect(status()).toBe(before);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^inventory-alerts: operate stock alerting/);
    expect(run.stdout).toContain('Usage: npx inventory-alerts <command>');
    expect(run.stdout).not.toContain('npm run cli');
  });

  it('runs a command that needs no target: the monthly cost, as JSON on stdout', () => {
    const run = inventoryAlerts(
      'cost',
      '--writes-per-day',
      '500000',
      '--crossing-rate',
      '0.02',
      '--json',
    );
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const cost = JSON.parse(run.stdout) as { pipeline: { service: string; usd: number }[] };
    expect(cost.pipeline.map((line) => line.service)).toContain('Lambda');
  });

  it('imports at run time only Node built-ins and packages in dependencies', () => {
    const imported = [
      ...readFileSync(BIN, 'utf8').matchAll(/^import\s[^'"]*?["']([^"'.][^"']*)["']/gm),
    ].map((match) => match[1] ?? '');
    const packages = new Set(
      imported
        .filter((name) => !name.startsWith('node:') && !builtinModules.includes(name))
        .map((name) =>
          name
            .split('/')
            .slice(0, name.startsWith('@') ? 2 : 1)
            .join('/'),
        ),
    );
    expect(packages.size).toBeGreaterThan(3);
    expect([...packages].filter((name) => !(name in manifest.dependencies))).toEqual([]);
  });
});

describe('inventory-alerts/construct from node_modules of another app', () => {
  // An app directory whose node_modules holds this package and the CDK (and types) it shares.
  const app = mkdtempSync(join(tmpdir(), 'inventory-alerts-consumer-'));
  beforeAll(() => {
    mkdirSync(join(app, 'node_modules'));
    for (const [name, target] of [
      ['inventory-alerts', ROOT],
      ['aws-cdk-lib', join(ROOT, 'node_modules/aws-cdk-lib')],
      ['constructs', join(ROOT, 'node_modules/constructs')],
      ['@types', join(ROOT, 'node_modules/@types')],
    ] as const)
      symlinkSync(target, join(app, 'node_modules', name), 'dir');
  });
  afterAll(() => rmSync(app, { recursive: true, force: true }));

  const appSource = `
    import { App, Stack } from 'aws-cdk-lib';
    import { Table } from 'aws-cdk-lib/aws-dynamodb';
    import { InventoryAlerts, inventoryAlertsConfig } from 'inventory-alerts/construct';
    const app = new App({ outdir: 'cdk.out' });
    const stack = new Stack(app, 'Shop');
    const inventoryTable = Table.fromTableAttributes(stack, 'Inventory', {
      tableName: 'shop-inventory',
      tableStreamArn: 'arn:aws:dynamodb:eu-west-1:123456789012:table/shop-inventory/stream/2026-01-01T00:00:00.000',
    });
    const alerts = new InventoryAlerts(stack, 'StockAlerts', {
      config: inventoryAlertsConfig('shop', { logLevel: 'INFO' }),
      inventoryTable,
    });
    app.synth();
    console.log(alerts.data.alertsTopic.node.path);
  `;

  it('synthesizes with every function bundled, from the app directory', () => {
    // Act: plain Node (no "source" condition, so the built dist/construct.js), cwd the app's.
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', appSource], {
      cwd: app,
      encoding: 'utf8',
      env: { ...process.env, PATH: `${join(ROOT, 'node_modules/.bin')}:${process.env.PATH}` },
    });

    // Assess: four function bundles (monitor, executor, demand recorder and roll-up), each with its handler.
    expect(run.stderr).not.toMatch(/Error/);
    expect(run.status).toBe(0);
    expect(run.stdout.trim()).toBe('Shop/StockAlerts/Data/AlertsTopic');
    const bundles = readdirSync(join(app, 'cdk.out')).filter((name) => name.startsWith('asset.'));
    expect(bundles).toHaveLength(4);
    for (const bundle of bundles)
      expect(readFileSync(join(app, 'cdk.out', bundle, 'index.js'), 'utf8')).toContain('handler');
  });

  it('type-checks in a TypeScript app against the built declarations, which catch a bad setting', () => {
    // An unused @ts-expect-error is itself an error: the declarations must refuse 'LOUD'.
    const source = `${appSource}
      // @ts-expect-error logLevel is one of DEBUG, INFO, WARN, ERROR
      inventoryAlertsConfig('shop', { logLevel: 'LOUD' });
    `;
    writeFileSync(join(app, 'app.ts'), source);
    writeFileSync(
      join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          target: 'ES2022',
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          types: ['node'],
        },
        files: ['app.ts'],
      }),
    );
    const run = spawnSync(
      process.execPath,
      [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', app],
      { encoding: 'utf8' },
    );
    expect(run.stdout).toBe('');
    expect(run.status).toBe(0);
  });
});
