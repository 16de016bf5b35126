import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../cli/main.js';

/**
 * Pages other branches write (operator guide, reports, subscribers, cost): linked before they
 * land, so a missing one is tolerated; a link to any other missing file is not.
 */
const PAGES_TO_COME = ['docs/operator.md', 'docs/report.md', 'docs/subscribers.md', 'docs/cost.md'];

/** Files a clone has: tracked, or new and not ignored (dist/ and cdk.out/ are not). */
const files = new Set(
  execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], {
    encoding: 'utf8',
  })
    .split('\n')
    .filter((file) => existsSync(file)),
);
const pages = [...files].filter((file) => file === 'README.md' || /^docs\/[^/]+\.md$/.test(file));

/** The text outside fenced code blocks, where Markdown renders links. */
const prose = (page: string) => readFileSync(page, 'utf8').replace(/^```[\s\S]*?^```/gm, '');

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
const anchorOf = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
const anchorsOf = (page: string) =>
  [
    ...readFileSync(page, 'utf8')
      .replace(/^```[\s\S]*?^```/gm, '')
      .matchAll(/^#+\s+(.+)$/gm),
  ].map((match) => anchorOf(match[1] ?? ''));

/** Every relative link of a page: the file it names (from the repository root) and anchor. */
const linksOf = (page: string) =>
  [...prose(page).matchAll(/\]\(([^)\s]+)\)/g)]
    .map((match) => match[1] ?? '')
    .filter((target) => !/^[a-z]+:/.test(target))
    .map((target) => {
      const [path = '', anchor] = target.split('#');
      return { target, file: path ? normalize(join(dirname(page), path)) : page, anchor };
    });

describe('the documentation', () => {
  it('has the README and the pages it promises', () => {
    expect(pages).toEqual(
      expect.arrayContaining([
        'README.md',
        'docs/rules.md',
        'docs/strategies.md',
        'docs/contracts.md',
        'docs/operations.md',
        'docs/performance.md',
      ]),
    );
  });

  it.each(pages)('%s links only to files and headings that exist', (page) => {
    const broken = linksOf(page).filter(({ file, anchor }) => {
      if (PAGES_TO_COME.includes(file) && !files.has(file)) return false;
      if (!files.has(file) && !files.has(`${file}/`) && !existsSync(file)) return true;
      return anchor !== undefined && file.endsWith('.md') && !anchorsOf(file).includes(anchor);
    });
    expect(broken.map(({ target }) => target)).toEqual([]);
  });

  it.each(pages)('%s names only npm scripts and CLI commands that exist', async (page) => {
    const text = readFileSync(page, 'utf8');
    const scripts = Object.keys(
      (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> })
        .scripts,
    );
    const named = [...text.matchAll(/npm run (?:-\w+ )*([\w:-]*\w)/g)].map((match) => match[1]);
    expect(named.filter((script) => !scripts.includes(script ?? ''))).toEqual([]);

    let help = '';
    await runCli(['--help'], { out: (text) => (help += text), err: () => {}, isTty: false });
    const commands = [...help.matchAll(/^ {2}([a-z]+) {2,}/gm)].map((match) => match[1]);
    const used = [...text.matchAll(/npx inventory-alerts ([a-z]+)/g)].map((match) => match[1]);
    expect(used.filter((command) => !commands.includes(command))).toEqual([]);
  });
});
