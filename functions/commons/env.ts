import { DEFAULT_CACHE_MAX_ENTRIES } from '../../shared/adapters/lru-cache.js';
import { EnvName } from '../../shared/contracts/env.js';

/** Reads a required environment variable, failing fast with its name when it is missing. */
export const requireEnv = (name: string): string => {
  const value = process.env[name];
  if (value === undefined || value === '') {
    throw new Error(`Environment variable ${name} is required but not set`);
  }
  return value;
};

/** Reads an optional non-negative integer environment variable. */
export const intEnv = (name: string, fallback: number): number => {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) {
    throw new Error(`Environment variable ${name} must be a non-negative integer, got "${raw}"`);
  }
  return value;
};

/** Most entries each per-container cache keeps, from the environment (at least 1). */
export const cacheMaxEntries = (): number => {
  const value = intEnv(EnvName.cacheMaxEntries, DEFAULT_CACHE_MAX_ENTRIES);
  if (value < 1) {
    throw new Error(`Environment variable ${EnvName.cacheMaxEntries} must be at least 1, got 0`);
  }
  return value;
};
