import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { EnvName } from '../contracts/env.js';
import {
  ControlIndex,
  type ControlIndexSettings,
  DEFAULT_INDEX_SHARDS,
  DEFAULT_OPEN_ORDER_MAX_AGE_DAYS,
  type IndexedKind,
  MAX_INDEX_SHARDS,
} from '../contracts/tables.js';
import { queryAll } from './query-all.js';

const positiveInt = (name: string, fallback: number, max: number): number => {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > max)
    throw new Error(
      `Environment variable ${name} must be a whole number from 1 to ${max}, got "${raw}"`,
    );
  return value;
};

/**
 * The index settings a function runs with, from {@link EnvName} (the stack sets them
 * from infra/config); the defaults where they are not set, as in the local sandbox.
 */
export const controlIndexSettingsFromEnv = (): ControlIndexSettings => ({
  shards: positiveInt(EnvName.indexShards, DEFAULT_INDEX_SHARDS, MAX_INDEX_SHARDS),
  openOrderMaxAgeDays: positiveInt(
    EnvName.openOrderMaxAgeDays,
    DEFAULT_OPEN_ORDER_MAX_AGE_DAYS,
    3650,
  ),
});

/** Queries in flight at once: a week of 8 shards is 64 partitions. */
const QUERY_CONCURRENCY = 16;

/** A time window, ISO-8601 instants, both ends included. */
export interface TimeWindow {
  readonly since: string;
  readonly until: string;
}

/**
 * The items of one kind in the `byKind` index, in time order: every shard (and for dated
 * kinds every day of the window) queried in parallel, each to its last page, then merged by
 * `at`. RULE and ALERTS are read whole (rules are configuration; alert states are in the
 * index only while an alert is open); ORDER and LEDGER only by window.
 */
export const readIndex = async (
  doc: DynamoDBDocumentClient,
  tableName: string,
  kind: IndexedKind,
  shards: number,
  window?: TimeWindow,
): Promise<Record<string, unknown>[]> => {
  const partitions = ControlIndex.partitions(kind, shards, window);
  const results: Record<string, unknown>[][] = [];
  let next = 0;
  const worker = async () => {
    while (next < partitions.length) {
      const index = next++;
      results[index] = await queryPartition(doc, tableName, partitions[index] as string, window);
    }
  };
  await Promise.all(Array.from({ length: Math.min(QUERY_CONCURRENCY, partitions.length) }, worker));
  return results.flat().sort((a, b) => String(a.at).localeCompare(String(b.at)));
};

const queryPartition = async (
  doc: DynamoDBDocumentClient,
  tableName: string,
  partition: string,
  window: TimeWindow | undefined,
): Promise<Record<string, unknown>[]> =>
  queryAll(doc, {
    TableName: tableName,
    IndexName: ControlIndex.name,
    KeyConditionExpression: window
      ? 'kind = :kind AND #at BETWEEN :since AND :until'
      : 'kind = :kind',
    ExpressionAttributeValues: {
      ':kind': partition,
      ...(window ? { ':since': window.since, ':until': window.until } : {}),
    },
    ...(window ? { ExpressionAttributeNames: { '#at': 'at' } } : {}),
  });
