import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseTokens } from '../../src/config.ts';

describe('config', () => {
  it('has working defaults', () => {
    const config = loadConfig({}, '/srv/op');
    expect(config).toMatchObject({
      port: 8080,
      databaseUrl: undefined,
      dataDir: '/srv/op/data',
      timeZone: 'Asia/Shanghai',
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('parses name=secret tokens; a bare secret gets the default name', () => {
    expect(parseTokens('pos=abcdefgh, erp=12345678,zzzzzzzz', 'default')).toEqual([
      { name: 'pos', secret: 'abcdefgh' },
      { name: 'erp', secret: '12345678' },
      { name: 'default', secret: 'zzzzzzzz' },
    ]);
  });

  it('reads ORDERPULSE_MAX_CLOCK_SKEW as a duration, 5m by default', () => {
    expect(loadConfig({}).maxClockSkewMs).toBe(5 * 60_000);
    expect(loadConfig({ ORDERPULSE_MAX_CLOCK_SKEW: '90s' }).maxClockSkewMs).toBe(90_000);
    expect(() => loadConfig({ ORDERPULSE_MAX_CLOCK_SKEW: '5' })).toThrow(/ORDERPULSE_MAX_CLOCK_SKEW/);
  });

  it('lists every problem at once', () => {
    try {
      loadConfig({
        PORT: 'eighty',
        ORDERPULSE_TZ: 'Mars/Olympus',
        ORDERPULSE_WECHATPAY_APIV3_KEY: 'short',
        DATABASE_URL: 'mysql://x',
      });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const problems = (error as ConfigError).problems.join('\n');
      expect(problems).toMatch(/PORT/);
      expect(problems).toMatch(/ORDERPULSE_TZ/);
      expect(problems).toMatch(/APIV3_KEY/);
      expect(problems).toMatch(/DATABASE_URL/);
    }
  });
});
