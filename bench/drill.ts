import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { machine } from './results.js';
/** The reliability drills: `npm run drill` runs them and prints their table. */

import { freePort, startDynamoDbLocal } from '../sandbox/dynamodb-local.js';
import type { DrillRow } from './drills/common.js';
import { digestDrill } from './drills/digest.js';
import { orderingDrill } from './drills/ordering.js';
import { badInputDrill, poisonDrill } from './drills/poison.js';
import { raceDrill } from './drills/race.js';
import { compare, play } from './drills/replay.js';

export type { DrillRow } from './drills/common.js';
export { orderingDrill } from './drills/ordering.js';

/** The drills, by the name `--only` takes. */
export const DRILLS = [
  'redelivery',
  'faults',
  'poison',
  'bad-input',
  'race',
  'ordering',
  'digest',
] as const;
export type DrillName = (typeof DRILLS)[number];

/** Runs the drills (all, or `only` those named); `changes` sizes the ones played on the sandbox. */
export const runDrills = async (
  endpoint: string,
  changes: number,
  only: readonly DrillName[] = DRILLS,
): Promise<DrillRow[]> => {
  const rows: DrillRow[] = [];
  const wanted = (name: DrillName) => only.includes(name);
  if (wanted('redelivery') || wanted('faults')) {
    const reference = await play(endpoint, changes, {});
    if (wanted('redelivery')) {
      const redelivered = await play(endpoint, changes, { deliveries: 3 });
      rows.push(
        compare(
          'redelivery: every batch 3×',
          `${changes} changes`,
          reference.tally,
          redelivered.tally,
          0,
        ),
      );
    }
    if (wanted('faults')) {
      const faulty = await play(endpoint, changes, { faultRate: 0.2 });
      const row = compare(
        'faults: 20 % of AWS calls fail',
        `${changes} changes`,
        reference.tally,
        faulty.tally,
        faulty.injected,
      );
      rows.push({ ...row, detail: `${row.detail} (${faulty.redriven} redriven once)` });
    }
  }
  if (wanted('poison')) rows.push(await poisonDrill());
  if (wanted('bad-input')) rows.push(await badInputDrill());
  if (wanted('race')) rows.push(await raceDrill(endpoint, 8));
  if (wanted('ordering')) {
    const { row, examples } = await orderingDrill(endpoint, changes);
    rows.push(row);
    lastOrderingExamples = examples;
  }
  if (wanted('digest')) rows.push(await digestDrill(endpoint, Math.min(changes, 60)));
  return rows;
};

/** The ordering drill's first violation of each kind in the last run, for the console. */
let lastOrderingExamples: Map<string, { count: number; example?: string }> = new Map();

/** One example per kind of violation the last ordering drill found. */
export const orderingExamples = (): [string, { count: number; example?: string }][] =>
  [...lastOrderingExamples].filter(([, t]) => t.count > 0);

/** Prints the rows as a Markdown table. */
export const printDrills = (rows: readonly DrillRow[]): void => {
  const header = [
    'drill',
    'load',
    'faults injected',
    'reordered',
    'rule edits',
    'duplicates',
    'losses',
    'violations',
    'detail',
  ];
  const optional = (n: number | undefined) => (n === undefined ? '' : String(n));
  const cells = rows.map((r) => [
    r.drill,
    r.load,
    String(r.faultsInjected),
    optional(r.reordered),
    optional(r.ruleEdits),
    String(r.duplicates),
    String(r.losses),
    optional(r.violations),
    r.detail,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] ?? '').length)));
  const line = (c: string[]) => `| ${c.map((x, i) => x.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  console.log(line(header));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const c of cells) console.log(line(c));
};

/** Where `npm run drill` keeps its rows, beside bench/results/latest.json. */
const DRILL_RESULTS = 'bench/results/drills.json';

/** Merges these rows into the results file, by drill, with the machine and the size run. */
const writeDrillResults = (rows: readonly DrillRow[], changes: number, file: string): void => {
  const previous = existsSync(file)
    ? (JSON.parse(readFileSync(file, 'utf8')) as { drills?: Record<string, unknown> })
    : {};
  const drills: Record<string, unknown> = { ...previous.drills };
  for (const row of rows) drills[row.drill] = { ...row, changes, machine: machine() };
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify({ drills }, null, 2)}\n`);
};

/** The value of `--name=value` or `--name value`. */
const argument = (name: string): string | undefined => {
  const args = process.argv.slice(2);
  const inline = args.find((a) => a.startsWith(`--${name}=`));
  if (inline) return inline.slice(name.length + 3);
  const at = args.indexOf(`--${name}`);
  return at === -1 ? undefined : args[at + 1];
};

if (import.meta.url === `file://${process.argv[1]}`) {
  const changes = Number(argument('changes') ?? 10_000);
  const only = (argument('only')?.split(',') ?? [...DRILLS]) as DrillName[];
  const unknown = only.filter((name) => !DRILLS.includes(name));
  if (unknown.length > 0 || !Number.isInteger(changes) || changes <= 0) {
    console.error(
      `usage: npm run drill -- [--changes N] [--only ${DRILLS.join(',')}]${unknown.length > 0 ? ` (unknown: ${unknown.join(', ')})` : ''}`,
    );
    process.exit(2);
  }
  Object.assign(process.env, {
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    POWERTOOLS_METRICS_DISABLED: 'true',
    POWERTOOLS_TRACE_ENABLED: 'false',
  });
  const dynamo = await startDynamoDbLocal({ port: await freePort() });
  let failed = false;
  try {
    const started = Date.now();
    const rows = await runDrills(dynamo.endpoint, changes, only);
    printDrills(rows);
    // Each drill's row beside the bench's figures, by drill, so a run of some drills keeps
    // the rows of the others.
    writeDrillResults(rows, changes, argument('out') ?? DRILL_RESULTS);
    for (const [kind, tally] of orderingExamples())
      console.log(`\nordering, ${kind} (${tally.count}), e.g. ${tally.example}`);
    console.log(`\n${((Date.now() - started) / 1000).toFixed(1)} s`);
    failed = rows.some((r) => r.duplicates > 0 || r.losses > 0 || (r.violations ?? 0) > 0);
  } finally {
    await dynamo.stop();
  }
  process.exit(failed ? 1 : 0);
}
