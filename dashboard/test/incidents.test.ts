import { describe, expect, it } from 'vitest';
import type { Incident } from '../src/lib/api-types.ts';
import { outageMs, RECOVERED_SHOWN_MS, wallIncidents } from '../src/lib/incidents.ts';

const T = Date.parse('2026-11-11T12:00:00Z');
const MINUTE = 60_000;
const incident = (provider: string, startedAt: number, endedAt: number | null): Incident => ({
  kind: 'callback_silent',
  alert_id: `${provider}-${startedAt}`,
  provider,
  started_at: new Date(startedAt).toISOString(),
  ended_at: endedAt === null ? null : new Date(endedAt).toISOString(),
  open: endedAt === null,
  awaiting_payment: 0,
  confirmed_by_query: 0,
  applied: 0,
  remaining: 0,
  still_awaiting: 0,
  queries: { sent: 0, paid: 0, not_paid: 0, not_found: 0, error: 0, in_flight: 0 },
});

describe('incidents on the wall', () => {
  it('shows open outages first, and recovered ones for half an hour after they ended', () => {
    const now = T + 2 * 60 * MINUTE;
    const open = incident('alipay', T, null);
    const justOver = incident('wechatpay', T + 30 * MINUTE, now - RECOVERED_SHOWN_MS);
    const longOver = incident('wechatpay', T, now - RECOVERED_SHOWN_MS - 1);
    expect(wallIncidents([justOver, longOver, open], now)).toEqual([open, justOver]);
    expect(wallIncidents([longOver], now)).toEqual([]);
  });

  it('measures the outage to its end, or to now while it lasts', () => {
    expect(outageMs(incident('wechatpay', T, T + 47 * MINUTE), T + 90 * MINUTE)).toBe(47 * MINUTE);
    expect(outageMs(incident('wechatpay', T, null), T + 12 * MINUTE)).toBe(12 * MINUTE);
  });
});
