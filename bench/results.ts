import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';

/** One measured figure, with what it is compared to. */
export interface Figure {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  readonly baseline?: { readonly name: string; readonly value: number } | undefined;
  /** value / baseline value, when there is a baseline. */
  readonly ratio?: number | undefined;
  readonly target?: string | undefined;
  readonly meetsTarget?: boolean | undefined;
  /** Lowest and highest of the repeated measurements whose median `value` is. */
  readonly range?: readonly [number, number] | undefined;
}

export const figure = (f: Omit<Figure, 'ratio'>): Figure => ({
  ...f,
  ...(f.baseline ? { ratio: f.baseline.value === 0 ? undefined : f.value / f.baseline.value } : {}),
});

export const machine = () => ({
  cpu: cpus()[0]?.model ?? 'unknown',
  cores: cpus().length,
  memoryGiB: Math.round(totalmem() / 2 ** 30),
  node: process.version,
  date: new Date().toISOString(),
});

const fmt = (n: number | undefined) =>
  n === undefined
    ? ''
    : Math.abs(n) >= 100
      ? Math.round(n).toLocaleString('en-US')
      : n.toFixed(Math.abs(n) >= 1 ? 2 : 4);

/** A figure's name without its run count, so "(median of 21)" replaces "(median of 11)". */
const sameFigure = (name: string) => name.replace(/\(median of \d+\)/, '(median)');

/**
 * `figures` laid over those already in `file`: each replaces the one of the same name, the
 * others stay. A run of some sections (`--only`) thus refreshes them without erasing the rest.
 */
export const mergedWith = (figures: readonly Figure[], file: string): Figure[] => {
  if (!existsSync(file)) return [...figures];
  const before = (JSON.parse(readFileSync(file, 'utf8')) as { figures?: Figure[] }).figures ?? [];
  const fresh = new Map(figures.map((f) => [sameFigure(f.name), f]));
  const kept = before.map((f) => fresh.get(sameFigure(f.name)) ?? f);
  const keptNames = new Set(kept.map((f) => sameFigure(f.name)));
  return [...kept, ...figures.filter((f) => !keptNames.has(sameFigure(f.name)))];
};

/**
 * Prints the figures as a table and writes them with the machine to `file` (`written`, when
 * given, is what to write instead: e.g. these figures merged with the file's).
 */
export const report = (
  figures: readonly Figure[],
  file: string,
  extra: Record<string, unknown> = {},
  written: readonly Figure[] = figures,
): void => {
  const rows = figures.map((f) => [
    f.name,
    `${fmt(f.value)} ${f.unit}${f.range ? ` (${fmt(f.range[0])}–${fmt(f.range[1])})` : ''}`,
    f.baseline ? `${f.baseline.name}: ${fmt(f.baseline.value)}` : '',
    f.ratio === undefined ? '' : `${fmt(f.ratio)}×`,
    f.target ? `${f.target} ${f.meetsTarget === undefined ? '' : f.meetsTarget ? '✓' : '✗'}` : '',
  ]);
  const header = ['figure', 'value', 'baseline (same run)', 'ratio', 'target'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  console.log(line(header));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const row of rows) console.log(line(row));
  mkdirSync(file.replace(/\/[^/]+$/, ''), { recursive: true });
  writeFileSync(
    file,
    `${JSON.stringify({ machine: machine(), ...extra, figures: written }, null, 2)}\n`,
  );
};
