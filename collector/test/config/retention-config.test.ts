import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/load-config.ts';

describe('dead-letter limits in the configuration', () => {
  it('defaults to 7 days and 256 MiB, and reads both variables', () => {
    expect(loadConfig({}).deadLetters).toEqual({ retentionMs: 7 * 86_400_000, maxBytes: 256 * 1024 * 1024 });
    expect(
      loadConfig({ ORDERPULSE_DEAD_LETTER_RETENTION: '36h', ORDERPULSE_DEAD_LETTER_MAX_BYTES: '1048576' })
        .deadLetters,
    ).toEqual({ retentionMs: 36 * 3_600_000, maxBytes: 1024 * 1024 });
  });

  it('refuses a retention that is not a duration of at least a minute, and a cap under 1 MiB', () => {
    for (const env of [
      { ORDERPULSE_DEAD_LETTER_RETENTION: 'forever' },
      { ORDERPULSE_DEAD_LETTER_RETENTION: '10s' },
      { ORDERPULSE_DEAD_LETTER_MAX_BYTES: '4096' },
    ]) {
      expect(() => loadConfig(env)).toThrow(ConfigError);
    }
  });
});

describe('the notification outbox retention in the configuration', () => {
  it('defaults to 30 days and reads the variable', () => {
    expect(loadConfig({}).notificationRetentionMs).toBe(30 * 86_400_000);
    expect(loadConfig({ ORDERPULSE_NOTIFICATION_RETENTION: '2w' }).notificationRetentionMs).toBe(
      14 * 86_400_000,
    );
  });

  it('refuses a retention under a day: a webhook row is what keeps it from being queued twice', () => {
    for (const value of ['23h', '0', 'never']) {
      expect(() => loadConfig({ ORDERPULSE_NOTIFICATION_RETENTION: value })).toThrow(ConfigError);
    }
    expect(loadConfig({ ORDERPULSE_NOTIFICATION_RETENTION: '24h' }).notificationRetentionMs).toBe(86_400_000);
  });
});
