import { DigestBuffer } from '../../shared/adapters/digest-buffer.js';
import { levelEventCategory, type StockLevelDetail } from '../../shared/contracts/events.js';
import type { Transition } from '../../shared/domain/crossing.js';
import { digestEntryOf } from '../../shared/domain/digest.js';
import {
  type AlertContext,
  type AlertMessage,
  type AlertSubject,
  buildAlertMessage,
} from '../../shared/domain/messages.js';

/** A low-stock trigger, as the stock-monitor sees one. */
export const lowStockTrigger: Transition = {
  kind: 'TRIGGERED',
  level: 'LOW_STOCK',
  alertId: 'abcdefghijklmnopqrstuv',
  threshold: 10,
  announced: true,
};

export const alertContext: AlertContext = {
  ruleKey: 'default',
  severity: 'warning',
  strategy: 'purchase-order',
  channels: ['email', 'sms'],
  occurredAt: '2026-11-25T12:00:00.000Z',
};

/** The bus detail the stock-monitor would put beside this alert. */
export const detailOf = (
  transition: Transition,
  item: AlertSubject,
  context: AlertContext,
): StockLevelDetail => ({
  version: '1',
  alertId: transition.alertId,
  sku: item.sku,
  location: item.location,
  ...levelEventCategory(item.category),
  level: transition.level,
  previousQuantity: item.previousQuantity ?? null,
  quantity: item.quantity ?? null,
  threshold: transition.threshold,
  occurredAt: context.occurredAt,
  severity: context.severity,
  ruleKey: context.ruleKey,
  notified: true,
  changeId: 'change-1',
});

/** An alert as the stock-monitor builds it. */
export const anAlert = (
  item: AlertSubject,
  transition: Transition = lowStockTrigger,
  context: AlertContext = alertContext,
): AlertMessage =>
  buildAlertMessage(transition, item, context, detailOf(transition, item, context));

/**
 * An alert as the digest buffer keeps it, committed when it happened (the buffer indexes an
 * entry by its commit's time): the item the stock-monitor writes.
 */
export const bufferedItemOf = (message: AlertMessage) => {
  const entry = digestEntryOf(message);
  return new DigestBuffer({} as never, 'control-test', 8).put(entry, entry.occurredAt).Item;
};
