import { createHandler } from '../../functions/stock-monitor/handler.js';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../sandbox/dynamodb-local.js';
import {
  LocalRequestHandler,
  type WireEvent,
  type WirePublishEntry,
} from '../../sandbox/local-transport.js';

/**
 * The stock-monitor with its production SNS and EventBridge clients sending through the
 * sandbox's transport, which refuses what SNS and EventBridge refuse; DynamoDB is whatever the
 * test mocks (usually the control-table fake).
 */
export const monitorOverSandboxTransport = () => {
  const delivered: WirePublishEntry[] = [];
  const events: WireEvent[] = [];
  const transport = new LocalRequestHandler({
    publish: (_topic, entries) => void delivered.push(...entries),
    putEvents: (entries) => void events.push(...entries),
  });
  const local = {
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    requestHandler: transport as never,
  };
  const handler = createHandler({
    dynamodb: { region: LOCAL_REGION },
    sns: local,
    eventBridge: local,
  });
  return { handler, delivered, events };
};
