import { existsSync, readFileSync } from 'node:fs';
import type { FilterPolicy, SubscriberProtocol } from '../shared/contracts/subscriptions.js';

/** A subscription the sandbox delivers to, added by `inventory-alerts subscribe --sandbox`. */
export interface SandboxSubscription {
  readonly id: string;
  readonly protocol: SubscriberProtocol;
  readonly endpoint: string;
  readonly filterPolicy: FilterPolicy;
}

/**
 * The subscriptions in `.sandbox/subscriptions.json`, read on every publish so changes apply at
 * once: a JSON array of {@link SandboxSubscription} (`id`, `protocol`, `endpoint`, and the
 * `filterPolicy` SNS would hold), written by `subscribe --sandbox` and `subscriptions remove`.
 * It outlives a run; the environment's subscribers are not in it but in resources.json.
 */
export const readSandboxSubscriptions = (file: string): SandboxSubscription[] =>
  existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as SandboxSubscription[]) : [];
