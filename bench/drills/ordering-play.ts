/**
 * Plays the ordering scenario on a sandbox, noting the rules each stream record was judged under.
 */

import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { GetCommand, paginateScan, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { listKind } from '../../cli/control-items.js';
import type { BusRecord } from '../../sandbox/local-bus.js';
import { Sandbox, type SandboxOptions } from '../../sandbox/sandbox.js';
import type { StreamBatching } from '../../sandbox/stream-poller.js';
import { controlTarget, lastDay, patientConfig, pause, sandboxPrefix, waves } from './common.js';
import {
  INITIAL_THRESHOLDS,
  ORDERING_CATEGORIES,
  type OrderingCategory,
  type OrderingScenario,
  orderingRule,
  type ShopStep,
  type ThresholdVersion,
} from './ordering-scenario.js';

/** One stream record as the stock-monitor received it, and the rules it was judged under. */
export interface Judged {
  readonly record: DynamoDBRecord;
  epoch: number;
}

/** What one run of the scenario left behind, read after it settled. */
export interface OrderingRun {
  readonly batching: string;
  readonly judged: Judged[];
  readonly versions: Map<OrderingCategory, ThresholdVersion>[];
  readonly events: BusRecord[];
  readonly items: Map<string, Record<string, unknown>>;
  readonly alertStates: Map<string, Record<string, unknown>>;
  readonly ledger: Record<string, unknown>[];
  readonly orders: Record<string, unknown>[];
  readonly reordered: number;
  readonly redelivered: number;
  readonly ruleEdits: number;
  readonly shopChanges: number;
}

/** One image of a stream record as a plain item, if the record carries it. */
export const image = (record: DynamoDBRecord, which: 'NewImage' | 'OldImage') => {
  const raw = record.dynamodb?.[which];
  return raw ? unmarshall(raw as Record<string, AttributeValue>) : undefined;
};

/**
 * The rules each batch was judged under. Every batch notes its records under the epoch in
 * force; a rule edit waits for the batch in flight and holds the next one back, so no batch
 * straddles an edit.
 */
class RuleEpochs {
  /** Every record the stock-monitor received, by sequence number, with its last epoch. */
  readonly judged = new Map<string, Judged>();
  /** The shop's own changes the stock-monitor received (not the strategies' writes). */
  shopSeen = 0;
  private epoch = 0;
  private editing = false;
  private release: () => void = () => {};
  private gate = Promise.resolve();
  private busy = 0;

  /** Wraps each stock-monitor invocation: held while an edit runs, its records noted. */
  readonly around: NonNullable<SandboxOptions['aroundStockMonitor']> = async (event, invoke) => {
    while (this.editing) await this.gate;
    this.busy++;
    try {
      for (const record of event.Records) this.note(record);
      return await invoke();
    } finally {
      this.busy--;
    }
  };

  /** Runs `edit` with no batch in flight and the next held back; later batches judge anew. */
  async edit(edit: () => Promise<void>): Promise<void> {
    this.editing = true;
    this.gate = new Promise<void>((resolve) => {
      this.release = resolve;
    });
    while (this.busy > 0) await pause(5);
    await edit();
    this.epoch++;
    this.editing = false;
    this.release();
  }

  private note(record: DynamoDBRecord) {
    const sequence = record.dynamodb?.SequenceNumber ?? '';
    const known = this.judged.get(sequence);
    if (known) known.epoch = this.epoch;
    else {
      this.judged.set(sequence, { record, epoch: this.epoch });
      if (image(record, 'NewImage')?.shopStep !== image(record, 'OldImage')?.shopStep)
        this.shopSeen++;
    }
  }
}

/** A fresh sandbox for the ordering drill, its stock-monitor wrapped by `epochs`. */
const orderingSandbox = (
  endpoint: string,
  batching: StreamBatching,
  pollIntervalMs: number,
  epochs: RuleEpochs,
) => {
  return Sandbox.create({
    endpoint,
    prefix: sandboxPrefix('ordering'),
    config: patientConfig({ enabled: false }),
    // Rules are read for every batch, so the thresholds a change was judged under are known.
    rulesCacheTtlSeconds: 0,
    pollIntervalMs,
    executorConcurrency: 4,
    streamBatching: batching,
    busDisorder: { maxDelayMs: 400, redeliveryRate: 0.1, redeliveryDelayMs: 800, seed: 21 },
    aroundStockMonitor: epochs.around,
  });
};

/** Each category's rule at its initial thresholds, and the scenario's items at 40 on hand. */
const seedOrdering = async (sandbox: Sandbox, scenario: OrderingScenario) => {
  for (const category of ORDERING_CATEGORIES)
    await sandbox.putRule(orderingRule(category, INITIAL_THRESHOLDS));
  for (const item of scenario.items) {
    await sandbox.putItem({
      sku: item.sku,
      location: 'WH-1',
      quantity: 40,
      price: item.price,
      category: item.category,
      shopStep: 0,
      ...(item.low !== undefined ? { lowStockThreshold: item.low } : {}),
    });
  }
};

/** One sale or receipt of the shop, numbered `index`; false when there was nothing to sell. */
const shopWrite = async (sandbox: Sandbox, step: ShopStep, index: number): Promise<boolean> => {
  const table = sandbox.tables.inventory;
  const key = { sku: step.sku, location: 'WH-1' };
  const set = `SET shopStep = :step${step.lowStockThreshold !== undefined ? ', lowStockThreshold = :low' : ''}`;
  const values = {
    ':step': index,
    ...(step.lowStockThreshold !== undefined ? { ':low': step.lowStockThreshold } : {}),
  };
  const update = (delta: number, condition?: string, extra: Record<string, unknown> = {}) =>
    sandbox.doc.send(
      new UpdateCommand({
        TableName: table,
        Key: key,
        UpdateExpression: `${set} ADD quantity :delta`,
        ...(condition ? { ConditionExpression: condition } : {}),
        ExpressionAttributeValues: { ...values, ':delta': delta, ...extra },
      }),
    );
  try {
    if (step.delta >= 0) await update(step.delta);
    else await update(step.delta, 'quantity >= :units', { ':units': -step.delta });
  } catch (error) {
    if ((error as Error).name !== 'ConditionalCheckFailedException') throw error;
    // Fewer on hand than the sale wants: the shop sells what is there, unless it just moved.
    const current = await sandbox.doc.send(
      new GetCommand({ TableName: table, Key: key, ConsistentRead: true }),
    );
    const quantity = Number(current.Item?.quantity ?? 0);
    if (quantity <= 0) return false;
    try {
      await update(-quantity, 'quantity = :on', { ':on': quantity });
    } catch (again) {
      if ((again as Error).name !== 'ConditionalCheckFailedException') throw again;
      return false;
    }
  }
  return true;
};

/** Each phase's shop steps, then its rule edit; returns the changes and edits made. */
const playPhases = async (
  sandbox: Sandbox,
  scenario: OrderingScenario,
  epochs: RuleEpochs,
  versions: Map<OrderingCategory, ThresholdVersion>[],
) => {
  let shopChanges = scenario.items.length;
  let ruleEdits = 0;
  let index = 0;
  for (const phase of scenario.phases) {
    // Sales and receipts in quick succession, never two for one item at once, while the
    // executors restock, reduce, reprice and unlist the same items.
    for (const wave of waves(phase.steps, 8)) {
      await Promise.all(
        wave.map(async (step) => {
          if (await shopWrite(sandbox, step, ++index)) shopChanges++;
        }),
      );
      await pause(15);
    }
    const edit = phase.edit;
    if (!edit) continue;
    // The shop's changes so far are judged before the edit, so every run judges them alike.
    const deadline = Date.now() + 60_000;
    while (epochs.shopSeen < shopChanges && Date.now() < deadline) await pause(10);
    await epochs.edit(async () => {
      await sandbox.putRule(orderingRule(edit.category, edit.to));
      const next = new Map(versions.at(-1));
      next.set(edit.category, edit.to);
      versions.push(next);
      ruleEdits++;
    });
  }
  return { shopChanges, ruleEdits };
};

/** What the run left behind in the tables and on the bus, read once it settled. */
const readOrderingRun = async (
  sandbox: Sandbox,
  played: Pick<OrderingRun, 'batching' | 'versions' | 'ruleEdits' | 'shopChanges'> & {
    judged: ReadonlyMap<string, Judged>;
  },
): Promise<OrderingRun> => {
  const target = controlTarget(sandbox);
  const items = new Map<string, Record<string, unknown>>();
  for await (const page of paginateScan(
    { client: sandbox.doc },
    { TableName: sandbox.tables.inventory },
  )) {
    for (const item of page.Items ?? []) items.set(String(item.sku), item);
  }
  const alertStates = new Map(
    (await listKind(target, 'ALERTS')).map((s) => [String(s.sku), s] as const),
  );
  return {
    batching: played.batching,
    judged: [...played.judged.values()],
    versions: played.versions,
    events: [...sandbox.events],
    items,
    alertStates,
    ledger: await listKind(target, 'LEDGER', lastDay()),
    orders: await listKind(target, 'ORDER', lastDay()),
    ...sandbox.busOrdering,
    ruleEdits: played.ruleEdits,
    shopChanges: played.shopChanges,
  };
};

/** Plays the ordering scenario on a fresh sandbox with the given batching of the stream. */
export const playOrdering = async (
  endpoint: string,
  scenario: OrderingScenario,
  batching: StreamBatching,
  name: string,
  pollIntervalMs: number,
): Promise<OrderingRun> => {
  const epochs = new RuleEpochs();
  const sandbox = await orderingSandbox(endpoint, batching, pollIntervalMs, epochs);
  const versions: Map<OrderingCategory, ThresholdVersion>[] = [
    new Map(ORDERING_CATEGORIES.map((c) => [c, INITIAL_THRESHOLDS])),
  ];
  await seedOrdering(sandbox, scenario);
  const { shopChanges, ruleEdits } = await playPhases(sandbox, scenario, epochs, versions);
  await sandbox.settle(600_000);
  const run = await readOrderingRun(sandbox, {
    batching: name,
    judged: epochs.judged,
    versions,
    ruleEdits,
    shopChanges,
  });
  await sandbox.stop();
  return run;
};
