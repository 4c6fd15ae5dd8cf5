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
