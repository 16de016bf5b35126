import { parseArgs } from 'node:util';
import { DEFAULT_COST_INPUTS, monthlyCost } from '../../shared/domain/cost.js';
import { UsageError } from '../errors.js';
import { type Format, type Io, printRows } from '../io.js';

const number = (value: string | undefined, option: string, min: number, max: number): number => {
  const n = Number(value);
  if (value === undefined || !Number.isFinite(n) || n < min || n > max) {
    throw new UsageError(`${option} must be a number from ${min} to ${max}, got "${value ?? ''}"`);
  }
  return n;
};

/** `cost --writes-per-day N --crossing-rate r [--sms-share s]`: monthly cost by service, next to the naive consumer's. */
export const costCommand = async (args: string[], io: Io, format: Format): Promise<void> => {
  const { values } = parseArgs({
    args,
    options: {
      'writes-per-day': { type: 'string' },
      'crossing-rate': { type: 'string' },
      'sms-share': { type: 'string', default: '0' },
      'email-subscribers': {
        type: 'string',
        default: String(DEFAULT_COST_INPUTS.emailSubscribers),
      },
      'records-per-invocation': {
        type: 'string',
        default: String(DEFAULT_COST_INPUTS.recordsPerInvocation),
      },
      'sale-share': { type: 'string', default: String(DEFAULT_COST_INPUTS.saleShare) },
    },
  });
  const result = monthlyCost({
    ...DEFAULT_COST_INPUTS,
    writesPerDay: number(values['writes-per-day'], '--writes-per-day', 0, 1e12),
    crossingRate: number(values['crossing-rate'], '--crossing-rate', 0, 1),
    smsShare: number(values['sms-share'], '--sms-share', 0, 1),
    emailSubscribers: number(values['email-subscribers'], '--email-subscribers', 0, 1e6),
    recordsPerInvocation: number(
      values['records-per-invocation'],
      '--records-per-invocation',
      1,
      10_000,
    ),
    saleShare: number(values['sale-share'], '--sale-share', 0, 1),
  });
  if (format === 'json') {
    io.out(JSON.stringify(result, null, 2));
    return;
  }
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
