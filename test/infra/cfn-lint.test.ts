import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { afterAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../infra/build-app.js';

const cfnLintFound = spawnSync('cfn-lint', ['--version']).status === 0;

// .ci/run lints every environment's templates as synthesized; this is the quick check of dev.
describe.skipIf(!cfnLintFound)('cfn-lint on the synthesized dev templates', () => {
  const dir = mkdtempSync(join(tmpdir(), 'inventory-alerts-cfn-lint-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reports nothing beyond the rules .cfnlintrc ignores with their reason', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const stacks = Object.values(buildApp(app, 'dev'));
    const assembly = app.synth();
    const files = stacks.map((stack) => {
      const file = join(dir, `${stack.stackName}.template.json`);
      writeFileSync(file, JSON.stringify(assembly.getStackByName(stack.stackName).template));
      return file;
    });

    // cfn-lint reads .cfnlintrc from its working directory: the repository root.
    const run = spawnSync('cfn-lint', files, { encoding: 'utf8' });

    expect(run.stdout + run.stderr).toBe('');
    expect(run.status).toBe(0);
  });
});
