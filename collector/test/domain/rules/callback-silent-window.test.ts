// callback_silent's arithmetic at its edges: which creations the per-second window counts and
// forgets, and when a silence starts to count.
import { describe, expect, it } from 'vitest';
import {
  CreationWindow,
  callbackHeardAt,
  callbackSilence,
} from '../../../src/domain/rules/callback-silent.ts';
import { DEFAULT_RULE_PARAMS } from '../../../src/domain/rules/params.ts';

const S = 1000;
const params = { ...DEFAULT_RULE_PARAMS.callback_silent, limitMs: 10 * 60 * S, minOrders: 3 };

describe('CreationWindow', () => {
  it('counts whole seconds in (now - window, now]: the second the window starts in is out, the current one in', () => {
    const w = new CreationWindow(60 * S);
    for (const at of [4_999, 5_000, 5_999, 6_000, 9_999, 10_000, 10_999]) w.add(at, 10_000);
    // Window 5 s at 10.000: seconds 6..10 count, so 6.000 through 10.999; second 5 does not.
    expect(w.count(10_000, 5 * S)).toBe(4);
    expect(w.count(10_000, 6 * S)).toBe(6);
    expect(w.count(9_999, 5 * S)).toBe(4);
  });

  it('ignores a creation at or before now - retention when it is added', () => {
    const w = new CreationWindow(5 * S);
    w.add(5_000, 10_000);
    expect(w.count(10_000, 60 * S)).toBe(0);
    w.add(5_001, 10_000);
    expect(w.count(10_000, 60 * S)).toBe(1);
  });

  it('keeps the second retention reaches into and forgets the ones before it', () => {
    const w = new CreationWindow(5 * S);
    w.add(5_500, 10_000);
    // Retention starts in second 5: that second is kept, whatever window is asked for.
    expect(w.count(10_000, 60 * S)).toBe(1);
    expect(w.count(10_999, 60 * S)).toBe(1);
    // At 11.000 second 5 is older than retention: forgotten, even once retention grows again.
    expect(w.count(11_000, 60 * S)).toBe(0);
    w.setRetention(60 * S);
    expect(w.count(11_000, 60 * S)).toBe(0);
  });

  it('takes a longer retention for the creations added after the change', () => {
    const w = new CreationWindow(5 * S);
    w.setRetention(30 * S);
    w.add(1_000, 20_000);
    expect(w.count(20_000, 30 * S)).toBe(1);
  });

  it('adds up several creations in one second', () => {
    const w = new CreationWindow(60 * S);
    w.add(7_100, 8_000);
    w.add(7_900, 8_000);
    w.add(7_500, 8_000);
    expect(w.count(8_000, 2 * S)).toBe(3);
  });
});

describe('callbackSilence', () => {
  const lastHeard = 1_000_000;
  const since = lastHeard + params.limitMs;

  it('starts at last heard + limit, not a millisecond before', () => {
    expect(callbackSilence('alipay', lastHeard, 3, params, since - 1)).toBeUndefined();
    expect(callbackSilence('alipay', lastHeard, 3, params, since)).toEqual({
      provider: 'alipay',
      since,
      ordersInWindow: 3,
    });
  });

  it('needs exactly minOrders creations, not one more', () => {
    expect(callbackSilence('wechatpay', lastHeard, 2, params, since + S)).toBeUndefined();
    expect(callbackSilence('wechatpay', lastHeard, 3, params, since + S)?.ordersInWindow).toBe(3);
  });
});

describe('callbackHeardAt', () => {
  it('is the earlier of the event and arrival times, and nothing for a queried payment', () => {
    const base = { provider: 'wechatpay' as const, source: 'wechatpay' };
    expect(callbackHeardAt({ ...base, occurredAt: 5, receivedAt: 9 })).toBe(5);
    expect(callbackHeardAt({ ...base, occurredAt: 9, receivedAt: 5 })).toBe(5);
    expect(
      callbackHeardAt({ ...base, source: 'wechatpay-query', occurredAt: 5, receivedAt: 9 }),
    ).toBeUndefined();
  });
});
