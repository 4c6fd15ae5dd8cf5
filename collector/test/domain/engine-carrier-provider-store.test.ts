import { describe, expect, it } from 'vitest';
import { RuleEngine } from '../../src/domain/rules/engine.ts';
import { DEFAULT_RULE_PARAMS } from '../../src/domain/rules/params.ts';
import type { StoreReconciliationResult } from '../../src/domain/rules/reconciliation-mismatch.ts';
import { shipmentKey } from '../../src/domain/rules/shipment-state.ts';
import type { Signal } from '../../src/domain/rules/signal.ts';
import { carrierUpdate, HOUR, MINUTE, orderStatus, payment, SECOND, T0 } from './fixtures.ts';

const brief = (signals: Signal[]) =>
  signals.map((s) => `${s.condition} ${s.rule} ${s.entityId} @${s.at - T0}`);
const SF1 = shipmentKey('sf', 'SF1');

describe('tracking_silent', () => {
  it('fires 48 h after the last carrier update and resolves when an update arrives', () => {
    const engine = new RuleEngine(DEFAULT_RULE_PARAMS);
    engine.ingest(orderStatus('O1', 'shipped', T0, { carrier: 'sf', trackingNo: 'SF1' }), T0);
    engine.ingest(carrierUpdate('O1', 'SF1', 'in_transit', T0 + HOUR), T0 + HOUR);
    expect(engine.tick(T0 + 49 * HOUR - 1)).toEqual([]);
    const fired = engine.tick(T0 + 49 * HOUR);
    expect(brief(fired)).toEqual([`firing tracking_silent ${SF1} @${49 * HOUR}`]);
    expect(fired[0]).toMatchObject({
      entityType: 'shipment',
      storeId: 'S1',
      labels: { carrier: 'sf', order_id: 'O1' },
    });
    const update = engine.ingest(carrierUpdate('O1', 'SF1', 'in_transit', T0 + 50 * HOUR), T0 + 50 * HOUR);
    expect(brief(update)).toEqual([`resolved tracking_silent ${SF1} @${50 * HOUR}`]);
  });

  it('a shipped order that never gets a checkpoint goes silent 48 h after shipping', () => {
    const engine = new RuleEngine(DEFAULT_RULE_PARAMS);
    engine.ingest(orderStatus('O1', 'shipped', T0, { carrier: 'sf', trackingNo: 'SF1' }), T0);
    expect(brief(engine.tick(T0 + 48 * HOUR))).toEqual([`firing tracking_silent ${SF1} @${48 * HOUR}`]);
  });

  it('a late checkpoint (older than the deadline it arrives after) still resolves and re-arms', () => {
    const engine = new RuleEngine(DEFAULT_RULE_PARAMS);
    engine.ingest(carrierUpdate('O1', 'SF1', 'collected', T0), T0);
    expect(brief(engine.tick(T0 + 48 * HOUR))).toHaveLength(1);
    const late = engine.ingest(carrierUpdate('O1', 'SF1', 'in_transit', T0 + 47 * HOUR), T0 + 49 * HOUR);
    expect(brief(late)).toEqual([`resolved tracking_silent ${SF1} @${48 * HOUR}`]);
    expect(brief(engine.tick(T0 + 95 * HOUR))).toEqual([`firing tracking_silent ${SF1} @${95 * HOUR}`]);
  });

  it('delivered, rejected and returned shipments are not expected to update', () => {
    const engine = new RuleEngine(DEFAULT_RULE_PARAMS);
    engine.ingest(carrierUpdate('O1', 'SF1', 'delivered', T0), T0);
    expect(engine.tick(T0 + 100 * HOUR).filter((s) => s.rule === 'tracking_silent')).toEqual([]);
  });
});

describe('shipment_anomaly', () => {
  it('fires on rejection, and on the second return (not the first)', () => {
    const engine = new RuleEngine(DEFAULT_RULE_PARAMS);
    const rejected = engine.ingest(carrierUpdate('O1', 'SF1', 'rejected', T0), T0);
    expect(brief(rejected)).toEqual([`firing shipment_anomaly ${SF1} @0`]);
    expect(rejected[0]!.labels.reasons).toBe('rejected');

    expect(engine.ingest(carrierUpdate('O2', 'SF2', 'returned', T0), T0)).toEqual([]);
    engine.ingest(carrierUpdate('O2', 'SF2', 'in_transit', T0 + HOUR), T0 + HOUR);
    const second = engine.ingest(carrierUpdate('O2', 'SF2', 'returned', T0 + 2 * HOUR), T0 + 2 * HOUR);
    expect(second.map((s) => [s.condition, s.labels.reasons])).toEqual([['firing', 'returned_repeatedly']]);
    expect(second[0]!.summary.en).toContain('returned repeatedly ×2');
  });

  it('an exception resolves when the parcel moves again; the updated reasons are reported once', () => {
    const engine = new RuleEngine(DEFAULT_RULE_PARAMS);
    expect(brief(engine.ingest(carrierUpdate('O1', 'SF1', 'exception', T0), T0))).toHaveLength(1);
    expect(engine.ingest(carrierUpdate('O1', 'SF1', 'exception', T0 + 1), T0 + 1)).toEqual([]);
    const moved = engine.ingest(carrierUpdate('O1', 'SF1', 'in_transit', T0 + HOUR), T0 + HOUR);
    expect(brief(moved)).toEqual([`resolved shipment_anomaly ${SF1} @${HOUR}`]);
  });

  it('fires when out for delivery outside the destination region, using the injected region lookup', () => {
    const regions = {
      regionOf: (location: string) =>
        location.includes('杭州') ? '浙江省' : location.includes('深圳') ? '广东省' : undefined,
      regionContains: (destination: string, region: string) => destination === region,
    };
    const engine = new RuleEngine(DEFAULT_RULE_PARAMS, [], { regions });
    const ok = engine.ingest(
      carrierUpdate('O1', 'SF1', 'out_for_delivery', T0, {
        location: '深圳南山营业部',
        destinationRegion: '广东省',
      }),
      T0,
    );
    expect(ok).toEqual([]);
    const wrong = engine.ingest(
      carrierUpdate('O2', 'SF2', 'out_for_delivery', T0, {
        location: '杭州西湖营业部',
        destinationRegion: '广东省',
      }),
      T0,
    );
    expect(wrong.map((s) => s.labels.reasons)).toEqual(['location_mismatch']);
    // In transit through another province is normal.
    const hub = engine.ingest(
      carrierUpdate('O3', 'SF3', 'in_transit', T0, { location: '杭州转运中心', destinationRegion: '广东省' }),
      T0,
    );
    expect(hub).toEqual([]);
  });

  it('the default region lookup compares names and GB/T 2260 codes by containment', () => {
    const engine = new RuleEngine(DEFAULT_RULE_PARAMS);
    const ok = carrierUpdate('O1', 'SF1', 'out_for_delivery', T0, {
      location: '440305',
      destinationRegion: '440000',
    });
    expect(engine.ingest(ok, T0)).toEqual([]);
    const bad = carrierUpdate('O2', 'SF2', 'delivered', T0, {
      location: '浙江省杭州市',
      destinationRegion: '广东省',
    });
    expect(engine.ingest(bad, T0).map((s) => s.labels.reasons)).toEqual(['location_mismatch']);
  });

  it('fires when a moving parcel stays at one location longer than stuckAtLocationMs', () => {
    const engine = new RuleEngine(DEFAULT_RULE_PARAMS);
    engine.ingest(carrierUpdate('O1', 'SF1', 'in_transit', T0, { location: 'A' }), T0);
    engine.ingest(
      carrierUpdate('O1', 'SF1', 'in_transit', T0 + 20 * HOUR, { location: 'A' }),
      T0 + 20 * HOUR,
    );
    expect(engine.tick(T0 + 24 * HOUR - 1)).toEqual([]);
    const stuck = engine.tick(T0 + 24 * HOUR);
    expect(brief(stuck)).toEqual([`firing shipment_anomaly ${SF1} @${24 * HOUR}`]);
    const moved = engine.ingest(
      carrierUpdate('O1', 'SF1', 'in_transit', T0 + 25 * HOUR, { location: 'B' }),
      T0 + 25 * HOUR,
    );
    expect(brief(moved)).toEqual([`resolved shipment_anomaly ${SF1} @${25 * HOUR}`]);
  });
});

describe('callback_silent', () => {
  const callbacks = (signals: Signal[]) => brief(signals.filter((s) => s.rule === 'callback_silent'));
  const wechatOnly = {
    ...DEFAULT_RULE_PARAMS,
    callback_silent: { ...DEFAULT_RULE_PARAMS.callback_silent, providers: ['wechatpay' as const] },
  };
  const createOrders = (engine: RuleEngine, n: number, from: number, step: number, storeId = 'S1') => {
    for (let i = 0; i < n; i++) {
      const at = from + i * step;
      engine.ingest(orderStatus(`${storeId}-O${from}-${i}`, 'created', at, { storeId }), at);
    }
  };

  it('fires per provider when it sends nothing for 10 min while ≥ 20 orders were created, resolves on a callback', () => {
    const engine = new RuleEngine(DEFAULT_RULE_PARAMS);
    engine.ingest(payment('P0', T0, { provider: 'wechatpay' }), T0);
    engine.ingest(payment('P1', T0 + 9 * MINUTE, { provider: 'alipay' }), T0 + 9 * MINUTE);
    createOrders(engine, 30, T0 + MINUTE, 20 * SECOND);
    expect(callbacks(engine.tick(T0 + 10 * MINUTE - 1))).toEqual([]);
    const fired = engine.tick(T0 + 10 * MINUTE).filter((s) => s.rule === 'callback_silent');
    expect(brief(fired)).toEqual([`firing callback_silent wechatpay @${10 * MINUTE}`]);
    expect(fired[0]).toMatchObject({ entityType: 'provider', storeId: null, severity: 'critical' });
    expect(fired[0]!.summary.zh).toContain('微信支付已10分钟没有支付回调');
    // No new signal every tick; an update only once a minute, to show the growing silence.
    expect(callbacks(engine.tick(T0 + 10 * MINUTE + 50))).toEqual([]);
    expect(callbacks(engine.tick(T0 + 11 * MINUTE))).toEqual([
      `firing callback_silent wechatpay @${10 * MINUTE}`,
    ]);
    const back = engine.ingest(payment('P2', T0 + 12 * MINUTE, { provider: 'wechatpay' }), T0 + 12 * MINUTE);
    expect(callbacks(back)).toEqual([`resolved callback_silent wechatpay @${12 * MINUTE}`]);
  });

  it('is not resolved by a payment OrderPulse confirmed by asking the provider: callbacks are still missing', () => {
    const engine = new RuleEngine(wechatOnly);
    engine.ingest(payment('P0', T0), T0);
    createOrders(engine, 30, T0 + MINUTE, 20 * SECOND);
    expect(callbacks(engine.tick(T0 + 10 * MINUTE))).toEqual([
      `firing callback_silent wechatpay @${10 * MINUTE}`,
    ]);
    const queried = { ...payment('P1', T0 + 11 * MINUTE), source: 'wechatpay-query' };
    expect(callbacks(engine.ingest(queried, T0 + 11 * MINUTE))).toEqual([]);
    expect(callbacks(engine.tick(T0 + 12 * MINUTE))).toEqual([
      `firing callback_silent wechatpay @${10 * MINUTE}`,
    ]);
    // The provider's own callback is what resolves it.
    const back = engine.ingest(payment('P2', T0 + 13 * MINUTE), T0 + 13 * MINUTE);
    expect(callbacks(back)).toEqual([`resolved callback_silent wechatpay @${13 * MINUTE}`]);
  });

  it('does not fire while fewer than minOrders orders were created in the window (a quiet night)', () => {
    const engine = new RuleEngine(wechatOnly);
    engine.ingest(payment('P0', T0), T0);
    createOrders(engine, 19, T0 + MINUTE, 20 * SECOND);
    expect(callbacks(engine.tick(T0 + 10 * MINUTE))).toEqual([]);
  });

  it('resolves when the order rate falls below minOrders', () => {
    const engine = new RuleEngine(wechatOnly);
    engine.ingest(payment('P0', T0), T0);
    createOrders(engine, 25, T0 + 5 * MINUTE, 10 * SECOND);
    expect(callbacks(engine.tick(T0 + 10 * MINUTE))).toEqual([
      `firing callback_silent wechatpay @${10 * MINUTE}`,
    ]);
    expect(callbacks(engine.tick(T0 + 16 * MINUTE)).map((s) => s.split(' ')[0])).toEqual(['resolved']);
  });

  it('orders created in closed stores do not count (a closed store is not a silent channel)', () => {
    const closed = new Set(['NIGHT1', 'NIGHT2']);
    const engine = new RuleEngine(wechatOnly, [], { storeOpen: (storeId) => !closed.has(storeId) });
    engine.ingest(payment('P0', T0), T0);
    createOrders(engine, 15, T0 + MINUTE, 20 * SECOND, 'NIGHT1');
    createOrders(engine, 15, T0 + MINUTE, 20 * SECOND, 'OPEN1');
    expect(callbacks(engine.tick(T0 + 10 * MINUTE))).toEqual([]);
    createOrders(engine, 5, T0 + 9 * MINUTE, SECOND, 'OPEN2');
    expect(callbacks(engine.tick(T0 + 10 * MINUTE + 50))).toEqual([
      `firing callback_silent wechatpay @${10 * MINUTE}`,
    ]);
  });

  it('counts a notification dated ahead of its arrival as heard when it arrived, so it pins nothing', () => {
    const engine = new RuleEngine(wechatOnly);
    engine.ingest({ ...payment('P0', T0 + 4 * MINUTE), receivedAt: T0 }, T0);
    createOrders(engine, 30, T0 + MINUTE, 20 * SECOND);
    expect(callbacks(engine.tick(T0 + 10 * MINUTE))).toEqual([
      `firing callback_silent wechatpay @${10 * MINUTE}`,
    ]);
    // A far-future one still means the provider called (the alert resolves), but only until the limit.
    const year9999 = Date.UTC(9999, 0, 1);
    const back = engine.ingest(
      { ...payment('P1', year9999), receivedAt: T0 + 12 * MINUTE },
      T0 + 12 * MINUTE,
    );
    expect(callbacks(back)).toEqual([`resolved callback_silent wechatpay @${12 * MINUTE}`]);
    createOrders(engine, 30, T0 + 13 * MINUTE, 20 * SECOND);
    expect(callbacks(engine.tick(T0 + 22 * MINUTE))).toEqual([
      `firing callback_silent wechatpay @${22 * MINUTE}`,
    ]);
  });

  it('takes back no last-heard time later than the restart', () => {
    const engine = new RuleEngine(wechatOnly);
    engine.restore([], [], T0, { lastNotifyAt: { wechatpay: Date.UTC(9999, 0, 1) } });
    createOrders(engine, 30, T0 + MINUTE, 20 * SECOND);
    expect(callbacks(engine.tick(T0 + 10 * MINUTE))).toEqual([
      `firing callback_silent wechatpay @${10 * MINUTE}`,
    ]);
  });

  it('a provider never heard from counts as silent from when the engine started watching', () => {
    const engine = new RuleEngine(DEFAULT_RULE_PARAMS);
    createOrders(engine, 30, T0, 10 * SECOND);
    const fired = engine.tick(T0 + 10 * MINUTE);
    expect(brief(fired).sort()).toEqual([
      `firing callback_silent alipay @${10 * MINUTE}`,
      `firing callback_silent wechatpay @${10 * MINUTE}`,
    ]);
  });
});

describe('reconciliation_mismatch', () => {
  const day = (
    storeId: string,
    d: string,
    unmatchedPayments: number,
    paymentsTotal = 400,
  ): StoreReconciliationResult => ({
    storeId,
    day: d,
    paymentsTotal,
    ordersTotal: paymentsTotal,
    unmatchedPayments,
    unmatchedOrders: 0,
  });

  it('fires for stores over 1 % unmatched, resolves when their rate falls', () => {
    const engine = new RuleEngine(DEFAULT_RULE_PARAMS);
    const first = engine.reconciliation(
      [day('S1', '2026-11-10', 4), day('S2', '2026-11-10', 5), day('S3', '2026-11-10', 40)],
      T0,
    );
    expect(brief(first)).toEqual([
      `firing reconciliation_mismatch S2 @0`,
      `firing reconciliation_mismatch S3 @0`,
    ]);
    expect(first[0]).toMatchObject({
      entityType: 'store',
      storeId: 'S2',
      labels: { from_day: '2026-11-10' },
    });
    expect(first[1]!.summary.en).toContain('unmatched payments 10%');
    const next = engine.reconciliation(
      [day('S2', '2026-11-11', 0), day('S3', '2026-11-11', 40)],
      T0 + 24 * HOUR,
    );
    // S3 is still over: reported again only because its summary names the new day (an update, not a new alert).
    expect(brief(next)).toEqual([
      `resolved reconciliation_mismatch S2 @${24 * HOUR}`,
      `firing reconciliation_mismatch S3 @${24 * HOUR}`,
    ]);
  });

  it('a store closed all day raises nothing for that day; a day without business is ignored', () => {
    const engine = new RuleEngine(DEFAULT_RULE_PARAMS, [], {
      storeOpenOnDay: (storeId, d) => !(storeId === 'S1' && d === '2026-11-10'),
    });
    expect(engine.reconciliation([day('S1', '2026-11-10', 50), day('S2', '2026-11-10', 0, 0)], T0)).toEqual(
      [],
    );
  });

  it('sums the days inside a longer window', () => {
    const params = {
      ...DEFAULT_RULE_PARAMS,
      reconciliation_mismatch: { ...DEFAULT_RULE_PARAMS.reconciliation_mismatch, windowMs: 2 * 24 * HOUR },
    };
    const engine = new RuleEngine(params);
    engine.reconciliation([day('S1', '2026-11-09', 20)], T0);
    // 20/400 + 0/400 over two days = 2.5 %.
    const two = engine.reconciliation([day('S1', '2026-11-10', 0)], T0);
    expect(two.map((s) => [s.condition, s.labels])).toEqual([
      ['firing', { from_day: '2026-11-09', to_day: '2026-11-10' }],
    ]);
    expect(two[0]!.summary.en).toContain('unmatched payments 2.5%');
    const three = engine.reconciliation([day('S1', '2026-11-11', 0)], T0);
    expect(brief(three)).toEqual(['resolved reconciliation_mismatch S1 @0']);
  });
});

describe('restart recovery', () => {
  it('a deadline that passed while the process was down fires on the first tick after restore', () => {
    const before = new RuleEngine(DEFAULT_RULE_PARAMS);
    before.ingest(orderStatus('O1', 'paid', T0), T0);
    before.ingest(orderStatus('O2', 'picking', T0), T0);
    const stored = [before.order('O1')!, before.order('O2')!];

    const after = new RuleEngine(DEFAULT_RULE_PARAMS);
    const restartAt = T0 + 10 * MINUTE;
    after.restore(stored, [], restartAt);
    expect(after.trackedCount()).toEqual({ orders: 2, shipments: 0, deadlines: 2 });
    expect(brief(after.tick(restartAt))).toEqual([`firing order_stalled O1 @${2 * MINUTE}`]);
    expect(brief(after.tick(T0 + 30 * MINUTE))).toEqual([`firing order_stalled O2 @${30 * MINUTE}`]);
  });

  it('alerts open before the restart stay open (no new firing) or resolve if the condition cleared', () => {
    const before = new RuleEngine(DEFAULT_RULE_PARAMS);
    before.ingest(orderStatus('O1', 'paid', T0), T0);
    before.ingest(orderStatus('O2', 'paid', T0), T0);
    before.ingest(carrierUpdate('O3', 'SF3', 'rejected', T0), T0);
    before.tick(T0 + 3 * MINUTE);
    const open = before.firingSignals();
    expect(open).toHaveLength(3);
    // While down, O2 moved on (the store has its new state).
    before.ingest(orderStatus('O2', 'delivered', T0 + 4 * MINUTE), T0 + 4 * MINUTE);
    const orders = [before.order('O1')!, before.order('O2')!];
    const shipments = [before.shipment('sf', 'SF3')!];

    const after = new RuleEngine(DEFAULT_RULE_PARAMS);
    after.restore(orders, shipments, T0 + 5 * MINUTE, { openAlerts: open, lastNotifyAt: { wechatpay: T0 } });
    expect(brief(after.tick(T0 + 5 * MINUTE))).toEqual([`resolved order_stalled O2 @${5 * MINUTE}`]);
    expect(
      after
        .firingSignals()
        .map((s) => s.entityId)
        .sort(),
    ).toEqual(['O1', shipmentKey('sf', 'SF3')]);
  });

  it('a shipment whose 48 h silence ended during the downtime fires on the first tick', () => {
    const before = new RuleEngine(DEFAULT_RULE_PARAMS);
    before.ingest(carrierUpdate('O1', 'SF1', 'in_transit', T0), T0);
    const after = new RuleEngine(DEFAULT_RULE_PARAMS);
    after.restore([], [before.shipment('sf', 'SF1')!], T0 + 50 * HOUR);
    expect(brief(after.tick(T0 + 50 * HOUR))).toEqual([`firing tracking_silent ${SF1} @${48 * HOUR}`]);
  });

  it('restored creation times count toward callback_silent', () => {
    const before = new RuleEngine(DEFAULT_RULE_PARAMS);
    for (let i = 0; i < 25; i++) before.ingest(orderStatus(`O${i}`, 'created', T0 + i * SECOND), T0);
    const orders = Array.from({ length: 25 }, (_, i) => before.order(`O${i}`)!);
    const after = new RuleEngine(DEFAULT_RULE_PARAMS);
    after.restore(orders, [], T0 + MINUTE, { lastNotifyAt: { wechatpay: T0 - 9 * MINUTE, alipay: T0 } });
    const fired = after.tick(T0 + MINUTE).filter((s) => s.rule === 'callback_silent');
    expect(brief(fired)).toEqual([`firing callback_silent wechatpay @${MINUTE}`]);
  });
});

describe('finished entities', () => {
  it('are forgotten after the retention time unless an alert on them is open', () => {
    const engine = new RuleEngine(DEFAULT_RULE_PARAMS, [], { retainFinishedMs: HOUR });
    engine.ingest(orderStatus('O1', 'delivered', T0), T0);
    engine.ingest(payment('O2', T0), T0);
    engine.ingest(orderStatus('O2', 'cancelled', T0), T0);
    engine.tick(T0 + 2 * HOUR);
    expect(engine.order('O1')).toBeUndefined();
    expect(engine.order('O2')).toBeDefined(); // payment_unapplied is open on it
  });

  it('a late event for an entity already forgotten starts it afresh (why retainFinishedMs must exceed expected lateness)', () => {
    const engine = new RuleEngine(DEFAULT_RULE_PARAMS, [], { retainFinishedMs: 24 * HOUR });
    engine.ingest(carrierUpdate('O1', 'SF1', 'returned', T0 + HOUR), T0 + HOUR);
    engine.tick(T0 + 25 * HOUR);
    expect(engine.shipment('sf', 'SF1')).toBeUndefined();
    engine.ingest(carrierUpdate('O1', 'SF1', 'created', T0), T0 + 26 * HOUR);
    expect(engine.shipment('sf', 'SF1')?.state).toBe('created');
  });
});
