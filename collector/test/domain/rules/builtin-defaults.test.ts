// The built-in rules' registration as the contract documents it: every rule's defaults (the
// contract's "Built-in rules" table and the common keys of alert-rules/rules.yaml), the rules.yaml
// keys each reads, the list order the engine evaluates them in, and which entity each watches.
import { describe, expect, it } from 'vitest';
import { DeadlineHeap } from '../../../src/domain/deadlines.ts';
import { newOrderState } from '../../../src/domain/order-lifecycle.ts';
import {
  BUILTIN_EVALUATORS,
  BUILTIN_RULE_LIST,
  orderKind,
  ruleEvaluators,
  shipmentKind,
} from '../../../src/domain/rules/builtin-evaluators.ts';
import { BUILTIN_RULES, DEFAULT_RULE_PARAMS, SEVERITIES } from '../../../src/domain/rules/params.ts';
import { commonDefaults, HOUR, MINUTE } from '../../../src/domain/rules/rule-common.ts';
import { SHIPMENT_EVENT_RULE } from '../../../src/domain/rules/shipment-event.ts';
import { boundShipment } from '../../../src/domain/rules/shipment-state.ts';
import { T0 } from '../fixtures.ts';

const common = { enabled: true, forMs: 0, coolDownMs: 5 * 60_000, scope: { stores: [], excludeStores: [] } };

describe('the built-in rules', () => {
  it('are registered in the documented order, with the names the contract keeps stable', () => {
    expect(BUILTIN_RULES).toEqual([
      'payment_unapplied',
      'order_stalled',
      'tracking_silent',
      'shipment_anomaly',
      'callback_silent',
      'reconciliation_mismatch',
    ]);
    expect(SHIPMENT_EVENT_RULE).toBe('shipment_event');
    expect(SEVERITIES).toEqual(['critical', 'warning', 'info']);
  });

  it('default to the contract values: on, firing at once, five minutes of cool-down, every store', () => {
    expect(MINUTE).toBe(60_000);
    expect(HOUR).toBe(3_600_000);
    expect(commonDefaults('info')).toEqual({ ...common, severity: 'info' });
    expect(DEFAULT_RULE_PARAMS.payment_unapplied).toEqual({
      ...common,
      severity: 'critical',
      limitMs: 2 * 60_000,
    });
    expect(DEFAULT_RULE_PARAMS.order_stalled).toEqual({
      ...common,
      severity: 'warning',
      limitsMs: { paid: 2 * 60_000, picking: 30 * 60_000, packed: 12 * 3_600_000 },
    });
    expect(DEFAULT_RULE_PARAMS.tracking_silent).toEqual({
      ...common,
      severity: 'warning',
      limitMs: 48 * 3_600_000,
    });
    expect(DEFAULT_RULE_PARAMS.callback_silent).toEqual({
      ...common,
      severity: 'critical',
      limitMs: 10 * 60_000,
      minOrders: 20,
      providers: ['wechatpay', 'alipay'],
    });
    expect(DEFAULT_RULE_PARAMS.reconciliation_mismatch).toEqual({
      ...common,
      severity: 'warning',
      windowMs: 24 * 3_600_000,
      threshold: 0.01,
    });
  });

  it('read their own rules.yaml keys', () => {
    expect(Object.fromEntries(BUILTIN_RULE_LIST.map((rule) => [rule.name, rule.fields]))).toEqual({
      payment_unapplied: ['limit'],
      order_stalled: ['limits'],
      tracking_silent: ['limit'],
      shipment_anomaly: ['returns_threshold', 'stuck_at_location'],
      callback_silent: ['limit', 'min_orders', 'providers'],
      reconciliation_mismatch: ['window', 'threshold'],
    });
  });

  it('are evaluated by entity in list order, shipment_event last for shipments', () => {
    const names = (list: readonly { name: string }[]) => list.map((e) => e.name);
    expect(names(BUILTIN_EVALUATORS.order)).toEqual(['payment_unapplied', 'order_stalled']);
    expect(names(BUILTIN_EVALUATORS.shipment)).toEqual([
      'tracking_silent',
      'shipment_anomaly',
      'shipment_event',
    ]);
    expect(names(BUILTIN_EVALUATORS.provider)).toEqual(['callback_silent']);
    expect(names(BUILTIN_EVALUATORS.store)).toEqual(['reconciliation_mismatch']);
    const reversed = ruleEvaluators([...BUILTIN_RULE_LIST].reverse());
    expect(names(reversed.order)).toEqual(['order_stalled', 'payment_unapplied']);
    expect(names(reversed.shipment)).toEqual(['shipment_anomaly', 'tracking_silent', 'shipment_event']);
    expect(names(ruleEvaluators([]).shipment)).toEqual(['shipment_event']);
    expect(ruleEvaluators([]).store).toEqual([]);
  });
});

describe('the entity kinds', () => {
  it('orders: keyed by order id, finished in a terminal status, changed at their last update', () => {
    const heap = new DeadlineHeap();
    const kind = orderKind(heap, BUILTIN_EVALUATORS.order);
    expect(kind.entityType).toBe('order');
    expect(kind.rules).toBe(BUILTIN_EVALUATORS.order);
    expect(kind.deadlines).toBe(heap);
    const order = { ...newOrderState('O1', 'S1', T0), updatedAt: T0 + 5 };
    expect(kind.idOf(order)).toBe('O1');
    expect(kind.lastChangeAt(order)).toBe(T0 + 5);
    expect(kind.isFinished(order)).toBe(false);
    expect(kind.isFinished({ ...order, status: 'paid' })).toBe(false);
    expect(kind.isFinished({ ...order, status: 'delivered' })).toBe(true);
    expect(kind.isFinished({ ...order, status: 'cancelled' })).toBe(true);
  });

  it('shipments: keyed by shipment key, finished when delivered, rejected or returned, changed at their last update', () => {
    const heap = new DeadlineHeap();
    const kind = shipmentKind(heap, BUILTIN_EVALUATORS.shipment);
    expect(kind.entityType).toBe('shipment');
    expect(kind.rules).toBe(BUILTIN_EVALUATORS.shipment);
    expect(kind.deadlines).toBe(heap);
    const shipment = { ...boundShipment('O1', 'S1', 'SF', 'SF1', T0), lastUpdateAt: T0 + 7 };
    expect(kind.idOf(shipment)).toBe(shipment.key);
    expect(kind.lastChangeAt(shipment)).toBe(T0 + 7);
    expect(kind.isFinished(shipment)).toBe(false);
    expect(kind.isFinished({ ...shipment, state: 'in_transit' })).toBe(false);
    expect(kind.isFinished({ ...shipment, state: 'returned' })).toBe(true);
  });
});
