import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadEnvironment } from '../../infra/config/environments.js';
import {
  DEFAULT_COST_INPUTS,
  type MeteredCounts,
  MeteredCountsSchema,
  memoryOf,
  monthlyCost,
} from '../../shared/domain/cost.js';
import { formatIssues, UsageError } from '../../shared/errors.js';
import { type Format, type Io, numberOption, printRows } from '../io.js';

/** The first line of `cost --help`. */
export const COST_USAGE =
  'cost --writes-per-day N --crossing-rate r [--sms-share s] [--email-subscribers n] [--records-per-invocation n] [--demand-records-per-invocation n] [--sale-share s] [--counts file]';

/** The counts `npm run bench` measured and committed. */
export const DEFAULT_COUNTS_FILE = fileURLToPath(
  new URL('../../bench/results/cost-counts.json', import.meta.url),
);

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
  const parsed = MeteredCountsSchema.safeParse(json);
  if (!parsed.success)
    throw new UsageError(
      `--counts: ${file} is not a counts file of npm run bench: ${formatIssues(parsed.error.issues).join('; ')}`,
    );
  return parsed.data;
};

/** {@link COST_USAGE}: monthly cost by function and service, next to the naive consumer's. */
export const costCommand = async (args: string[], io: Io, format: Format): Promise<void> => {
  const { values } = parseArgs({
    args,
    options: {
      'writes-per-day': { type: 'string' },
      'crossing-rate': { type: 'string' },
      'sms-share': { type: 'string', default: String(DEFAULT_COST_INPUTS.smsShare) },
      'email-subscribers': {
        type: 'string',
        default: String(DEFAULT_COST_INPUTS.emailSubscribers),
      },
      'records-per-invocation': {
        type: 'string',
        default: String(DEFAULT_COST_INPUTS.recordsPerInvocation),
      },
      'demand-records-per-invocation': {
        type: 'string',
        default: String(DEFAULT_COST_INPUTS.demandRecordsPerInvocation),
      },
      'sale-share': { type: 'string', default: String(DEFAULT_COST_INPUTS.saleShare) },
      counts: { type: 'string', default: DEFAULT_COUNTS_FILE },
    },
  });
  const crossingRate = numberOption(values['crossing-rate'], '--crossing-rate', { min: 0, max: 1 });
  const recordsPerInvocation = numberOption(
    values['records-per-invocation'],
    '--records-per-invocation',
    { min: 1, max: 10_000 },
  );
  const counts = readCounts(values.counts);
  const result = monthlyCost({
    writesPerDay: numberOption(values['writes-per-day'], '--writes-per-day', { min: 0, max: 1e12 }),
    crossingRate,
    smsShare: numberOption(values['sms-share'], '--sms-share', { min: 0, max: 1 }),
    emailSubscribers: numberOption(values['email-subscribers'], '--email-subscribers', {
      min: 0,
      max: 1e6,
    }),
    recordsPerInvocation,
    demandRecordsPerInvocation: numberOption(
      values['demand-records-per-invocation'],
      '--demand-records-per-invocation',
      { min: 1, max: 10_000 },
    ),
    saleShare: numberOption(values['sale-share'], '--sale-share', { min: 0, max: 1 }),
    memoryMb: memoryOf(loadEnvironment('prod').memoryMb, counts, {
      rate: crossingRate,
      recordsPerInvocation,
    }),
    counts,
  });
  if (format === 'json') {
    io.out(JSON.stringify(result, null, 2));
    return;
  }
  printCost(io, format, result);
};

/** The bill as a table, its total next to the naive consumer's, and where the prices come from. */
const printCost = (io: Io, format: Format, result: ReturnType<typeof monthlyCost>) => {
  const money = (usd: number) => `$${usd < 1 ? usd.toFixed(4) : usd.toFixed(2)}`;
  const rows = result.pipeline.map((l) => ({
    ...l,
    quantity: Math.round(l.quantity).toLocaleString('en-US'),
    usd: money(l.usd),
  }));
  io.out(
    `Monthly cost (30 days), prices ${result.prices.region} as of ${result.prices.asOf}, counts measured by npm run bench`,
  );
  printRows(io, rows, ['service', 'item', 'quantity', 'usd'], format);
  io.out(
    `Total: ${money(result.totals.pipeline)} per month; the naive per-record consumer: ${money(result.totals.naive)} (ours is ${(result.ratio ?? 0).toFixed(2)}× the naive bill).`,
  );
  io.out(`Sources: ${result.prices.source.join(' ')}`);
};
