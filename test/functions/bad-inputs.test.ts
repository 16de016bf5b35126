import { TransactWriteItemsCommand } from '@aws-sdk/client-dynamodb';
import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { snsMessageBytes } from '../../shared/adapters/alert-publisher.js';
import { mockControlTable } from '../support/control-table-fake.js';
import { aRule, streamEvent } from '../support/factories.js';
import { monitorOverSandboxTransport } from '../support/monitor-over-sandbox.js';
import { BAD_INPUT_CATALOGUE, type MonitorOutcome } from '../support/poison.js';

const context = {
  functionName: 'stock-monitor',
  awsRequestId: 'req-bad-inputs',
  getRemainingTimeInMillis: () => 60_000,
} as unknown as Context;
let control: ReturnType<typeof mockControlTable>;

beforeEach(() => {
  control = mockControlTable();
  control.putRule(aRule());
  control.mock.on(TransactWriteCommand).resolves({});
  control.mock.on(TransactWriteItemsCommand).resolves({});
});

afterEach(() => control.mock.reset());

describe('the bad-input catalogue through the stock-monitor', () => {
  const cases = BAD_INPUT_CATALOGUE.map(([name, make, holds, expected]) => ({
    name,
    make,
    holds,
    expected,
  }));
  it.each(cases)('$name → $expected', async ({ make, holds }) => {
    const { handler, delivered, events } = monitorOverSandboxTransport();
    const result = await handler(streamEvent(...make()), context);
    const outcome: MonitorOutcome = {
      failures: result.batchItemFailures.map((f) => f.itemIdentifier),
      alerts: delivered.map(
        (e) =>
          `${e.attributes.transition?.value} ${e.attributes.level?.value} ${e.attributes.sku?.value} ${e.attributes.location?.value}`,
      ),
      events: events.map((e) => {
        const detail = JSON.parse(e.Detail) as Record<string, string>;
        return `${e.DetailType} ${detail.level} ${detail.sku} ${detail.location}`;
      }),
      alertBytes: delivered.map((e) =>
        snsMessageBytes({
          body: e.message,
          subject: e.subject,
          attributes: Object.entries(e.attributes).map(
            ([n, a]) => [n, a.dataType, a.value] as const,
          ),
        }),
      ),
    };
    expect({ outcome, holds: holds(outcome) }).toEqual({ outcome, holds: true });
  });
});
