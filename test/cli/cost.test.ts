import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_COUNTS_FILE, readCounts } from '../../cli/commands/cost.js';
import { runCliCaptured } from '../support/cli-fixture.js';

const cost = (...args: string[]) => runCliCaptured(['cost', ...args]);

describe('cost', () => {
  it('prices the load from the counts npm run bench committed, next to the naive consumer', async () => {
    // Act
    const result = await cost('--writes-per-day', '500000', '--crossing-rate', '0.02', '--json');
    // Assert
    expect(result.code).toBe(0);
    const bill = JSON.parse(result.out) as {
      totals: { pipeline: number; naive: number };
      ratio: number;
      pipeline: { item: string }[];
    };
    expect(bill.totals.pipeline).toBeGreaterThan(0);
    expect(bill.ratio).toBeCloseTo(bill.totals.pipeline / bill.totals.naive, 10);
    expect(bill.pipeline.map((l) => l.item)).toContain('demand-recorder writes (WRU)');
  });

  it('reads the committed counts file as the bench wrote it', () => {
    expect(readCounts(DEFAULT_COUNTS_FILE).batchSizes).toHaveLength(2);
  });

  it('names the counts file it cannot use, and how to write one (exit 2)', async () => {
    const missing = await cost(
      '--writes-per-day',
      '1',
      '--crossing-rate',
      '0',
      '--counts',
      '/nonexistent.json',
    );
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('npm run bench -- --only cost');

    const bad = join(tmpdir(), `counts-${process.pid}.json`);
    writeFileSync(bad, JSON.stringify({ changes: 10 }));
    const malformed = await cost('--writes-per-day', '1', '--crossing-rate', '0', '--counts', bad);
    expect(malformed.code).toBe(2);
    expect(malformed.err).toContain('batchSizes');
  });

  it('refuses a crossing rate outside 0–1 (exit 2)', async () => {
    const result = await cost('--writes-per-day', '1', '--crossing-rate', '2');
    expect(result.code).toBe(2);
    expect(result.err).toContain('--crossing-rate');
  });

  it('prices SMS digests only in the windows subscribe --digest accepts (exit 2 otherwise)', async () => {
    const load = ['--writes-per-day', '500000', '--crossing-rate', '0.02', '--sms-share', '0.1'];
    const refused = await cost(...load, '--digest', '7m');
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(/--digest: a digest window is a multiple of 15m/);
    const digested = JSON.parse((await cost(...load, '--digest', '1h', '--json')).out);
    const item = (name: string) =>
      digested.pipeline.find((l: { item: string }) => l.item === name)?.quantity;
    expect(item('SMS digests (60 min, US)')).toBeLessThanOrEqual(720);
    // The schedule runs at every 15-minute tick, whatever the window.
    expect(item('digest-sender requests')).toBe(2880);
    expect(digested.ratio).toBeLessThan(0.5);
  });

  it('puts the channels --digest-channels names on digests, and names the valid ones otherwise', async () => {
    const load = ['--writes-per-day', '500000', '--crossing-rate', '0.02', '--digest', '15m'];
    const json = async (...args: string[]) =>
      JSON.parse((await cost(...load, ...args, '--json')).out);
    const item = (r: { pipeline: { item: string; quantity: number }[] }, name: string) =>
      r.pipeline.find((l) => l.item === name)?.quantity;
    const smsOnly = await json();
    expect(item(smsOnly, 'stock-monitor e-mail deliveries')).toBeGreaterThan(100_000);
    const email = await json('--digest-channels', 'sms,email');
    expect(item(email, 'stock-monitor e-mail deliveries')).toBeUndefined();
    expect(item(email, 'e-mail digests (15 min)')).toBeLessThanOrEqual(2880);
    expect(email.totals.pipeline).toBeLessThan(smsOnly.totals.pipeline);
    const refused = await cost(...load, '--digest-channels', 'sms,fax');
    expect(refused.code).toBe(2);
    expect(refused.err).toContain(
      "--digest-channels: unknown channel 'fax' (expected a comma-separated list of sms, email)",
    );
    const alone = await cost(
      '--writes-per-day',
      '1',
      '--crossing-rate',
      '0',
      '--digest-channels',
      'sms',
    );
    expect(alone.code).toBe(2);
    expect(alone.err).toContain('--digest-channels needs --digest <window>');
  });
});
