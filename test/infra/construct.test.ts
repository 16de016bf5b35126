import { App, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Table } from 'aws-cdk-lib/aws-dynamodb';
import { AwsSolutionsChecks } from 'cdk-nag';
// By the package's name, as an app that installed inventory-alerts imports it.
import { InventoryAlerts, inventoryAlertsConfig } from 'inventory-alerts/construct';
import { describe, expect, it } from 'vitest';

const TABLE_NAME = 'shop-inventory';
const STREAM_ARN =
  'arn:aws:dynamodb:eu-west-1:123456789012:table/shop-inventory/stream/2026-01-01T00:00:00.000';

/** A team's own app and stack, with its own inventory table, and the alerts added to it. */
const shopApp = ({ withStream = true } = {}) => {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'Shop', { env: { account: '123456789012', region: 'eu-west-1' } });
  const inventoryTable = Table.fromTableAttributes(stack, 'Inventory', {
    tableName: TABLE_NAME,
    ...(withStream ? { tableStreamArn: STREAM_ARN } : {}),
  });
  const alerts = new InventoryAlerts(stack, 'StockAlerts', {
    config: inventoryAlertsConfig('shop', {
      subscribers: [{ protocol: 'email', endpoint: 'buyer@shop.example' }],
    }),
    inventoryTable,
  });
  return { app, stack, alerts };
};

describe('the InventoryAlerts construct in an existing app', () => {
  it('reads the existing table stream and creates no inventory table of its own', () => {
    const { stack } = shopApp();
    const template = Template.fromStack(stack);
    // Its own control and idempotency tables only.
    template.resourceCountIs('AWS::DynamoDB::Table', 2);
    template.resourcePropertiesCountIs(
      'AWS::Lambda::EventSourceMapping',
      { EventSourceArn: STREAM_ARN, StartingPosition: 'LATEST' },
      2,
    );
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: STREAM_ARN,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BisectBatchOnFunctionError: true,
    });
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'buyer@shop.example',
    });
    // The strategy-executor changes items of that table, by its name.
    const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
      (policy) => policy.Properties.PolicyDocument.Statement,
    );
    const itemWrites = statements.filter((statement) =>
      [statement.Action].flat().includes('dynamodb:ConditionCheckItem'),
    );
    expect(itemWrites.map((statement) => JSON.stringify(statement.Resource))).toContainEqual(
      expect.stringContaining(`:table/${TABLE_NAME}`),
    );
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    expect(Object.keys(template.findResources('AWS::CloudWatch::Alarm')).length).toBeGreaterThan(5);
  });

  it('passes the cdk-nag AwsSolutions checks', () => {
    const { app } = shopApp();
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).not.toThrow();
  });

  it('refuses a table given without its stream, saying how to pass it', () => {
    expect(() => shopApp({ withStream: false })).toThrow(/no stream.*tableStreamArn/);
  });

  it('names a bad setting of the config it is given', () => {
    expect(() => inventoryAlertsConfig('shop', { logLevel: 'LOUD' as 'INFO' })).toThrow(
      /Environment "shop" is invalid: logLevel/,
    );
  });
});
