import { readFileSync } from 'node:fs';
import measuredCounts from '../../bench/results/cost-counts.json' with { type: 'json' };
import { loadEnvironment } from '../../infra/config/environments.js';
import { digestWindowOf } from '../../shared/contracts/subscriptions.js';
import {
  DEFAULT_COST_INPUTS,
  DIGEST_CHANNELS,
  type Digest,
  type DigestChannel,
  type MeteredCounts,
  MeteredCountsSchema,
  memoryOf,
  monthlyCost,
} from '../../shared/domain/cost.js';
import { formatIssues, UsageError } from '../../shared/errors.js';
import type { CommandInput } from '../args.js';
import { type Format, type Io, numberOption, printRows } from '../io.js';

/** The first line of `cost --help`. */
export const COST_USAGE =
  'cost --writes-per-day N --crossing-rate r [--sms-share s] [--email-subscribers n] [--records-per-invocation n] [--demand-records-per-invocation n] [--sale-share s] [--items-sold-per-day n] [--own-rule-share s] [--digest 15m [--immediate-share s] [--digest-channels sms,email]] [--counts file]';

/** Where `npm run bench -- --only cost` writes the counts; the CLI carries them built in. */
export const DEFAULT_COUNTS_FILE = 'bench/results/cost-counts.json';

/** Counts as a counts file of the bench, or a usage error naming `source` and what is wrong. */
const parseCounts = (json: unknown, source: string): MeteredCounts => {
  const parsed = MeteredCountsSchema.safeParse(json);
  if (!parsed.success)
    throw new UsageError(
      `--counts: ${source} is not a counts file of npm run bench: ${formatIssues(parsed.error.issues).join('; ')}`,
    );
  return parsed.data;
};

/** The bench's measured counts from `file`; a missing or malformed file names what to do. */
export const readCounts = (file: string): MeteredCounts => {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new UsageError(
      `--counts: cannot read ${file}; write it with npm run bench -- --only cost --counts ${file}`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`--counts: ${file} is not JSON (${(error as Error).message})`);
  }
  return parseCounts(json, file);
};

/** {@link COST_USAGE}: monthly cost by function and service, next to the naive consumer's. */
export const costCommand = async (input: CommandInput, io: Io, format: Format): Promise<void> => {
  // `--name` as a number within `bounds`; without it, `fallback` (or it is required).
  const numeric = (name: string, bounds: { min: number; max: number }, fallback?: number) =>
    numberOption(
      input.string(name) ?? (fallback === undefined ? input.required(name) : String(fallback)),
      `--${name}`,
      bounds,
    );
  const share = { min: 0, max: 1 };
  const defaults = DEFAULT_COST_INPUTS;
  const crossingRate = numeric('crossing-rate', share);
  const recordsPerInvocation = numeric(
    'records-per-invocation',
    { min: 1, max: 10_000 },
    defaults.recordsPerInvocation,
  );
  const countsFile = input.string('counts');
  // Built in (bundled with the command), so `npx inventory-alerts cost` works from any directory.
  const counts = countsFile
    ? readCounts(countsFile)
    : parseCounts(measuredCounts, DEFAULT_COUNTS_FILE);
  const result = monthlyCost({
    writesPerDay: numeric('writes-per-day', { min: 0, max: 1e12 }),
    crossingRate,
    smsShare: numeric('sms-share', share, defaults.smsShare),
    emailSubscribers: numeric('email-subscribers', { min: 0, max: 1e6 }, defaults.emailSubscribers),
    recordsPerInvocation,
    demandRecordsPerInvocation: numeric(
      'demand-records-per-invocation',
      { min: 1, max: 10_000 },
      defaults.demandRecordsPerInvocation,
    ),
    saleShare: numeric('sale-share', share, defaults.saleShare),
    itemsSoldPerDay: numeric('items-sold-per-day', { min: 0, max: 1e9 }, defaults.itemsSoldPerDay),
    ownRuleShare: numeric('own-rule-share', share, defaults.ownRuleShare),
    memoryMb: memoryOf(loadEnvironment('prod').memoryMb, counts, {
      rate: crossingRate,
      recordsPerInvocation,
    }),
    counts,
    digest: digestOf(input),
  });
  printCost(io, format, result);
};

/**
 * `--digest 15m [--immediate-share s] [--digest-channels sms,email]`: the subscribers of those
 * channels (SMS alone by default) on digests of that window.
 */
const digestOf = (input: CommandInput): Digest | undefined => {
  const window = input.string('digest');
  if (window === undefined) {
    for (const dependent of ['immediate-share', 'digest-channels'])
      if (input.string(dependent) !== undefined)
        throw new UsageError(`--${dependent} needs --digest <window>`);
    return undefined;
  }
  // The windows subscribe --digest accepts, and no other.
  const checked = digestWindowOf(window);
  if ('problem' in checked) throw new UsageError(`--digest: ${checked.problem}`);
  return {
    windowMinutes: checked.minutes,
    immediateShare: numberOption(input.string('immediate-share') ?? '0', '--immediate-share', {
      min: 0,
      max: 1,
    }),
    channels: digestChannelsOf(input.string('digest-channels') ?? 'sms'),
  };
};

/** A comma-separated list of {@link DIGEST_CHANNELS}, each once; anything else names the valid ones. */
const digestChannelsOf = (text: string): DigestChannel[] => {
  const channels = text.split(',').map((c) => c.trim());
  const valid = (c: string): c is DigestChannel =>
    (DIGEST_CHANNELS as readonly string[]).includes(c);
  const unknown = channels.filter((c) => !valid(c));
  if (unknown.length > 0 || channels.length === 0)
    throw new UsageError(
      `--digest-channels: unknown channel '${unknown[0] ?? ''}' (expected a comma-separated list of ${DIGEST_CHANNELS.join(', ')})`,
    );
  return [...new Set(channels.filter(valid))];
};

/** The bill as a table (CSV: only the lines, as numbers), its total next to the naive one's. */
const printCost = (io: Io, format: Format, result: ReturnType<typeof monthlyCost>) => {
  if (format === 'json') return io.out(JSON.stringify(result, null, 2));
  const columns = ['service', 'item', 'quantity', 'usd'];
  // Only the lines, as numbers: a spreadsheet adds them up.
  if (format === 'csv')
    return printRows(
      io,
      result.pipeline.map((line) => ({ ...line })),
      columns,
      'csv',
    );
  const money = (usd: number) => `$${usd < 1 ? usd.toFixed(4) : usd.toFixed(2)}`;
  const rows = result.pipeline.map((l) => ({
    ...l,
    quantity: Math.round(l.quantity).toLocaleString('en-US'),
    usd: money(l.usd),
  }));
  io.out(
    `Monthly cost (30 days), prices ${result.prices.region} as of ${result.prices.asOf}, counts measured by npm run bench`,
  );
  printRows(io, rows, columns, format);
  io.out(
    `Total: ${money(result.totals.pipeline)} per month; the naive per-record consumer: ${money(result.totals.naive)} (ours is ${(result.ratio ?? 0).toFixed(2)}× the naive bill).`,
  );
  io.out(`Sources: ${result.prices.source.join(' ')}`);
};
