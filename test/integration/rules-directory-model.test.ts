import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import fc from 'fast-check';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../sandbox/dynamodb-local.js';
import { createTables } from '../../sandbox/tables.js';
import { buildRulesDirectory, DIRECTORY_SHARDS } from '../../shared/adapters/rules-directory.js';
import { RulesRepository } from '../../shared/adapters/rules-repository.js';
import { ControlKeys } from '../../shared/contracts/tables.js';
import { type RuleScope, ruleKeyOf } from '../../shared/domain/rules.js';
import { aRule } from '../support/factories.js';

const TTL = 30_000;
const SCOPES: RuleScope[] = [
  { sku: 'A', location: 'L' },
  { sku: 'A' },
  { sku: 'B', location: 'L' },
  { category: 'c' },
];
const ITEM_SCOPES = SCOPES.filter((scope) => 'sku' in scope);
const ITEMS = [
  { sku: 'A', location: 'L', category: 'c' },
  { sku: 'A', location: 'M', category: 'c' },
  { sku: 'B', location: 'L', category: 'c' },
];
const SNOOZES = ['2099-01-01T00:00:00.000Z', '2099-02-01T00:00:00.000Z'];

/** What one scope holds in the reference model: a rule (by name) and an overlay's snooze. */
interface Stored {
  readonly rule?: string;
  readonly snooze?: string;
}
type Snapshot = ReadonlyMap<string, Stored>;

type Command =
  | { kind: 'put'; scope: number }
  | { kind: 'delete'; scope: number }
  | { kind: 'overlay'; scope: number; snooze: number }
  | { kind: 'reindex' }
  | { kind: 'advance'; ms: number }
  | { kind: 'resolve'; item: number };

const commandArbitrary: fc.Arbitrary<Command> = fc.oneof(
  fc.record({ kind: fc.constant('put' as const), scope: fc.nat(SCOPES.length - 1) }),
  fc.record({ kind: fc.constant('delete' as const), scope: fc.nat(SCOPES.length - 1) }),
  fc.record({
    kind: fc.constant('overlay' as const),
    scope: fc.nat(ITEM_SCOPES.length - 1),
    snooze: fc.nat(SNOOZES.length - 1),
  }),
  fc.constant({ kind: 'reindex' as const }),
  fc.record({
    kind: fc.constant('advance' as const),
    ms: fc.constantFrom(1, TTL / 2, TTL - 1, TTL, 2 * TTL),
  }),
  fc.record({ kind: fc.constant('resolve' as const), item: fc.nat(ITEMS.length - 1) }),
  fc.record({ kind: fc.constant('resolve' as const), item: fc.nat(ITEMS.length - 1) }),
);

/**
 * What a resolution may be when each key of the chain was read at some step of the last TTL:
 * the rule of the most specific key that holds one, and the latest snooze of the chain.
 */
const allowedResolutions = (chain: readonly string[], window: readonly Snapshot[]) => {
  let partial: { rule?: [string, string]; snooze?: string }[] = [{}];
  for (const key of chain) {
    const seen = new Set(window.map((snapshot) => JSON.stringify(snapshot.get(key) ?? {})));
    partial = partial.flatMap((acc) =>
      [...seen].map((text) => {
        const stored = JSON.parse(text) as Stored;
        const snooze =
          [acc.snooze, stored.snooze]
            .filter((s) => s !== undefined)
            .sort()
            .at(-1) ?? undefined;
        return {
          rule: acc.rule ?? (stored.rule ? ([key, stored.rule] as [string, string]) : undefined),
          snooze,
        };
      }),
    );
  }
  return new Set(partial.map((p) => JSON.stringify([p.rule?.[0], p.rule?.[1], p.snooze])));
};

let doc: DynamoDBDocumentClient;
let table: string;

beforeAll(async () => {
  const client = new DynamoDBClient({
    endpoint: inject('dynamoEndpoint'),
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
  });
  table = (await createTables(client, 'rules-directory-model-')).control;
  doc = DynamoDBDocumentClient.from(client);
});

/** Empties the scopes and the directory: a table with only the default rule, directory or not. */
const reset = async (writer: RulesRepository, withDirectory: boolean) => {
  const keys = [
    ...SCOPES.map((scope) => ControlKeys.rule(ruleKeyOf(scope))),
    ControlKeys.rulesDirectoryHead(),
    ...Array.from({ length: DIRECTORY_SHARDS }, (_, n) => ControlKeys.rulesDirectoryShard(n)),
  ];
  for (const Key of keys) await doc.send(new DeleteCommand({ TableName: table, Key }));
  await writer.put(aRule({ name: 'default' }));
  if (withDirectory) await buildRulesDirectory(doc, table);
};

/**
 * Rule and overlay edits (by another writer, as the CLI makes them) interleaved with the
 * monitor's resolutions and a moving clock, against a reference model: every resolution is
 * made of what each key of the item's chain held at some moment of the last TTL, so an edit
 * always reaches the monitor within the TTL, with or without the rules directory, and across
 * a reindex.
 */
describe('rules directory against a reference model (DynamoDB Local)', () => {
  it('resolves every item as the model did within the last TTL', async () => {
    const writer = new RulesRepository(doc, table, 0);
    await fc.assert(
      fc.asyncProperty(
        fc.boolean(),
        fc.array(commandArbitrary, { minLength: 5, maxLength: 25 }),
        async (withDirectory, commands) => {
          await reset(writer, withDirectory);
          const clock = { now: 1_000_000 };
          const monitor = new RulesRepository(
            doc,
            table,
            TTL,
            () => {},
            () => clock.now,
          );
          const model = new Map<string, Stored>([['default', { rule: 'default' }]]);
          const history: { at: number; snapshot: Snapshot }[] = [];
          for (const [index, command] of commands.entries()) {
            history.push({ at: clock.now, snapshot: new Map(model) });
            if (command.kind === 'advance') clock.now += command.ms;
            else if (command.kind === 'reindex') await buildRulesDirectory(doc, table);
            else if (command.kind === 'put') {
              const scope = SCOPES[command.scope] as RuleScope;
              await writer.put(aRule({ name: `v${index}`, scope }));
              const key = ruleKeyOf(scope);
              model.set(key, { ...model.get(key), rule: `v${index}` });
            } else if (command.kind === 'delete') {
              const key = ruleKeyOf(SCOPES[command.scope]);
              await writer.delete(key);
              const { snooze } = model.get(key) ?? {};
              if (snooze) model.set(key, { snooze });
              else model.delete(key);
            } else if (command.kind === 'overlay') {
              const scope = ITEM_SCOPES[command.scope] as RuleScope;
              const key = ruleKeyOf(scope);
              const read = (await writer.readOverlays([key])).get(key);
              if (!read) throw new Error(`no overlay read for ${key}`);
              const snooze = SNOOZES[command.snooze] as string;
              await writer.writeOverlays([{ overlay: { scope, snoozeUntil: snooze }, read }]);
              model.set(key, { ...model.get(key), snooze });
            } else {
              const item = ITEMS[command.item] as (typeof ITEMS)[number];
              const resolved = await monitor.resolve(item);
              const window = [
                ...history.filter((h) => h.at > clock.now - TTL).map((h) => h.snapshot),
                model,
              ];
              const chain = [
                ruleKeyOf({ sku: item.sku, location: item.location }),
                ruleKeyOf({ sku: item.sku }),
                ruleKeyOf({ category: item.category }),
                'default',
              ];
              const actual = JSON.stringify([
                resolved?.key,
                resolved?.rule.name,
                resolved?.rule.snoozeUntil,
              ]);
              expect(allowedResolutions(chain, window)).toContain(actual);
            }
          }
        },
      ),
      { numRuns: 15 },
    );
  });
});
