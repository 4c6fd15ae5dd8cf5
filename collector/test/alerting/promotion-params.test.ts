// Promotion thresholds (calendar.yaml `promotions`): the running service switches rule parameters
// when the clock crosses a promotion's start and end, and re-evaluates what is already tracked.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PromotionParams } from '../../src/alerting/promotion-params.ts';
import { alwaysOpenCalendar, type Calendar } from '../../src/domain/alerts/calendar.ts';
import { DEFAULT_RULE_PARAMS } from '../../src/domain/rules/params.ts';
import { openTestDatabase, type TestDatabase } from '../support/test-database.ts';
import {
  byEntity,
  copyRules,
  ev,
  type Harness,
  HOUR,
  MINUTE,
  SECOND,
  startHarness,
  T0,
} from './alerting-harness.ts';

// T0 is 10:00 in Shanghai; the promotion runs 11:00–12:00 (T0 + 1 h … T0 + 2 h).
const CALENDAR = `time_zone: Asia/Shanghai
business_hours:
  default:
    daily: ["00:00-24:00"]
promotions:
  - name: flash-sale
    from: 2026-03-02T11:00:00+08:00
    to: 2026-03-02T12:00:00+08:00
    overrides:
      payment_unapplied:
        limit: 5m
  - name: other-stores-only
    from: 2026-03-02T10:30:00+08:00
    to: 2026-03-02T13:00:00+08:00
    stores: [S99]
    overrides:
      payment_unapplied:
        limit: 1h
`;

describe('promotion parameters in the alerting service', () => {
  let store: TestDatabase;
  let h: Harness;

  beforeAll(async () => {
    store = await openTestDatabase('pglite');
    const rulesDir = copyRules();
    fs.writeFileSync(path.join(rulesDir, 'calendar.yaml'), CALENDAR);
    h = await startHarness(store.db, { rulesDir });
  });
  afterAll(async () => {
    await h?.close();
    await store?.dispose();
  });

  const unapplied = async (order: string) => byEntity(await h.alerts(), 'payment_unapplied').get(order);

  it('before the promotion the rules.yaml limit (2 m) applies', async () => {
    expect(h.app.alerting.promotionsInForce()).toEqual([]);
    const t = h.clock.now;
    await h.post([ev.order('PR-0', 'created', t), ev.payment('PR-0', t)]);
    await h.advance(2 * MINUTE + SECOND);
    expect(await unapplied('PR-0')).toMatchObject({ status: 'firing' });
  });

  it('during the promotion the limit is 5 m', async () => {
    h.clock.now = T0 + HOUR;
    await h.advance(SECOND);
    expect(h.app.alerting.promotionsInForce()).toEqual(['flash-sale']);
    const t = h.clock.now;
    await h.post([ev.order('PR-1', 'created', t), ev.payment('PR-1', t)]);
    await h.advance(3 * MINUTE);
    expect(await unapplied('PR-1')).toBeUndefined();
    await h.advance(2 * MINUTE);
    expect(await unapplied('PR-1')).toMatchObject({ status: 'firing' });
  });

  it('when the promotion ends, waiting orders are judged by the normal limit again at once', async () => {
    // Paid 1 m before the end: 5 m would fire 4 m after it; 2 m fires 1 m after it.
    h.clock.now = T0 + 2 * HOUR - MINUTE;
    await h.advance(0);
    const t = h.clock.now;
    await h.post([ev.order('PR-2', 'created', t), ev.payment('PR-2', t)]);
    await h.advance(MINUTE);
    expect(h.app.alerting.promotionsInForce()).toEqual([]);
    expect(await unapplied('PR-2')).toBeUndefined();
    await h.advance(MINUTE);
    expect(await unapplied('PR-2')).toMatchObject({
      status: 'firing',
      started_at: new Date(t + 2 * MINUTE).toISOString(),
    });
  });

  it('a promotion limited to S99 (1 h, until 13:00) holds only S99 orders, POSTed through /v1/events', async () => {
    // 12:02: flash-sale is over, other-stores-only runs until 13:00.
    h.clock.now = T0 + 2 * HOUR + 2 * MINUTE;
    await h.advance(0);
    expect(h.app.alerting.promotionsInForce()).toEqual([]);
    expect(h.app.alerting.storePromotionsInForce()).toEqual(['other-stores-only']);
    const t = h.clock.now;
    await h.post([
      ev.order('PR-S1', 'created', t),
      ev.payment('PR-S1', t),
      ev.order('PR-S99', 'created', t, { store_id: 'S99' }),
      ev.payment('PR-S99', t, { store_id: 'S99' }),
    ]);
    await h.advance(2 * MINUTE + SECOND);
    expect(await unapplied('PR-S1')).toMatchObject({ status: 'firing', store_id: 'S1' });
    expect(await unapplied('PR-S99')).toBeUndefined();
    // 12:59:59: still inside S99's 1 h limit; at 13:00 the promotion ends and 2 m applies at once.
    h.clock.now = T0 + 3 * HOUR - SECOND;
    await h.advance(0);
    expect(await unapplied('PR-S99')).toBeUndefined();
    await h.advance(SECOND);
    expect(h.app.alerting.storePromotionsInForce()).toEqual([]);
    expect(await unapplied('PR-S99')).toMatchObject({
      status: 'firing',
      store_id: 'S99',
      started_at: new Date(t + 2 * MINUTE).toISOString(),
    });
  });
});

describe('PromotionParams', () => {
  const calendar: Calendar = {
    ...alwaysOpenCalendar(),
    promotions: [
      { name: 'a', fromMs: 1_000, toMs: 2_000, stores: [], overrides: { payment_unapplied: { limitMs: 5 } } },
      { name: 'b', fromMs: 1_500, toMs: 3_000, stores: [], overrides: { payment_unapplied: { limitMs: 7 } } },
    ],
  };

  it('reports new parameters only when the running set changes, later promotions winning', () => {
    const p = new PromotionParams();
    expect(p.paramsAt(DEFAULT_RULE_PARAMS, calendar, 0)).toBe(DEFAULT_RULE_PARAMS);
    expect(p.due(DEFAULT_RULE_PARAMS, calendar, 999)).toBeUndefined();
    expect(p.due(DEFAULT_RULE_PARAMS, calendar, 1_000)?.payment_unapplied.limitMs).toBe(5);
    expect(p.due(DEFAULT_RULE_PARAMS, calendar, 1_200)).toBeUndefined();
    expect(p.due(DEFAULT_RULE_PARAMS, calendar, 1_500)?.payment_unapplied.limitMs).toBe(7);
    expect(p.inForce()).toEqual(['a', 'b']);
    expect(p.due(DEFAULT_RULE_PARAMS, calendar, 2_000)?.payment_unapplied.limitMs).toBe(7);
    expect(p.due(DEFAULT_RULE_PARAMS, calendar, 3_000)).toBe(DEFAULT_RULE_PARAMS);
    expect(p.due(DEFAULT_RULE_PARAMS, calendar, 10_000)).toBeUndefined();
    // A clock that goes back is re-checked.
    expect(p.due(DEFAULT_RULE_PARAMS, calendar, 1_100)?.payment_unapplied.limitMs).toBe(5);
  });

  it('keeps one parameter set per store named by a running store promotion, chain-wide ones included', () => {
    const withStores: Calendar = {
      ...calendar,
      promotions: [
        ...calendar.promotions,
        { name: 'c', fromMs: 1_800, toMs: 2_500, stores: ['S9'], overrides: { order_stalled: { forMs: 3 } } },
      ],
    };
    const p = new PromotionParams();
    p.paramsAt(DEFAULT_RULE_PARAMS, withStores, 1_600);
    expect(p.byStore().size).toBe(0);
    // Only a store promotion starts: the chain-wide set is unchanged, but the change is still due.
    const atC = p.due(DEFAULT_RULE_PARAMS, withStores, 1_800);
    expect(atC?.payment_unapplied.limitMs).toBe(7);
    expect(atC?.order_stalled.forMs).toBe(0);
    expect(p.inForce()).toEqual(['a', 'b']);
    expect(p.storeLimitedInForce()).toEqual(['c']);
    expect([...p.byStore().keys()]).toEqual(['S9']);
    expect(p.byStore().get('S9')?.order_stalled.forMs).toBe(3);
    expect(p.byStore().get('S9')?.payment_unapplied.limitMs).toBe(7);
    expect(p.due(DEFAULT_RULE_PARAMS, withStores, 1_900)).toBeUndefined();
    expect(p.due(DEFAULT_RULE_PARAMS, withStores, 2_000)?.payment_unapplied.limitMs).toBe(7);
    expect(p.byStore().get('S9')?.order_stalled.forMs).toBe(3);
    expect(p.due(DEFAULT_RULE_PARAMS, withStores, 2_400)).toBeUndefined();
    expect(p.due(DEFAULT_RULE_PARAMS, withStores, 2_500)?.payment_unapplied.limitMs).toBe(7);
    expect(p.byStore().size).toBe(0);
  });
});
