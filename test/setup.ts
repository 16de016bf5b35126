import 'aws-sdk-client-mock-vitest/extend';

// The handlers read these at module load, as they do in Lambda.
process.env.CONTROL_TABLE_NAME ??= 'control-test';
process.env.INVENTORY_TABLE_NAME ??= 'inventory-test';
process.env.IDEMPOTENCY_TABLE_NAME ??= 'idempotency-test';
process.env.ALERTS_TOPIC_ARN ??= 'arn:aws:sns:eu-west-1:123456789012:alerts-test';
process.env.EVENT_BUS_NAME ??= 'inventory-test';
process.env.RULES_CACHE_TTL_SECONDS ??= '30';
process.env.POWERTOOLS_DEV ??= 'true';
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
process.env.POWERTOOLS_TRACE_ENABLED ??= 'false';
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
process.env.AWS_REGION ??= 'eu-west-1';
process.env.AWS_ACCESS_KEY_ID ??= 'test';
process.env.AWS_SECRET_ACCESS_KEY ??= 'test';
