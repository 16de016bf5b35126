import type { Catalogue } from '../locales.js';

/** English. */
export const en: Catalogue = {
  locale: 'en',
  levels: { OUT_OF_STOCK: 'Out of stock', LOW_STOCK: 'Low stock', OVERSTOCK: 'Overstock' },
  resolved: (level) => `${level} resolved`,
  severities: { critical: 'critical', warning: 'warning', info: 'info' },
  strategies: {
    'purchase-order': 'purchase-order',
    'direct-restock': 'direct-restock',
    reduce: 'reduce',
    reprice: 'reprice',
    'pause-listing': 'pause-listing',
    'notify-only': 'notify-only',
  },
  noQuantity: 'none',
  arrow: '->',
  comparisons: { atMost: '<=', atLeast: '>=' },
  subject: (f) => `[${f.severity.toUpperCase()}] ${f.verb}: ${f.label} at ${f.location}`,
  headline: (f) => `${f.verb} for ${f.label} at ${f.location}.`,
  labels: {
    item: 'Item',
    location: 'Location',
    category: 'Category',
    price: 'Price',
    quantity: 'Quantity',
    threshold: 'Threshold',
    rule: 'Rule',
    severity: 'Severity',
    alertId: 'Alert id',
    occurred: 'Occurred',
  },
  handling: (kind, strategy) => {
    if (kind === 'TRIGGERED')
      return strategy
        ? `Automatic handling: ${strategy}, as the strategy executor decides (for example, no second purchase order while one is open); the ledger records what it did.`
        : 'Automatic handling: none configured; please act.';
    return strategy
      ? `Automatic handling: the strategy executor closes out ${strategy} if anything needs undoing; the ledger records what it did.`
      : 'No action needed.';
  },
  summary: (f) =>
    `${f.verb}: ${f.label} at ${f.location}, quantity ${f.change} (${f.comparison} ${f.threshold}), alert ${f.alertId}.`,
  sms: (f) =>
    `${f.verb}: ${f.sku} @ ${f.location} qty ${f.change} (${f.comparison}${f.threshold})${f.strategy ? ` ${f.strategy}` : ''} #${f.alertId.slice(0, 8)}`,
  smsPrefersGsm7: true,
  digest: {
    window: (minutes) => (minutes % 60 === 0 ? `${minutes / 60} h` : `${minutes} min`),
    subject: (f) => `[DIGEST] ${f.count} stock alert${f.count === 1 ? '' : 's'} in ${f.window}`,
    headline: (f) =>
      `${f.count} stock alert${f.count === '1' ? '' : 's'} from ${f.since} to ${f.until} (${f.window}):`,
    more: (count) => `... and ${count} more.`,
    levelCodes: { OUT_OF_STOCK: 'OUT', LOW_STOCK: 'LOW', OVERSTOCK: 'OVER' },
    smsItem: (i) => `${i.level}${i.resolved ? ' ok' : ''} ${i.sku}@${i.location} ${i.quantity}`,
    sms: (f) =>
      `${f.count} stock alert${f.count === '1' ? '' : 's'}/${f.window}: ${f.items.join('; ')}${f.rest ? ` +${f.rest} more` : ''}`,
  },
};
