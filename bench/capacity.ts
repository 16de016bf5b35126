/**
 * DynamoDB capacity as DynamoDB bills it on demand, from item sizes (AWS docs: "Item sizes" and
 * "Read and write request units"). Pure: the stub transport feeds it the items of each request.
 */

/** An attribute value in DynamoDB's wire format. */
export type WireValue = Record<string, unknown>;
/** An item in DynamoDB's wire format. */
export type WireItem = Record<string, WireValue>;

const utf8 = (s: string) => Buffer.byteLength(s, 'utf8');

/**
 * A number's size: 1 byte per two significant digits, plus 1 (leading and trailing zeros are
 * trimmed; the sign and the decimal point are not stored as digits).
 */
const numberSize = (n: string): number => {
  const digits = n
    .replace(/^[-+]/, '')
    .replace(/[eE].*$/, '')
    .replace('.', '')
    .replace(/^0+/, '')
    .replace(/0+$/, '');
  return Math.ceil(Math.max(digits.length, 1) / 2) + 1;
};

/** Bytes of one attribute value. Maps and lists: 3 bytes, plus 1 per element, plus the elements. */
export const valueSize = (value: WireValue): number => {
  const [type, v] = Object.entries(value)[0] ?? [];
  switch (type) {
    case 'S':
      return utf8(v as string);
    case 'N':
      return numberSize(v as string);
    case 'B':
      return typeof v === 'string' ? Buffer.from(v, 'base64').length : (v as Uint8Array).length;
    case 'BOOL':
    case 'NULL':
      return 1;
    case 'SS':
      return (v as string[]).reduce((sum, s) => sum + utf8(s), 0);
    case 'NS':
      return (v as string[]).reduce((sum, s) => sum + numberSize(s), 0);
    case 'BS':
      return (v as string[]).reduce((sum, s) => sum + Buffer.from(s, 'base64').length, 0);
    case 'L':
      return (v as WireValue[]).reduce((sum, e) => sum + 1 + valueSize(e), 3);
    case 'M':
      return Object.entries(v as WireItem).reduce(
        (sum, [name, e]) => sum + 1 + utf8(name) + valueSize(e),
        3,
      );
    default:
      throw new TypeError(`not a DynamoDB attribute value: ${JSON.stringify(value)}`);
  }
};

/** Bytes of an item: each attribute's name (UTF-8) and value. */
export const itemSize = (item: WireItem | undefined): number =>
  item ? Object.entries(item).reduce((sum, [name, v]) => sum + utf8(name) + valueSize(v), 0) : 0;

/** How a request is billed. */
export interface Billing {
  /** TransactWriteItems / TransactGetItems: every unit counts twice. */
  readonly transactional?: boolean;
  /** Reads only: strongly consistent (or transactional) reads cost a whole unit per 4 KB. */
  readonly consistent?: boolean;
}

/**
 * Write request units of writing an item of `bytes` (for a replace or update, the larger of
 * the item before and after): 1 per KB or part of one, at least 1; twice in a transaction.
 */
export const writeUnits = (bytes: number, billing: Billing = {}): number =>
  Math.max(1, Math.ceil(bytes / 1024)) * (billing.transactional ? 2 : 1);

/**
 * Read request units of reading `bytes` (one item, or the sum a Query returns; an item not
 * found still costs the minimum): 1 per 4 KB or part of one when strongly consistent, half
 * that when eventually consistent, twice in a transaction.
 */
export const readUnits = (bytes: number, billing: Billing = {}): number => {
  const units = Math.max(1, Math.ceil(bytes / 4096));
  if (billing.transactional) return units * 2;
  return billing.consistent ? units : units / 2;
};

/** Requests billed by 64 KB chunk (SNS publishes, EventBridge PutEvents entries). */
export const chunks64k = (bytes: number): number => Math.max(1, Math.ceil(bytes / 65_536));
