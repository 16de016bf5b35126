/**
 * AWS list prices the cost model uses: one table, dated, with its source. Region us-east-1,
 * on-demand, without free tiers; check the pages for your region before relying on a figure.
 */
export const PRICES = {
  asOf: '2025-06-01',
  region: 'us-east-1',
  source: [
    'https://aws.amazon.com/lambda/pricing/',
    'https://aws.amazon.com/sns/pricing/',
    'https://aws.amazon.com/sns/sms-pricing/',
    'https://aws.amazon.com/eventbridge/pricing/',
    'https://aws.amazon.com/dynamodb/pricing/on-demand/',
  ],
  lambda: {
    /** USD per request. */
    request: 0.2 / 1_000_000,
    /** USD per GB-second on arm64 (Graviton). */
    gbSecondArm64: 0.0000133334,
  },
  sns: {
    /** USD per published message (64 KB chunk). */
    publish: 0.5 / 1_000_000,
    /** USD per e-mail delivery. */
    emailDelivery: 2 / 100_000,
    /** USD per SMS to a US number (transactional, before carrier fees). */
    smsUs: 0.00581,
  },
  eventBridge: {
    /** USD per custom event put (64 KB chunk). */
    customEvent: 1 / 1_000_000,
  },
  dynamodb: {
    /** USD per write request unit, on-demand (after the November 2024 price reduction). */
    writeRequestUnit: 0.625 / 1_000_000,
    /** USD per read request unit, on-demand. */
    readRequestUnit: 0.125 / 1_000_000,
  },
} as const;
