import { describe, expect, it } from 'vitest';
import { RulesDirectoryFullError, UsageError, withProgress } from '../../shared/errors.js';

describe('withProgress', () => {
  it('adds what was applied and keeps a usage error one (CLI exit 2), any other error not', () => {
    const full = withProgress(new RulesDirectoryFullError(['sku#B']), '1 written before it: sku#A');
    const other = withProgress(new Error('network down'), '1 written before it: sku#A');

    expect(full).toBeInstanceOf(UsageError);
    expect(full.message).toMatch(/^sku#B was NOT written: .* \(1 written before it: sku#A\)$/);
    expect(full.cause).toBeInstanceOf(RulesDirectoryFullError);
    expect(other).not.toBeInstanceOf(UsageError);
    expect(other.message).toBe('network down (1 written before it: sku#A)');
  });
});
