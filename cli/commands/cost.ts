import { DEFAULT_COST_INPUTS, monthlyCost } from '../../shared/domain/cost.js';
import type { CommandInput } from '../args.js';
import { type Format, type Io, numberOption, printRows } from '../io.js';

/** The first line of `cost --help`. */
export const COST_USAGE =
  'cost --writes-per-day N --crossing-rate r [--sms-share s] [--email-subscribers n] [--records-per-invocation n] [--sale-share s]';

/** {@link COST_USAGE}: monthly cost by service, next to the naive consumer's. */
export const costCommand = async (input: CommandInput, io: Io, format: Format): Promise<void> => {
  const option = (name: string, fallback?: number) =>
    input.string(name) ?? (fallback === undefined ? input.required(name) : String(fallback));
  const values = {
    'writes-per-day': option('writes-per-day'),
    'crossing-rate': option('crossing-rate'),
    'sms-share': option('sms-share', 0),
    'email-subscribers': option('email-subscribers', DEFAULT_COST_INPUTS.emailSubscribers),
    'records-per-invocation': option(
      'records-per-invocation',
      DEFAULT_COST_INPUTS.recordsPerInvocation,
    ),
    'sale-share': option('sale-share', DEFAULT_COST_INPUTS.saleShare),
  };
  const result = monthlyCost({
    ...DEFAULT_COST_INPUTS,
    writesPerDay: numberOption(values['writes-per-day'], '--writes-per-day', { min: 0, max: 1e12 }),
    crossingRate: numberOption(values['crossing-rate'], '--crossing-rate', { min: 0, max: 1 }),
    smsShare: numberOption(values['sms-share'], '--sms-share', { min: 0, max: 1 }),
    emailSubscribers: numberOption(values['email-subscribers'], '--email-subscribers', {
      min: 0,
      max: 1e6,
    }),
    recordsPerInvocation: numberOption(
      values['records-per-invocation'],
      '--records-per-invocation',
      { min: 1, max: 10_000 },
    ),
    saleShare: numberOption(values['sale-share'], '--sale-share', { min: 0, max: 1 }),
  });
  if (format === 'json') {
    io.out(JSON.stringify(result, null, 2));
    return;
  }
  // Only the lines, as numbers: a spreadsheet adds them up.
  if (format === 'csv')
    return printRows(
      io,
      result.pipeline.map((line) => ({ ...line })),
      ['service', 'item', 'quantity', 'usd'],
      'csv',
    );
  const money = (usd: number) => `$${usd < 1 ? usd.toFixed(4) : usd.toFixed(2)}`;
  const rows = result.pipeline.map((l) => ({
    ...l,
    quantity: Math.round(l.quantity).toLocaleString('en-US'),
    usd: money(l.usd),
  }));
  io.out(`Monthly cost (30 days), prices ${result.prices.region} as of ${result.prices.asOf}`);
  printRows(io, rows, ['service', 'item', 'quantity', 'usd'], format);
  io.out(
    `Total: ${money(result.totals.pipeline)} per month; the naive per-record consumer: ${money(result.totals.naive)} (${(result.totals.naive / Math.max(result.totals.pipeline, 1e-12)).toFixed(1)}×).`,
  );
  io.out(`Sources: ${result.prices.source.join(' ')}`);
};
