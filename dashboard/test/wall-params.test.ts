import { describe, expect, it } from 'vitest';
import { createTranslator } from '../src/lib/i18n.ts';
import { describeParams } from '../src/lib/rule-params.ts';
import { lagLevel, mismatchLevel, ordersLevel } from '../src/lib/thresholds.ts';
import { providerStatuses } from '../src/lib/wall-figures.ts';
import { parseWallParams, rotationFilter } from '../src/lib/wall-params.ts';

describe('wall URL options', () => {
  it('parses rotate, interval and filters, with safe defaults', () => {
    expect(parseWallParams('?rotate=region&interval=12&store=S9')).toEqual({
      rotate: 'region',
      intervalSeconds: 12,
      filter: { store_id: 'S9' },
    });
    expect(parseWallParams('?rotate=bogus&interval=1')).toEqual({
      rotate: null,
      intervalSeconds: 5,
      filter: {},
    });
    expect(parseWallParams('').intervalSeconds).toBe(30);
  });

  it('cycles through stores or regions and wraps around', () => {
    const scopes = { stores: ['S1', 'S2', 'S3'], regions: ['GD', 'ZJ'] };
    expect([0, 1, 2, 3].map((s) => rotationFilter('store', scopes, s, {}).store_id)).toEqual([
      'S1',
      'S2',
      'S3',
      'S1',
    ]);
    expect(rotationFilter('region', scopes, 3, { store_id: 'x' })).toEqual({ store_id: 'x', region: 'ZJ' });
    expect(rotationFilter('store', { stores: [], regions: [] }, 4, { region: 'GD' })).toEqual({
      region: 'GD',
    });
  });
});

describe('colour thresholds', () => {
  it('flags a drop in orders, a slow p95 lag and a mismatch above 1 %', () => {
    expect(ordersLevel(0, 40)).toBe('crit');
    expect(ordersLevel(15, 40)).toBe('warn');
    expect(ordersLevel(38, 40)).toBe('ok');
    expect(ordersLevel(null, 40)).toBe('none');
    expect([lagLevel(5), lagLevel(45), lagLevel(120)]).toEqual(['ok', 'warn', 'crit']);
    expect([mismatchLevel(0.001), mismatchLevel(0.007), mismatchLevel(0.013), mismatchLevel(null)]).toEqual([
      'ok',
      'warn',
      'crit',
      'none',
    ]);
  });

  it("shows a provider as silent exactly while its callback_silent alert is open, at the alert's severity", () => {
    const now = 10 * 3_600_000;
    const statuses = providerStatuses(
      {
        providers: [
          {
            provider: 'wechatpay',
            perMinute: [],
            lastHeardAt: now - 47 * 60_000,
            silent: { since: now - 37 * 60_000, severity: 'critical' },
          },
          // Quiet for 15 minutes, but the rule has not fired (too few orders): not shown as silent.
          { provider: 'alipay', perMinute: [], lastHeardAt: now - 15 * 60_000, silent: null },
          { provider: 'other', perMinute: [], lastHeardAt: null, silent: null },
        ],
      },
      now,
    );
    expect(statuses).toEqual([
      { provider: 'wechatpay', state: 'crit', silentMinutes: 47 },
      { provider: 'alipay', state: 'ok', silentMinutes: 15 },
      { provider: 'other', state: 'never', silentMinutes: 0 },
    ]);
    const warning = providerStatuses(
      {
        providers: [
          {
            provider: 'alipay',
            perMinute: [],
            lastHeardAt: null,
            silent: { since: now - 60_000, severity: 'warning' },
          },
        ],
      },
      now,
    );
    expect(warning).toEqual([{ provider: 'alipay', state: 'silent', silentMinutes: 1 }]);
  });
});

describe('rule parameters', () => {
  it('reads durations in the display language and leaves out empty scopes', () => {
    const t = createTranslator('en');
    expect(
      describeParams(
        {
          forMs: 0,
          coolDownMs: 300_000,
          scope: { stores: [], excludeStores: [] },
          limitsMs: { paid: 120_000, packed: 43_200_000 },
          minOrders: 20,
          providers: ['wechatpay', 'alipay'],
        },
        t,
      ),
    ).toEqual([
      'for: 0 s',
      'coolDown: 5 min',
      'limits: paid 2 min, packed 12 h 0 min',
      'minOrders: 20',
      'providers: wechatpay, alipay',
    ]);
    expect(describeParams({ scope: { stores: ['S1'], excludeStores: [] } }, t)).toEqual(['stores: S1']);
  });
});
