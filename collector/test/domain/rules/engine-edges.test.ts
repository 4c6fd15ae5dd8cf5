// The engine's own bookkeeping around the rules: the order in which a tick reports what fell due,
// the earliest deadline, which late events ask for the store's verdict, adopting finished entities,
// chain-wide facts, restore, the creation count and the bound shipment, hot reload and timing.
import { describe, expect, it } from 'vitest';
import { RuleEngine } from '../../../src/domain/rules/engine.ts';
import { type BuiltinRuleParams, DEFAULT_RULE_PARAMS } from '../../../src/domain/rules/params.ts';
import type { StoreReconciliationResult } from '../../../src/domain/rules/reconciliation-mismatch.ts';
import { DEFAULT_SHIPMENT_EVENT_PARAMS } from '../../../src/domain/rules/shipment-event.ts';
import { shipmentKey } from '../../../src/domain/rules/shipment-state.ts';
import type { Signal } from '../../../src/domain/rules/signal.ts';
import { carrierUpdate, HOUR, MINUTE, orderStatus, payment, SECOND, T0 } from '../fixtures.ts';

const brief = (signals: Signal[]) =>
  signals.map((s) => `${s.condition} ${s.rule} ${s.entityId} @${s.at - T0}`);
const callbacks = (signals: Signal[]) => brief(signals.filter((s) => s.rule === 'callback_silent'));

const wechatOnly: BuiltinRuleParams = {
  ...DEFAULT_RULE_PARAMS,
  callback_silent: { ...DEFAULT_RULE_PARAMS.callback_silent, providers: ['wechatpay'] },
};

const createOrders = (engine: RuleEngine, n: number, from: number, step: number, prefix = 'C') => {
  for (let i = 0; i < n; i++) {
    const at = from + i * step;
    engine.ingest(orderStatus(`${prefix}${i}`, 'created', at), at);
  }
};

describe('what one tick reports, in order', () => {
  it('orders fall due earliest first, ties by order id whatever the order they arrived in', () => {
    const engine = new RuleEngine(DEFAULT_RULE_PARAMS);
    engine.ingest(orderStatus('B', 'paid', T0), T0);
    engine.ingest(orderStatus('D', 'paid', T0), T0);
    engine.ingest(orderStatus('A', 'paid', T0), T0);
    engine.ingest(orderStatus('C', 'paid', T0 - SECOND), T0);
    engine.ingest(orderStatus('E', 'paid', T0 + SECOND), T0 + SECOND);
    expect(brief(engine.tick(T0 + 5 * MINUTE))).toEqual([
      `firing order_stalled C @${2 * MINUTE - SECOND}`,
      `firing order_stalled A @${2 * MINUTE}`,
      `firing order_stalled B @${2 * MINUTE}`,
      `firing order_stalled D @${2 * MINUTE}`,
      `firing order_stalled E @${2 * MINUTE + SECOND}`,
    ]);
  });

  it('shipments fall due earliest first, ties by shipment key, after the orders', () => {
    const engine = new RuleEngine(DEFAULT_RULE_PARAMS);
    engine.ingest(carrierUpdate('O1', 'T-B', 'in_transit', T0), T0);
    engine.ingest(carrierUpdate('O2', 'T-D', 'in_transit', T0), T0);
    engine.ingest(carrierUpdate('O3', 'T-A', 'in_transit', T0), T0);
    engine.ingest(carrierUpdate('O4', 'T-C', 'in_transit', T0 - SECOND), T0);
    engine.ingest(carrierUpdate('O5', 'T-E', 'in_transit', T0 + SECOND), T0 + SECOND);
    engine.ingest(orderStatus('Z', 'packed', T0 + 40 * HOUR), T0 + 40 * HOUR);
    const silence = 48 * HOUR;
    expect(brief(engine.tick(T0 + 60 * HOUR))).toEqual([
      `firing order_stalled Z @${52 * HOUR}`,
      `firing tracking_silent ${shipmentKey('sf', 'T-C')} @${silence - SECOND}`,
      `firing tracking_silent ${shipmentKey('sf', 'T-A')} @${silence}`,
      `firing tracking_silent ${shipmentKey('sf', 'T-B')} @${silence}`,
      `firing tracking_silent ${shipmentKey('sf', 'T-D')} @${silence}`,
      `firing tracking_silent ${shipmentKey('sf', 'T-E')} @${silence + SECOND}`,
    ]);
  });

  it('a finished shipment is forgotten at its eviction deadline, an unfinished one only re-evaluated', () => {
    const engine = new RuleEngine(DEFAULT_RULE_PARAMS, [], { retainFinishedMs: HOUR });
    engine.ingest(carrierUpdate('O1', 'DONE', 'delivered', T0), T0);
    engine.ingest(carrierUpdate('O2', 'MOVING', 'in_transit', T0), T0);
    expect(engine.tick(T0 + HOUR - 1)).toEqual([]);
    expect(engine.shipment('sf', 'DONE')).toBeDefined();
    engine.tick(T0 + HOUR);
    expect(engine.shipment('sf', 'DONE')).toBeUndefined();
    expect(engine.trackedCount()).toEqual({ orders: 0, shipments: 1, deadlines: 1 });
    expect(brief(engine.tick(T0 + 48 * HOUR))).toEqual([
      `firing tracking_silent ${shipmentKey('sf', 'MOVING')} @${48 * HOUR}`,
    ]);
    expect(engine.shipment('sf', 'MOVING')?.state).toBe('in_transit');
  });
  it('a finished shipment with an open alert is kept at its eviction deadline', () => {
    const engine = new RuleEngine(DEFAULT_RULE_PARAMS, [], { retainFinishedMs: HOUR });
    expect(brief(engine.ingest(carrierUpdate('O1', 'SF1', 'rejected', T0), T0))).toEqual([
      `firing shipment_anomaly ${shipmentKey('sf', 'SF1')} @0`,
    ]);
    expect(engine.nextDueAt()).toBe(T0 + HOUR);
    expect(engine.tick(T0 + HOUR)).toEqual([]);
    expect(engine.shipment('sf', 'SF1')?.state).toBe('rejected');
    expect(engine.firingSignals()).toHaveLength(1);
  });

  it('a finished shipment due for a rule is evaluated, not forgotten, even past its retention', () => {
    const options = { shipmentEvent: DEFAULT_SHIPMENT_EVENT_PARAMS, retainFinishedMs: MINUTE };
    const before = new RuleEngine(DEFAULT_RULE_PARAMS, [], options);
    before.ingest(carrierUpdate('O1', 'SF1', 'delivered', T0), T0);
    const after = new RuleEngine(DEFAULT_RULE_PARAMS, [], options);
    // Restored 10 min after delivery, within the key event's hold: checked at once.
    after.restore([], [before.shipment('sf', 'SF1')!], T0 + 10 * MINUTE);
    expect(brief(after.tick(T0 + 10 * MINUTE))).toEqual([
      `firing shipment_event ${shipmentKey('sf', 'SF1')} @0`,
    ]);
    expect(after.shipment('sf', 'SF1')?.state).toBe('delivered');
  });

  it('forgetting an order forgets its refund: the same id paid again later is a new payment', () => {
    const engine = new RuleEngine(DEFAULT_RULE_PARAMS, [], { retainFinishedMs: HOUR });
    engine.ingest(orderStatus('O1', 'created', T0), T0);
    engine.ingest(payment('O1', T0 + SECOND), T0 + SECOND);
    engine.ingest(payment('O1', T0 + MINUTE, { status: 'refund' }), T0 + MINUTE);
    engine.ingest(orderStatus('O1', 'cancelled', T0 + MINUTE), T0 + MINUTE);
    expect(engine.tick(T0 + 3 * HOUR)).toEqual([]);
    expect(engine.order('O1')).toBeUndefined();
    const again = T0 + 4 * HOUR;
    engine.ingest(payment('O1', again), again);
    expect(brief(engine.tick(again + 2 * MINUTE))).toEqual([
      `firing payment_unapplied O1 @${4 * HOUR + 2 * MINUTE}`,
    ]);
  });
  it('starts watching the providers at the first tick when nothing came before it', () => {
    const engine = new RuleEngine(wechatOnly);
    expect(engine.tick(T0)).toEqual([]);
    createOrders(engine, 25, T0 + 5 * MINUTE, SECOND);
    expect(callbacks(engine.tick(T0 + 10 * MINUTE))).toEqual([
      `firing callback_silent wechatpay @${10 * MINUTE}`,
    ]);
  });
});

describe('nextDueAt and trackedCount', () => {
  it('with shipments only, the earliest shipment deadline', () => {
    const engine = new RuleEngine(DEFAULT_RULE_PARAMS);
    engine.ingest(carrierUpdate('O1', 'SF1', 'in_transit', T0), T0);
    expect(engine.nextDueAt()).toBe(T0 + 48 * HOUR);
  });

  it('an order deadline earlier than the shipment one', () => {
    const engine = new RuleEngine(DEFAULT_RULE_PARAMS);
    engine.ingest(carrierUpdate('O1', 'SF1', 'in_transit', T0), T0);
    engine.ingest(orderStatus('O2', 'paid', T0), T0);
    expect(engine.nextDueAt()).toBe(T0 + 2 * MINUTE);
  });

  it('counts the deadlines of orders and shipments together', () => {
    const engine = new RuleEngine(DEFAULT_RULE_PARAMS);
    engine.ingest(carrierUpdate('O1', 'SF1', 'in_transit', T0), T0);
    engine.ingest(carrierUpdate('O1', 'SF2', 'in_transit', T0), T0);
    engine.ingest(orderStatus('O2', 'paid', T0), T0);
    expect(engine.trackedCount()).toEqual({ orders: 1, shipments: 2, deadlines: 3 });
  });
});

describe('needingStoreVerdict', () => {
  const retainFinishedMs = 3 * HOUR;
  const now = T0 + 10 * HOUR;
  const ids = (engine: RuleEngine, events: ReturnType<typeof orderStatus>[]) =>
    engine.needingStoreVerdict(events, now).map((e) => e.id);

  it('a `created` in the batch vouches only while younger than the retention, and only for its order', () => {
    const engine = new RuleEngine(DEFAULT_RULE_PARAMS, [], { retainFinishedMs });
    const edge = orderStatus('E1', 'created', now - retainFinishedMs);
    const edgePaid = orderStatus('E1', 'paid', now);
    expect(ids(engine, [edge, edgePaid])).toEqual([edge.id, edgePaid.id]);
    const young = orderStatus('Y1', 'created', now - retainFinishedMs + 1);
    const youngPaid = orderStatus('Y1', 'paid', now);
    const other = orderStatus('Y2', 'paid', now);
    expect(ids(engine, [young, youngPaid, other])).toEqual([other.id]);
  });

  it('only a `created` status vouches: a recent paid, or a payment, does not', () => {
    const engine = new RuleEngine(DEFAULT_RULE_PARAMS, [], { retainFinishedMs });
    const paid = orderStatus('P1', 'paid', now);
    const picking = orderStatus('P1', 'picking', now);
    expect(ids(engine, [paid, picking])).toEqual([paid.id, picking.id]);
    const pay = payment('P2', now);
    const paid2 = orderStatus('P2', 'paid', now);
    expect(ids(engine, [pay, paid2])).toEqual([pay.id, paid2.id]);
  });

  it('a shipment update is asked about by its carrier and number, whatever its order', () => {
    const engine = new RuleEngine(DEFAULT_RULE_PARAMS, [], { retainFinishedMs });
    engine.ingest(orderStatus('O1', 'created', now), now);
    engine.ingest(carrierUpdate('O1', 'T1', 'in_transit', now, { carrier: 'sf' }), now);
    const sameNumberOtherCarrier = carrierUpdate('O1', 'T1', 'in_transit', now, { carrier: 'yto' });
    const held = carrierUpdate('O9', 'T1', 'in_transit', now, { carrier: 'sf' });
    expect(ids(engine, [sameNumberOtherCarrier, held])).toEqual([sameNumberOtherCarrier.id]);
  });
});

describe('adoptFinished for shipments', () => {
  const now = T0 + 30 * HOUR;
  const delivered = () => {
    const source = new RuleEngine(DEFAULT_RULE_PARAMS);
    source.ingest(carrierUpdate('O1', 'SF1', 'delivered', T0), T0);
    return source.shipment('sf', 'SF1')!;
  };

  it('takes a delivered shipment as it is and forgets it again after the retention', () => {
    const engine = new RuleEngine(DEFAULT_RULE_PARAMS, [], { retainFinishedMs: HOUR });
    engine.adoptFinished([], [delivered()], now);
    expect(engine.shipment('sf', 'SF1')?.state).toBe('delivered');
    expect(engine.trackedCount()).toEqual({ orders: 0, shipments: 1, deadlines: 1 });
    expect(engine.nextDueAt()).toBe(now + HOUR);
    engine.tick(now + HOUR);
    expect(engine.shipment('sf', 'SF1')).toBeUndefined();
  });

  it('leaves a shipment still under way to its events, and one it holds as it is', () => {
    const engine = new RuleEngine(DEFAULT_RULE_PARAMS);
    engine.adoptFinished([], [{ ...delivered(), state: 'in_transit' }], now);
    expect(engine.shipment('sf', 'SF1')).toBeUndefined();
    engine.ingest(carrierUpdate('O1', 'SF1', 'in_transit', now), now);
    engine.adoptFinished([], [delivered()], now);
    expect(engine.shipment('sf', 'SF1')?.state).toBe('in_transit');
    expect(engine.nextDueAt()).toBe(now + 48 * HOUR);
  });
});

describe('chainFacts (cluster mode)', () => {
  it("the chain's creations replace what this processor counted", () => {
    const engine = new RuleEngine(wechatOnly);
    engine.ingest(payment('P0', T0), T0);
    createOrders(engine, 30, T0 + MINUTE, 10 * SECOND);
    engine.chainFacts({ creations: [], lastNotifyAt: {} }, T0 + 9 * MINUTE);
    expect(callbacks(engine.tick(T0 + 10 * MINUTE))).toEqual([]);
    engine.chainFacts(
      {
        creations: [
          { storeId: 'S1', at: T0 + 5 * MINUTE, orders: 12 },
          { storeId: 'S2', at: T0 + 6 * MINUTE, orders: 8 },
        ],
        lastNotifyAt: {},
      },
      T0 + 10 * MINUTE,
    );
    expect(callbacks(engine.tick(T0 + 10 * MINUTE + 50))).toEqual([
      `firing callback_silent wechatpay @${10 * MINUTE}`,
    ]);
  });

  it("counts the chain's creations in callback_silent's scope only", () => {
    const params: BuiltinRuleParams = {
      ...wechatOnly,
      callback_silent: { ...wechatOnly.callback_silent, scope: { stores: [], excludeStores: ['S2'] } },
    };
    const engine = new RuleEngine(params);
    engine.ingest(payment('P0', T0), T0);
    engine.chainFacts(
      {
        creations: [
          { storeId: 'S1', at: T0 + 5 * MINUTE, orders: 12 },
          { storeId: 'S2', at: T0 + 6 * MINUTE, orders: 30 },
        ],
        lastNotifyAt: {},
      },
      T0 + 10 * MINUTE,
    );
    expect(callbacks(engine.tick(T0 + 10 * MINUTE))).toEqual([]);
  });

  it("a provider's last callback in the chain resolves the silence; it moves forward only, never past now", () => {
    const engine = new RuleEngine(wechatOnly);
    engine.ingest(payment('P0', T0), T0);
    const busy = { creations: [{ storeId: 'S1', at: T0 + 9 * MINUTE, orders: 25 }], lastNotifyAt: {} };
    engine.chainFacts(busy, T0 + 10 * MINUTE);
    expect(callbacks(engine.tick(T0 + 10 * MINUTE))).toEqual([
      `firing callback_silent wechatpay @${10 * MINUTE}`,
    ]);
    // An older time moves nothing back.
    engine.chainFacts({ ...busy, lastNotifyAt: { wechatpay: T0 - HOUR } }, T0 + 10 * MINUTE + SECOND);
    expect(callbacks(engine.tick(T0 + 10 * MINUTE + 2 * SECOND))).toEqual([]);
    // A time ahead of now counts as heard now: silent again a limit later.
    const year9999 = Date.UTC(9999, 0, 1);
    const heardAt = T0 + 11 * MINUTE;
    engine.chainFacts({ ...busy, lastNotifyAt: { wechatpay: year9999 } }, heardAt);
    expect(callbacks(engine.tick(heardAt))).toEqual([`resolved callback_silent wechatpay @${11 * MINUTE}`]);
    const later = { creations: [{ storeId: 'S1', at: T0 + 20 * MINUTE, orders: 25 }], lastNotifyAt: {} };
    engine.chainFacts(later, T0 + 21 * MINUTE - 1);
    expect(callbacks(engine.tick(T0 + 21 * MINUTE - 1))).toEqual([]);
    expect(callbacks(engine.tick(T0 + 21 * MINUTE))).toEqual([
      `firing callback_silent wechatpay @${21 * MINUTE}`,
    ]);
  });
  it('skips a provider the chain has no time for: it stays silent since the engine started watching', () => {
    const engine = new RuleEngine(DEFAULT_RULE_PARAMS);
    engine.ingest(payment('P0', T0), T0);
    const busy = { creations: [{ storeId: 'S1', at: T0 + 4 * MINUTE, orders: 25 }] };
    engine.chainFacts({ ...busy, lastNotifyAt: { alipay: undefined } }, T0 + 5 * MINUTE);
    expect(callbacks(engine.tick(T0 + 5 * MINUTE))).toEqual([]);
    expect(callbacks(engine.tick(T0 + 10 * MINUTE))).toEqual([
      `firing callback_silent wechatpay @${10 * MINUTE}`,
      `firing callback_silent alipay @${10 * MINUTE}`,
    ]);
  });
});

describe('restore', () => {
  it('counts creation times only of orders that have one', () => {
    const before = new RuleEngine(DEFAULT_RULE_PARAMS);
    for (let i = 0; i < 19; i++) before.ingest(orderStatus(`C${i}`, 'created', T0 + i * SECOND), T0);
    for (let i = 0; i < 5; i++) before.ingest(orderStatus(`P${i}`, 'paid', T0 + i * SECOND), T0);
    const stored = [
      ...Array.from({ length: 19 }, (_, i) => before.order(`C${i}`)!),
      ...Array.from({ length: 5 }, (_, i) => before.order(`P${i}`)!),
    ];
    expect(stored.filter((o) => o.createdAt === undefined)).toHaveLength(5);
    const after = new RuleEngine(wechatOnly);
    after.restore(stored, [], T0 + MINUTE, { lastNotifyAt: { wechatpay: T0 - 10 * MINUTE } });
    expect(callbacks(after.tick(T0 + MINUTE))).toEqual([]);
    after.ingest(orderStatus('C19', 'created', T0 + 30 * SECOND), T0 + MINUTE);
    expect(callbacks(after.tick(T0 + MINUTE + 1))).toEqual(['firing callback_silent wechatpay @0']);
  });

  it('re-checks an open shipment alert at once: one that cleared while down resolves on the first tick', () => {
    const before = new RuleEngine(DEFAULT_RULE_PARAMS);
    before.ingest(carrierUpdate('O1', 'SF1', 'in_transit', T0), T0);
    expect(brief(before.tick(T0 + 48 * HOUR))).toHaveLength(1);
    const open = before.firingSignals();
    before.ingest(carrierUpdate('O1', 'SF1', 'in_transit', T0 + 49 * HOUR), T0 + 49 * HOUR);
    const after = new RuleEngine(DEFAULT_RULE_PARAMS);
    after.restore([], [before.shipment('sf', 'SF1')!], T0 + 50 * HOUR, { openAlerts: open });
    expect(after.nextDueAt()).toBe(T0 + 50 * HOUR);
    expect(brief(after.tick(T0 + 50 * HOUR))).toEqual([
      `resolved tracking_silent ${shipmentKey('sf', 'SF1')} @${50 * HOUR}`,
    ]);
    expect(after.nextDueAt()).toBe(T0 + 97 * HOUR);
  });

  it('schedules nothing for an open alert whose entity was not restored, nor for provider and store alerts', () => {
    const before = new RuleEngine(DEFAULT_RULE_PARAMS);
    before.ingest(orderStatus('O1', 'paid', T0), T0);
    before.ingest(carrierUpdate('O1', 'SF1', 'rejected', T0), T0);
    before.tick(T0 + 3 * MINUTE);
    const open = before.firingSignals();
    expect(open.map((s) => s.entityType).sort()).toEqual(['order', 'shipment']);
    // Alerts of a store and a provider named like an order the engine holds.
    const storeAlert = {
      ...open[0]!,
      rule: 'reconciliation_mismatch',
      entityType: 'store' as const,
      entityId: 'X1',
    };
    const providerAlert = {
      ...open[0]!,
      rule: 'callback_silent',
      entityType: 'provider' as const,
      entityId: 'X1',
    };
    const after = new RuleEngine(DEFAULT_RULE_PARAMS);
    after.ingest(orderStatus('X1', 'packed', T0 + 4 * MINUTE), T0 + 4 * MINUTE);
    after.restore([], [], T0 + 5 * MINUTE, { openAlerts: [...open, storeAlert, providerAlert] });
    // X1 keeps its 12 h deadline; O1 and SF1 are not held, so nothing is scheduled for them.
    expect(after.trackedCount()).toEqual({ orders: 1, shipments: 0, deadlines: 1 });
    expect(after.nextDueAt()).toBe(T0 + 4 * MINUTE + 12 * HOUR);
    expect(after.firingSignals()).toHaveLength(4);
  });

  it('starts watching the providers at the restart, even when nothing was restored', () => {
    const engine = new RuleEngine(wechatOnly);
    engine.restore([], [], T0);
    createOrders(engine, 25, T0 + 5 * MINUTE, SECOND);
    expect(callbacks(engine.tick(T0 + 10 * MINUTE))).toEqual([
      `firing callback_silent wechatpay @${10 * MINUTE}`,
    ]);
  });

  it('re-checks only shipments for shipment alerts, not an alert of another kind with the same key', () => {
    const engine = new RuleEngine(DEFAULT_RULE_PARAMS);
    engine.ingest(carrierUpdate('O1', 'SF1', 'in_transit', T0), T0);
    const key = shipmentKey('sf', 'SF1');
    const alert = {
      rule: 'reconciliation_mismatch',
      entityType: 'store' as const,
      entityId: key,
      storeId: key,
      severity: 'warning' as const,
      summary: { zh: 'x', en: 'x' },
      labels: {},
      at: T0,
    };
    engine.restore([], [], T0 + HOUR, {
      openAlerts: [alert, { ...alert, entityType: 'provider', storeId: null }],
    });
    expect(engine.nextDueAt()).toBe(T0 + 48 * HOUR);
  });

  it('skips a provider without a stored time', () => {
    const engine = new RuleEngine(wechatOnly);
    engine.restore([], [], T0, { lastNotifyAt: { wechatpay: undefined } });
    createOrders(engine, 30, T0 + MINUTE, 10 * SECOND);
    expect(callbacks(engine.tick(T0 + 10 * MINUTE))).toEqual([
      `firing callback_silent wechatpay @${10 * MINUTE}`,
    ]);
  });
});

describe('applying order events', () => {
  it('counts an order created once, however often its `created` arrives', () => {
    const engine = new RuleEngine(wechatOnly);
    engine.ingest(payment('P0', T0), T0);
    createOrders(engine, 10, T0 + MINUTE, 10 * SECOND);
    createOrders(engine, 10, T0 + 3 * MINUTE, 10 * SECOND);
    expect(callbacks(engine.tick(T0 + 10 * MINUTE))).toEqual([]);
    createOrders(engine, 10, T0 + 5 * MINUTE, 10 * SECOND, 'N');
    expect(callbacks(engine.tick(T0 + 10 * MINUTE + 1))).toEqual([
      `firing callback_silent wechatpay @${10 * MINUTE}`,
    ]);
  });

  it('counts only `created` statuses: an order first seen paid was not created in the window', () => {
    const engine = new RuleEngine(wechatOnly);
    engine.ingest(payment('P0', T0), T0);
    for (let i = 0; i < 25; i++)
      engine.ingest(orderStatus(`P${i}`, 'paid', T0 + MINUTE + i), T0 + MINUTE + i);
    expect(callbacks(engine.tick(T0 + 10 * MINUTE))).toEqual([]);
  });

  it('binds a shipment only with both carrier and number, and never over one it holds', () => {
    const engine = new RuleEngine(DEFAULT_RULE_PARAMS);
    engine.ingest(orderStatus('O1', 'shipped', T0, { carrier: 'sf' }), T0);
    engine.ingest(orderStatus('O2', 'shipped', T0, { trackingNo: 'SF2' }), T0);
    expect(engine.trackedCount().shipments).toBe(0);
    engine.ingest(carrierUpdate('O3', 'SF3', 'out_for_delivery', T0 + HOUR), T0 + HOUR);
    engine.ingest(orderStatus('O3', 'shipped', T0, { carrier: 'sf', trackingNo: 'SF3' }), T0 + HOUR);
    expect(engine.shipment('sf', 'SF3')?.state).toBe('out_for_delivery');
    expect(engine.tick(T0 + 48 * HOUR + HOUR - 1).filter((s) => s.rule === 'tracking_silent')).toEqual([]);
  });

  it('gives custom rules the order of a shipment update', () => {
    const seen: (number | undefined)[] = [];
    const rule = {
      name: 'parcel_of_big_order',
      severity: 'info' as const,
      matches: ({ event, order }: { event: { type: string }; order?: { amountFen?: number } }) => {
        if (event.type !== 'shipment.update') return false;
        seen.push(order?.amountFen);
        return (order?.amountFen ?? 0) > 50_000;
      },
    };
    const engine = new RuleEngine(DEFAULT_RULE_PARAMS, [rule]);
    engine.ingest(orderStatus('O1', 'created', T0, { amountFen: 60_000 }), T0);
    expect(brief(engine.ingest(carrierUpdate('O1', 'SF1', 'in_transit', T0), T0))).toEqual([
      'firing parcel_of_big_order O1 @0',
    ]);
    expect(seen).toEqual([60_000]);
  });
});

describe('setParams', () => {
  it('re-evaluates a provider heard from that the new parameters no longer watch', () => {
    const engine = new RuleEngine(DEFAULT_RULE_PARAMS);
    engine.ingest(payment('P0', T0, { provider: 'alipay' }), T0);
    engine.ingest(payment('P1', T0 + 9 * MINUTE, { provider: 'wechatpay' }), T0 + 9 * MINUTE);
    createOrders(engine, 30, T0 + MINUTE, 10 * SECOND);
    expect(callbacks(engine.tick(T0 + 10 * MINUTE))).toEqual([
      `firing callback_silent alipay @${10 * MINUTE}`,
    ]);
    expect(callbacks(engine.setParams(wechatOnly, T0 + 11 * MINUTE))).toEqual([
      `resolved callback_silent alipay @${11 * MINUTE}`,
    ]);
  });

  it('re-evaluates stores already reconciled and shipments held', () => {
    const day: StoreReconciliationResult = {
      storeId: 'S1',
      day: '2026-11-10',
      paymentsTotal: 400,
      ordersTotal: 400,
      unmatchedPayments: 8,
      unmatchedOrders: 0,
    };
    const engine = new RuleEngine(DEFAULT_RULE_PARAMS);
    expect(brief(engine.reconciliation([day], T0))).toEqual(['firing reconciliation_mismatch S1 @0']);
    engine.ingest(carrierUpdate('O1', 'SF1', 'in_transit', T0), T0);
    const params: BuiltinRuleParams = {
      ...DEFAULT_RULE_PARAMS,
      reconciliation_mismatch: { ...DEFAULT_RULE_PARAMS.reconciliation_mismatch, threshold: 0.05 },
      tracking_silent: { ...DEFAULT_RULE_PARAMS.tracking_silent, limitMs: HOUR },
    };
    expect(brief(engine.setParams(params, T0 + 2 * HOUR))).toEqual([
      `firing tracking_silent ${shipmentKey('sf', 'SF1')} @${HOUR}`,
      `resolved reconciliation_mismatch S1 @${2 * HOUR}`,
    ]);
  });

  it("keeps callback_silent's creation count for the new limit", () => {
    const engine = new RuleEngine(wechatOnly);
    engine.ingest(payment('P0', T0), T0);
    createOrders(engine, 25, T0 + MINUTE, SECOND);
    const longer: BuiltinRuleParams = {
      ...wechatOnly,
      callback_silent: { ...wechatOnly.callback_silent, limitMs: 30 * MINUTE },
    };
    engine.setParams(longer, T0 + 2 * MINUTE);
    // Orders created 25 min before the check count under a 30 min limit, not under the old 10 min.
    expect(callbacks(engine.tick(T0 + 30 * MINUTE))).toEqual([
      `firing callback_silent wechatpay @${30 * MINUTE}`,
    ]);
  });
});

describe('ruleTiming', () => {
  it("reads a built-in rule's `for` and cool-down from the parameters, a custom rule's from the rule", () => {
    const params: BuiltinRuleParams = {
      ...DEFAULT_RULE_PARAMS,
      order_stalled: { ...DEFAULT_RULE_PARAMS.order_stalled, forMs: 7 * MINUTE, coolDownMs: 3 * MINUTE },
    };
    const custom = {
      name: 'slow',
      severity: 'info' as const,
      forMs: MINUTE,
      coolDownMs: 0,
      matches: () => false,
    };
    const engine = new RuleEngine(params, [custom]);
    expect(engine.ruleTiming('order_stalled')).toEqual({ forMs: 7 * MINUTE, coolDownMs: 3 * MINUTE });
    expect(engine.ruleTiming('slow')).toEqual({ forMs: MINUTE, coolDownMs: 0 });
    expect(engine.ruleTiming('unknown')).toEqual({ forMs: 0, coolDownMs: 5 * MINUTE });
  });
});
