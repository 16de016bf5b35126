/**
 * Checks that the README's quick-start sample is what `npm start` prints: every line of the
 * sample up to its first "…" must be a line of the given output (.ci/run passes what
 * `npm start -- --once` printed). Alert ids and the port differ per run and are masked; npm's
 * own "> …" header lines are left out (they show the arguments). Exits 1 naming each line.
 */
import { readFileSync } from 'node:fs';

const masked = (line: string) =>
  line
    .trimEnd()
    .replace(/#[\w-]{8}(?![\w-])/g, '#<id>')
    .replace(/port \d+/g, 'port <n>');

const sampleOf = (readme: string): string[] => {
  const block = readme.match(/```\n((?:> .*\n)*\n?Starting DynamoDB Local[\s\S]*?)```/)?.[1];
  if (!block)
    throw new Error('README.md: no quick-start sample starting "Starting DynamoDB Local"');
  const lines = block.split('\n');
  return lines
    .slice(0, lines.indexOf('…'))
    .filter((line) => line.trim() !== '' && !line.startsWith('> '))
    .map(masked);
};

const [outputFile] = process.argv.slice(2);
if (!outputFile) throw new Error('usage: tsx scripts/check-readme-sample.ts <output of npm start>');
const printed = new Set(readFileSync(outputFile, 'utf8').split('\n').map(masked));
const missing = sampleOf(readFileSync('README.md', 'utf8')).filter((line) => !printed.has(line));
if (missing.length > 0) {
  console.error(`README.md's quick-start sample has lines npm start no longer prints:`);
  for (const line of missing) console.error(`  ${line}`);
  process.exitCode = 1;
} else console.log('README.md quick-start sample matches npm start.');
