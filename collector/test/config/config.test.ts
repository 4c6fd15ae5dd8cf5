import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseTokens } from '../../src/config/load-config.ts';

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

  it('names the Alertmanager instance after the host and port unless told, and beats the Watchdog every minute', () => {
    const defaults = loadConfig({ PORT: '9100' });
    expect(defaults.instance).toBe(`${os.hostname()}:9100`);
    expect(defaults.watchdogIntervalMs).toBe(60_000);
    const set = loadConfig({
      ORDERPULSE_INSTANCE: 'collector:8080',
      ORDERPULSE_WATCHDOG_INTERVAL_SECONDS: '0',
    });
    expect(set.instance).toBe('collector:8080');
    expect(set.watchdogIntervalMs).toBe(0);
    expect(() => loadConfig({ ORDERPULSE_WATCHDOG_INTERVAL_SECONDS: '1m' })).toThrow(ConfigError);
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

  it('reads rate limits as requests/duration or off, the proxy trust and the request timeout', () => {
    const config = loadConfig({
      ORDERPULSE_RATE_LIMIT_AUTH_FAILURES: '5/30s',
      ORDERPULSE_RATE_LIMIT_CALLBACKS: 'off',
      ORDERPULSE_TRUST_PROXY: '127.0.0.1,10.0.0.0/8',
      ORDERPULSE_REQUEST_TIMEOUT: '90s',
    });
    expect(config.rateLimits).toEqual({
      authFailures: { max: 5, windowMs: 30_000 },
      callbacks: undefined,
      ingest: { max: 1000, windowMs: 1000 },
    });
    expect(config.trustProxy).toBe('127.0.0.1,10.0.0.0/8');
    expect(config.requestTimeoutMs).toBe(90_000);
    expect(loadConfig({}).trustProxy).toBe(false);
    expect(loadConfig({ ORDERPULSE_TRUST_PROXY: 'true' }).trustProxy).toBe(true);
    expect(() => loadConfig({ ORDERPULSE_RATE_LIMIT_INGEST: 'lots' })).toThrow(
      /ORDERPULSE_RATE_LIMIT_INGEST/,
    );
    expect(() => loadConfig({ ORDERPULSE_RATE_LIMIT_INGEST: '10/0s' })).toThrow(
      /ORDERPULSE_RATE_LIMIT_INGEST/,
    );
    expect(() => loadConfig({ ORDERPULSE_REQUEST_TIMEOUT: '5' })).toThrow(/ORDERPULSE_REQUEST_TIMEOUT/);
  });
});
