/**
 * Environment variables the functions read: the stack sets them from the environment's config,
 * the sandbox sets them as the stack would, and the functions read them by these names.
 */
export const EnvName = {
  inventoryTable: 'INVENTORY_TABLE_NAME',
  controlTable: 'CONTROL_TABLE_NAME',
  idempotencyTable: 'IDEMPOTENCY_TABLE_NAME',
  alertsTopicArn: 'ALERTS_TOPIC_ARN',
  eventBusName: 'EVENT_BUS_NAME',
  rulesCacheTtlSeconds: 'RULES_CACHE_TTL_SECONDS',
  /** Decimals of the environment's currency: reprice rounds to its minor units. */
  currencyDecimals: 'CURRENCY_DECIMALS',
  /** The bound of the rules and derived-threshold caches, in entries. */
  cacheMaxEntries: 'CACHE_MAX_ENTRIES',
  /** Write shards per day of the control table's byKind index. */
  indexShards: 'CONTROL_INDEX_SHARDS',
  /** The locales subscribers use, comma-separated: one alert message each (default en). */
  alertLocales: 'ALERT_LOCALES',
  /** ISO 4217 code of the inventory table's prices, for the alerts' text (default USD). */
  currencyCode: 'CURRENCY_CODE',
  /** `on` when the environment has digest subscribers: the stock-monitor buffers crossings. */
  digestBuffer: 'DIGEST_BUFFER',
  /** Days after which an open order stops blocking a new one. */
  openOrderMaxAgeDays: 'OPEN_ORDER_MAX_AGE_DAYS',
} as const;
