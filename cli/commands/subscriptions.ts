import { writeFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import {
  InvalidParameterException,
  ListSubscriptionsByTopicCommand,
  SubscribeCommand,
  UnsubscribeCommand,
} from '@aws-sdk/client-sns';
import { readSandboxSubscriptions } from '../../sandbox/subscriptions-file.js';
import {
  type DigestChoice,
  digestWindowOf,
  E164_PATTERN,
  EMAIL_PATTERN,
  type FilterPolicy,
  filterPolicyOf,
  filterPolicyProblem,
  type SubscriberProtocol,
  subscriberIdOf,
  WEBHOOK_DELIVERY_POLICY,
  webhookProblem,
} from '../../shared/contracts/subscriptions.js';
import { LEVELS, type Level } from '../../shared/domain/levels.js';
import { DEFAULT_LOCALE, isLocale, LOCALES, type Locale } from '../../shared/domain/locales.js';
import { UsageError } from '../../shared/errors.js';
import type { CommandInput } from '../args.js';
import { type Format, type Io, printResult, printRows } from '../io.js';
import type { Target } from '../target.js';

const list = (value: string | undefined) =>
  value
    ? value
        .split(',')
        .map((v) => v.trim())
        .filter(Boolean)
    : undefined;

const SUBSCRIBE_USAGE =
  'subscribe email|sms <address> | subscribe https://<webhook> [--levels OUT_OF_STOCK,LOW_STOCK] [--locations WH-1] [--categories toys] [--no-resolved] [--locale en|zh-CN] [--digest 15m [--digest-critical]]';

/** The protocol and endpoint from the positionals, checked; a URL alone is a webhook. */
const endpointOf = (
  positionals: readonly string[],
  target: Target,
): { protocol: SubscriberProtocol; endpoint: string } => {
  const [first, second] = positionals;
  if (first && /^[a-z][a-z0-9+.-]*:\/\//i.test(first) && !second) {
    const problem = webhookProblem(first, target.kind === 'sandbox');
    if (problem) throw new UsageError(problem);
    return { protocol: first.startsWith('https:') ? 'https' : 'http', endpoint: first };
  }
  if ((first !== 'email' && first !== 'sms') || !second) throw new UsageError(SUBSCRIBE_USAGE);
  if (first === 'email' && !EMAIL_PATTERN.test(second))
    throw new UsageError(`"${second}" is not an e-mail address`);
  if (first === 'sms' && !E164_PATTERN.test(second)) {
    throw new UsageError(
      `"${second}" is not an E.164 phone number: write it with + and the country code, e.g. +14155550100`,
    );
  }
  return { protocol: first, endpoint: second };
};

/** How a change to the environment's config reaches the target. */
const applyConfig = (target: Target): string =>
  target.kind === 'sandbox' ? 'restart the sandbox (npm start)' : 'deploy first';

/** The subscriber's language: one the environment publishes in. */
const localeOf = (value: string | undefined, target: Target): Locale => {
  const locale = value ?? DEFAULT_LOCALE;
  if (!isLocale(locale))
    throw new UsageError(`--locale: unknown "${locale}"; use ${LOCALES.join(', ')}`);
  if (target.alertLocales && !target.alertLocales.includes(locale))
    throw new UsageError(
      `--locale ${locale}: this environment publishes alerts in ${target.alertLocales.join(', ')} only; add "${locale}" to its alertLocales in infra/config/environments.ts and ${applyConfig(target)}`,
    );
  return locale;
};

/** The subscriber's digest, if it asked for one, in a window the schedule closes. */
const digestOf = (
  window: string | undefined,
  critical: boolean,
  target: Target,
): DigestChoice | undefined => {
  if (window === undefined) {
    if (critical)
      throw new UsageError('--digest-critical needs --digest <window>, e.g. --digest 15m');
    return undefined;
  }
  const checked = digestWindowOf(window);
  if ('problem' in checked) throw new UsageError(`--digest: ${checked.problem}`);
  if (!target.digests)
    throw new UsageError(
      `--digest: this environment keeps no crossings for digests; set digests: true (or give a configured subscriber a digest) in infra/config/environments.ts and ${applyConfig(target)}`,
    );
  return { windowMinutes: checked.minutes, critical: critical ? 'digest' : 'immediate' };
};

export const subscribeCommand = async (
  input: CommandInput,
  target: Target,
  io: Io,
  format: Format,
): Promise<void> => {
  const { protocol, endpoint } = endpointOf(input.positionals, target);
  const levels = list(input.string('levels'));
  const unknown = levels?.filter((l) => !(LEVELS as readonly string[]).includes(l)) ?? [];
  if (unknown.length > 0)
    throw new UsageError(`--levels: unknown ${unknown.join(', ')}; use ${LEVELS.join(', ')}`);
  const locale = localeOf(input.string('locale'), target);
  const digest = digestOf(input.string('digest'), input.flag('digest-critical'), target);
  const filterPolicy = filterPolicyOf(
    protocol,
    {
      levels: levels as Level[] | undefined,
      locations: list(input.string('locations')),
      categories: list(input.string('categories')),
      resolved: !input.flag('no-resolved'),
    },
    locale,
    digest && { ...digest, id: subscriberIdOf(protocol, endpoint) },
  );
  const problem = filterPolicyProblem(filterPolicy);
  if (problem) throw new UsageError(`subscriber ${protocol} ${endpoint}: ${problem}`);
  const subscription = { protocol, endpoint, filterPolicy };
  if (target.kind === 'sandbox') return subscribeInSandbox(subscription, target, io, format);
  return subscribeOnTopic(subscription, target, io, format);
};

/** What `subscribe` asks for: one endpoint and the filter policy SNS will hold for it. */
interface NewSubscription {
  readonly protocol: SubscriberProtocol;
  readonly endpoint: string;
  readonly filterPolicy: FilterPolicy;
}

/**
 * Adds the subscription to the sandbox's file, keeping one per endpoint as SNS does: the same
 * endpoint with the same filter again is a no-op, with another filter it is refused.
 */
const subscribeInSandbox = (
  { protocol, endpoint, filterPolicy }: NewSubscription,
  target: Target,
  io: Io,
  format: Format,
): void => {
  const file = target.subscriptionsFile as string;
  const subscriptions = readSandboxSubscriptions(file);
  const existing = [...(target.environmentSubscriptions ?? []), ...subscriptions].find(
    (s) => s.protocol === protocol && s.endpoint === endpoint,
  );
  if (existing && !isDeepStrictEqual(existing.filterPolicy, filterPolicy))
    throw new UsageError(
      `${protocol} ${endpoint} is already subscribed (${existing.id}) with another filter; ${ONE_PER_ENDPOINT}: ${
        target.environmentSubscriptions?.includes(existing)
          ? 'it is configured by the environment, change it there'
          : `remove it (subscriptions remove ${existing.id}) and subscribe again`
      }`,
    );
  if (existing) {
    printResult(io, format, `Already subscribed ${protocol} ${endpoint} (${existing.id})`, {
      id: existing.id,
      protocol,
      endpoint,
      filterPolicy,
    });
    return;
  }
  const id = `local-${subscriptions.length + 1}-${Date.now()}`;
  writeFileSync(
    file,
    JSON.stringify([...subscriptions, { id, protocol, endpoint, filterPolicy }], null, 2),
  );
  printResult(
    io,
    format,
    `Subscribed ${protocol} ${endpoint} in the sandbox (${id}) with filter ${JSON.stringify(filterPolicy)}`,
    { id, protocol, endpoint, filterPolicy },
  );
};

/** SNS answers Subscribe for an endpoint it has with other attributes with this. */
const ONE_PER_ENDPOINT = 'SNS keeps one subscription per endpoint';

/**
 * Subscribes the endpoint to the environment's topic; SNS returns the existing subscription
 * for the same endpoint and attributes, and refuses other attributes (said here with the way out).
 */
const subscribeOnTopic = async (
  { protocol, endpoint, filterPolicy }: NewSubscription,
  target: Target,
  io: Io,
  format: Format,
): Promise<void> => {
  const webhook = protocol === 'https';
  const output = await target.sns
    ?.send(
      new SubscribeCommand({
        TopicArn: target.topicArn,
        Protocol: protocol,
        Endpoint: endpoint,
        Attributes: {
          FilterPolicy: JSON.stringify(filterPolicy),
          FilterPolicyScope: 'MessageAttributes',
          ...(webhook
            ? {
                RawMessageDelivery: 'true',
                DeliveryPolicy: JSON.stringify(WEBHOOK_DELIVERY_POLICY),
              }
            : {}),
        },
        ReturnSubscriptionArn: true,
      }),
    )
    .catch((error: unknown) => {
      if (
        error instanceof InvalidParameterException &&
        error.message.includes('already exists with different attributes')
      )
        throw new UsageError(
          `${protocol} ${endpoint} is already subscribed with another filter; ${ONE_PER_ENDPOINT}: remove it (subscriptions list, then subscriptions remove <arn>) and subscribe again`,
        );
      throw error;
    });
  const id = output?.SubscriptionArn ?? 'pending confirmation';
  printResult(io, format, `Subscribed ${protocol} ${endpoint}: ${id}`, {
    id,
    protocol,
    endpoint,
    filterPolicy,
  });
  if (protocol === 'email')
    io.err('SNS has sent a confirmation e-mail; alerts arrive once it is confirmed.');
  if (webhook)
    io.err(
      'SNS has posted a SubscriptionConfirmation to the URL; alerts arrive once the endpoint visits its SubscribeURL.',
    );
};

export const subscriptionsCommand = async (
  input: CommandInput,
  target: Target,
  io: Io,
  format: Format,
): Promise<void> => {
  const { action } = input;
  const [id] = input.positionals;
  if (action === 'list') {
    if (target.kind === 'sandbox') {
      const rows = [
        ...(target.environmentSubscriptions ?? []).map((s) => ({ ...s, source: 'environment' })),
        ...readSandboxSubscriptions(target.subscriptionsFile as string).map((s) => ({
          ...s,
          source: 'cli',
        })),
      ].map((s) => ({ ...s, filterPolicy: JSON.stringify(s.filterPolicy) }));
      return printRows(io, rows, ['id', 'source', 'protocol', 'endpoint', 'filterPolicy'], format);
    }
    const rows: Record<string, unknown>[] = [];
    let next: string | undefined;
    do {
      const page = await target.sns?.send(
        new ListSubscriptionsByTopicCommand({ TopicArn: target.topicArn, NextToken: next }),
      );
      for (const s of page?.Subscriptions ?? [])
        rows.push({ id: s.SubscriptionArn, protocol: s.Protocol, endpoint: s.Endpoint });
      next = page?.NextToken;
    } while (next);
    return printRows(io, rows, ['id', 'protocol', 'endpoint'], format);
  }
  if (action === 'remove') {
    if (!id)
      throw new UsageError('subscriptions remove <id>: the id or ARN from subscriptions list');
    if (target.kind === 'sandbox') {
      const file = target.subscriptionsFile as string;
      const subscriptions = readSandboxSubscriptions(file);
      if (target.environmentSubscriptions?.some((s) => s.id === id))
        throw new UsageError(
          `${id} is configured by the sandbox's environment (subscribers in infra/config/environments.ts, or the demo's when none): change it there and restart npm start`,
        );
      if (!subscriptions.some((s) => s.id === id))
        throw new UsageError(`No sandbox subscription ${id}`);
      writeFileSync(
        file,
        JSON.stringify(
          subscriptions.filter((s) => s.id !== id),
          null,
          2,
        ),
      );
    } else {
      await target.sns?.send(new UnsubscribeCommand({ SubscriptionArn: id }));
    }
    return printResult(io, format, `Removed ${id}`, { removed: id });
  }
};
