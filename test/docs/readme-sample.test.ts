import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/** The README's quick-start sample, as `npm start` would print it with other ids and port. */
const sampleWithIds = (id: string) =>
  readFileSync('README.md', 'utf8')
    .replace(/#[\w-]{8}"/g, `#${id}"`)
    .replace(/port \d+/g, 'port 41234');

/** Runs .ci/run's check on the given output; its exit status and what it printed. */
const check = (output: string) => {
  const file = join(mkdtempSync(join(tmpdir(), 'readme-sample-')), 'start.log');
  writeFileSync(file, output);
  try {
    return {
      status: 0,
      out: execFileSync('npx', ['tsx', 'scripts/check-readme-sample.ts', file], {
        encoding: 'utf8',
        stdio: 'pipe',
      }),
    };
  } catch (error) {
    const failed = error as { status: number; stderr: string };
    return { status: failed.status, out: failed.stderr };
  }
};

describe('the README quick-start sample check', () => {
  // Alert ids are 8 base64url characters, so '-' and '_' may begin or end one (CI saw
  // "#uwQ_39U-"): the mask must take them all, whatever follows the id.
  it.each(['uwQ_39U-', '-abcdefg', '________', 'r037gnOI'])('masks the alert id %s', (id) => {
    const { status, out } = check(sampleWithIds(id));
    expect(out).toContain('sample matches');
    expect(status).toBe(0);
  });

  it('names a sample line npm start no longer prints', () => {
    const { status, out } = check(
      sampleWithIds('r037gnOI').replace('Seeded the demo catalog and rules.', ''),
    );
    expect(status).toBe(1);
    expect(out).toContain('  Seeded the demo catalog and rules.');
  });
});
