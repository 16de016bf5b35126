import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { afterAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../infra/build-app.js';
import {
  ENVIRONMENTS,
  type EnvironmentConfig,
  loadEnvironment,
} from '../../infra/config/environments.js';

const cfnLintFound = spawnSync('cfn-lint', ['--version']).status === 0;

// .ci/run lints every environment's templates as synthesized; this is the quick check of dev.
describe.skipIf(!cfnLintFound)('cfn-lint on the synthesized dev templates', () => {
  const dir = mkdtempSync(join(tmpdir(), 'inventory-alerts-cfn-lint-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** cfn-lint's findings on the templates of one environment, as synthesized. */
  const lint = (envName: string, config?: EnvironmentConfig) => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const stacks = Object.values(buildApp(app, envName, config));
    const assembly = app.synth();
    const files = stacks.map((stack) => {
      const file = join(dir, `${stack.stackName}.template.json`);
      writeFileSync(file, JSON.stringify(assembly.getStackByName(stack.stackName).template));
      return file;
    });
    // cfn-lint reads .cfnlintrc from its working directory: the repository root.
    return spawnSync('cfn-lint', files, { encoding: 'utf8' });
  };

  it('reports nothing beyond the rules .cfnlintrc ignores with their reason', () => {
    const run = lint('dev');
    expect(run.stdout + run.stderr).toBe('');
    expect(run.status).toBe(0);
  });

  it('reports nothing on the digest-sender and its schedule either', () => {
    const config = loadEnvironment('shop', {
      shop: { ...ENVIRONMENTS.dev, digests: true },
    });
    const run = lint('shop', config);
    expect(run.stdout + run.stderr).toBe('');
    expect(run.status).toBe(0);
  });
});
