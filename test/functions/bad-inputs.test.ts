import { TransactWriteItemsCommand } from '@aws-sdk/client-dynamodb';
import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { lambdaContext } from '../../sandbox/local-handlers.js';
import { mockControlTable } from '../support/control-table-fake.js';
import { aRule, streamEvent } from '../support/factories.js';
import { monitorOverSandboxTransport } from '../support/monitor-over-sandbox.js';
import { BAD_INPUT_CATALOGUE, monitorOutcome } from '../support/poison.js';

const context = lambdaContext('stock-monitor');
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
    const outcome = monitorOutcome(
      result.batchItemFailures.map((f) => f.itemIdentifier),
      delivered,
      events,
    );
    expect({ outcome, holds: holds(outcome) }).toEqual({ outcome, holds: true });
  });
});
