import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Target } from '../target.js';
import { type HtmlReportOptions, readReport } from './data.js';
import { renderReport } from './render.js';

export type { HtmlReportOptions } from './data.js';

/** Charts per report unless `--top` says otherwise. */
export const DEFAULT_TOP_ITEMS = 10;

/**
 * Writes the HTML report to `path` (folders created as needed) and returns its absolute path:
 * one self-contained file, readable offline and in print.
 */
export const writeHtmlReport = async (
  target: Target,
  path: string,
  options: HtmlReportOptions,
): Promise<string> => {
  const html = renderReport(await readReport(target, options));
  const file = resolve(path);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, html);
  return file;
};
