import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { Context } from 'aws-lambda';
import type { ClientOverrides } from '../functions/commons/clients.js';
import { digestsEnabled, type EnvironmentConfig } from '../infra/config/environments.js';
import type { DigestTopic } from '../shared/adapters/digest-topic.js';
import { EnvName } from '../shared/contracts/env.js';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from './dynamodb-local.js';
import { FaultyRequestHandler, type RequestHandlerLike } from './faults.js';
import type { LocalRequestHandler } from './local-transport.js';
import { sandboxLocales } from './outbox.js';
import type { SandboxTables } from './tables.js';

/** The local alerts topic's and inventory bus's names. */
export const LOCAL_TOPIC = 'local-alerts';
export const LOCAL_BUS = 'local-inventory';

/**
 * The remaining time a local invocation is given: also how long Powertools idempotency holds
 * an interrupted run in progress, which the bus's retries wait out as Lambda's do.
 */
export const LOCAL_REMAINING_MS = 10_000;

/** The context Lambda hands a function, as far as the handlers read it. */
export const lambdaContext = (functionName: string): Context =>
  ({
    functionName,
    functionVersion: '$LATEST',
    awsRequestId: `local-${Date.now()}`,
    invokedFunctionArn: `arn:aws:lambda:${LOCAL_REGION}:000000000000:function:${functionName}`,
    memoryLimitInMB: '512',
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    callbackWaitsForEmptyEventLoop: false,
    getRemainingTimeInMillis: () => LOCAL_REMAINING_MS,
    done: () => {},
    fail: () => {},
    succeed: () => {},
  }) as Context;

/**
 * Sets the configuration the handlers read from the environment, as in Lambda, under the
 * names the stack sets it under; Powertools stays quiet unless the caller's environment says
 * otherwise.
 */
export const exportHandlerEnvironment = (
  tables: SandboxTables,
  config: EnvironmentConfig,
  rulesCacheTtlSeconds = config.rulesCacheTtlSeconds,
): void => {
  Object.assign(process.env, {
    [EnvName.inventoryTable]: tables.inventory,
    [EnvName.controlTable]: tables.control,
    [EnvName.idempotencyTable]: tables.idempotency,
    [EnvName.alertsTopicArn]: `arn:aws:sns:${LOCAL_REGION}:000000000000:${LOCAL_TOPIC}`,
    [EnvName.eventBusName]: LOCAL_BUS,
    [EnvName.rulesCacheTtlSeconds]: String(rulesCacheTtlSeconds),
    [EnvName.cacheMaxEntries]: String(config.cacheMaxEntries),
    [EnvName.currencyDecimals]: String(config.currency.decimals),
    [EnvName.indexShards]: String(config.indexShards),
    [EnvName.openOrderMaxAgeDays]: String(config.openOrderMaxAgeDays),
    [EnvName.alertLocales]: sandboxLocales(config).join(','),
    [EnvName.currencyCode]: config.currency.code,
  });
  // Exactly where the stack sets it (never more: a sandbox that kept crossings everywhere let
  // `subscribe --digest` through where AWS refuses it); unset, not `off`, as a function runs.
  if (digestsEnabled(config)) process.env[EnvName.digestBuffer] = 'on';
  else delete process.env[EnvName.digestBuffer];
  process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
  process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
  process.env.POWERTOOLS_TRACE_ENABLED ??= 'false';
  process.env.AWS_REGION ??= LOCAL_REGION;
};

/**
 * The handlers' clients: DynamoDB at `endpoint`, SNS and EventBridge on the local transport,
 * each through a fault injector when `callFaultRate` is set (its injectors are returned too).
 */
export const handlerClients = (
  endpoint: string,
  transport: LocalRequestHandler,
  callFaultRate: number | undefined,
): { overrides: ClientOverrides; faultHandlers: FaultyRequestHandler[] } => {
  const faulty = (handler: RequestHandlerLike) =>
    callFaultRate ? new FaultyRequestHandler(handler, callFaultRate) : handler;
  const dynamoTransport = faulty(new NodeHttpHandler());
  const busTransport = faulty(transport);
  const local = { region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS };
  return {
    overrides: {
      dynamodb: { endpoint, ...local, requestHandler: dynamoTransport as never },
      sns: { ...local, requestHandler: busTransport as never },
      eventBridge: { ...local, requestHandler: busTransport as never },
    },
    faultHandlers: [dynamoTransport, busTransport].filter(
      (h): h is FaultyRequestHandler => h instanceof FaultyRequestHandler,
    ),
  };
};

/**
 * The real handlers on the given clients, one strategy-executor per execution environment.
 * Imported only now: each module builds its production handler when loaded, from the
 * environment {@link exportHandlerEnvironment} sets.
 */
export const loadHandlers = async (
  overrides: ClientOverrides,
  {
    executorConcurrency,
    digestTopic,
    monitorClock,
  }: {
    executorConcurrency: number;
    digestTopic: DigestTopic;
    monitorClock?: (() => Date) | undefined;
  },
) => {
  const monitorModule = await import('../functions/stock-monitor/handler.js');
  const executorModule = await import('../functions/strategy-executor/handler.js');
  const recorderModule = await import('../functions/demand-recorder/handler.js');
  const digestModule = await import('../functions/digest-sender/handler.js');
  const rollupModule = await import('../functions/demand-rollup/handler.js');
  return {
    stockMonitor: monitorModule.createHandler(overrides, monitorClock),
    digestSender: digestModule.createHandler(overrides, digestTopic),
    demandRecorder: recorderModule.createHandler(overrides),
    demandRollup: rollupModule.createHandler(overrides),
    executors: Array.from({ length: executorConcurrency }, () =>
      executorModule.createHandler(overrides),
    ),
  };
};

/** The handlers the sandbox invokes. */
export type LocalHandlers = Awaited<ReturnType<typeof loadHandlers>>;
