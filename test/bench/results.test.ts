import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type Figure, mergedWith } from '../../bench/results.js';

const fig = (name: string, value: number): Figure => ({ name, value, unit: 'ms' });

describe('a run of some bench sections', () => {
  it('refreshes their figures in the results file and keeps the other sections', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'bench-')), 'latest.json');
    writeFileSync(
      file,
      JSON.stringify({
        figures: [fig('throughput', 1), fig('init (median of 11)', 2), fig('cost', 3)],
      }),
    );
    // A cold-start run with more rounds: same figure, new count; a figure new to the file.
    const merged = mergedWith([fig('init (median of 21)', 5), fig('init ratio', 6)], file);
    expect(merged).toEqual([
      fig('throughput', 1),
      fig('init (median of 21)', 5),
      fig('cost', 3),
      fig('init ratio', 6),
    ]);
  });

  it('writes just the run when there is no results file yet', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'bench-')), 'absent.json');
    expect(mergedWith([fig('a', 1)], file)).toEqual([fig('a', 1)]);
  });
});
