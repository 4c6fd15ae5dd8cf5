// The three deadline rules called directly (order_stalled, payment_unapplied, tracking_silent): the
// holding each reports at its due time, the deadline it sets before it, and the entities it leaves
// alone. The engine tests see these through signals; here every field of the holding is checked.
import { describe, expect, it } from 'vitest';
import { newOrderState, type OrderState } from '../../../src/domain/order-lifecycle.ts';
import { EngineFacts } from '../../../src/domain/rules/engine-facts.ts';
import type { NextChange } from '../../../src/domain/rules/evaluator.ts';
import { orderStalledRule, orderStalledSummary } from '../../../src/domain/rules/order-stalled.ts';
import { DEFAULT_RULE_PARAMS } from '../../../src/domain/rules/params.ts';
import { paymentUnappliedRule } from '../../../src/domain/rules/payment-unapplied.ts';
import { SIMPLE_REGION_LOOKUP } from '../../../src/domain/rules/shipment-anomaly.ts';
import { DEFAULT_SHIPMENT_EVENT_PARAMS } from '../../../src/domain/rules/shipment-event.ts';
import { boundShipment, type ShipmentState } from '../../../src/domain/rules/shipment-state.ts';
import { summaryOf } from '../../../src/domain/rules/signal.ts';
import {
  SHIPMENT_FINAL_STATES,
  trackingSilentRule,
  trackingSilentSummary,
} from '../../../src/domain/rules/tracking-silent.ts';
import { HOUR, MINUTE, T0 } from '../fixtures.ts';

const facts = () =>
  new EngineFacts({
    regions: SIMPLE_REGION_LOOKUP,
    shipmentEvent: DEFAULT_SHIPMENT_EVENT_PARAMS,
    storeOpen: () => true,
    storeOpenOnDay: () => true,
    creationRetentionMs: HOUR,
  });

/** A NextChange that records the deadlines a rule asks for. */
const recorder = () => {
  const asked: number[] = [];
  const next: NextChange = { at: (time) => asked.push(time) };
  return { asked, next };
};

const order = (over: Partial<OrderState> = {}): OrderState => ({ ...newOrderState('O1', 'S1', T0), ...over });

describe('order_stalled', () => {
  const paid = order({ status: 'paid', statusAt: T0, paidAt: T0 });

  it('asks to be woken at status time + limit, and holds from then on with the status in its label', () => {
    const before = recorder();
    expect(
      orderStalledRule.holding(paid, DEFAULT_RULE_PARAMS, facts(), T0 + 2 * MINUTE - 1, before.next),
    ).toBe(undefined);
    expect(before.asked).toEqual([T0 + 2 * MINUTE]);

    const at = recorder();
    expect(orderStalledRule.holding(paid, DEFAULT_RULE_PARAMS, facts(), T0 + 2 * MINUTE, at.next)).toEqual({
      at: T0 + 2 * MINUTE,
      summary: summaryOf({
        key: 'summary.order_stalled',
        params: { orderId: 'O1', status: 'paid', limitMs: 2 * MINUTE },
      }),
      labels: { status: 'paid' },
      severity: 'warning',
    });
    expect(at.asked).toEqual([]);
    expect(orderStalledRule.firstCheckAt(paid, DEFAULT_RULE_PARAMS, facts(), T0)).toBe(T0 + 2 * MINUTE);
  });

  it('watches nothing for a status without a limit, without a status, or without its time', () => {
    const all = DEFAULT_RULE_PARAMS;
    for (const o of [
      order({ status: 'created', statusAt: T0 }),
      order({ status: undefined, statusAt: T0 }),
      order({ status: 'paid', statusAt: undefined }),
    ]) {
      const r = recorder();
      expect(orderStalledRule.holding(o, all, facts(), T0 + 100 * HOUR, r.next)).toBeUndefined();
      expect(r.asked).toEqual([]);
      expect(orderStalledRule.firstCheckAt(o, all, facts(), T0)).toBeUndefined();
    }
  });

  it('never stalls a terminal status, even with a limit written for it', () => {
    const all = {
      ...DEFAULT_RULE_PARAMS,
      order_stalled: {
        ...DEFAULT_RULE_PARAMS.order_stalled,
        limitsMs: { cancelled: MINUTE, delivered: MINUTE },
      },
    };
    for (const status of ['cancelled', 'delivered'] as const) {
      const o = order({ status, statusAt: T0 });
      expect(orderStalledRule.firstCheckAt(o, all, facts(), T0)).toBeUndefined();
      expect(orderStalledRule.holding(o, all, facts(), T0 + HOUR, recorder().next)).toBeUndefined();
    }
  });

  it('sums up an order with no status yet as created, with a limit of 0 when created has none', () => {
    expect(orderStalledSummary(order(), DEFAULT_RULE_PARAMS.order_stalled).message).toEqual({
      key: 'summary.order_stalled',
      params: { orderId: 'O1', status: 'created', limitMs: 0 },
    });
    const withCreated = { ...DEFAULT_RULE_PARAMS.order_stalled, limitsMs: { created: 5 * MINUTE } };
    expect(orderStalledSummary(order(), withCreated).message?.params).toMatchObject({ limitMs: 5 * MINUTE });
  });
});

describe('payment_unapplied', () => {
  const unpaid = order({ status: 'created', statusAt: T0, createdAt: T0, paymentAt: T0 + MINUTE });

  it('holds from payment + limit with no labels, critical, and asks to be woken then', () => {
    const before = recorder();
    expect(
      paymentUnappliedRule.holding(unpaid, DEFAULT_RULE_PARAMS, facts(), T0 + 3 * MINUTE - 1, before.next),
    ).toBeUndefined();
    expect(before.asked).toEqual([T0 + 3 * MINUTE]);
    expect(
      paymentUnappliedRule.holding(unpaid, DEFAULT_RULE_PARAMS, facts(), T0 + 3 * MINUTE, before.next),
    ).toEqual({
      at: T0 + 3 * MINUTE,
      summary: summaryOf({
        key: 'summary.payment_unapplied',
        params: { orderId: 'O1', limitMs: 2 * MINUTE },
      }),
      labels: {},
      severity: 'critical',
    });
  });

  it('has nothing to watch without a payment, once paid, or after a refund', () => {
    const refunded = facts();
    refunded.noteRefund('O1', T0 + 10 * HOUR);
    const cases: Array<[OrderState, EngineFacts]> = [
      [order({ status: 'created', statusAt: T0 }), facts()],
      [order({ status: 'created', statusAt: T0, paymentAt: T0, paidAt: T0 + HOUR }), facts()],
      [order({ status: 'picking', statusAt: T0, paymentAt: T0 }), facts()],
      [unpaid, refunded],
    ];
    for (const [o, f] of cases) {
      expect(paymentUnappliedRule.firstCheckAt(o, DEFAULT_RULE_PARAMS, f, T0)).toBeUndefined();
      expect(paymentUnappliedRule.holding(o, DEFAULT_RULE_PARAMS, f, T0 + 100 * HOUR, recorder().next)).toBe(
        undefined,
      );
    }
  });

  it('reads the refund of its own order only', () => {
    const other = facts();
    other.noteRefund('O2', T0);
    expect(paymentUnappliedRule.firstCheckAt(unpaid, DEFAULT_RULE_PARAMS, other, T0)).toBe(T0 + 3 * MINUTE);
  });
});

describe('tracking_silent', () => {
  const shipment = (over: Partial<ShipmentState> = {}): ShipmentState => ({
    ...boundShipment('O1', 'S1', 'sf', 'SF1', T0),
    ...over,
  });

  it('holds 48 h after the last update, labelled with carrier and order', () => {
    const s = shipment({ state: 'in_transit', stateAt: T0 + HOUR, lastUpdateAt: T0 + 2 * HOUR });
    const before = recorder();
    expect(trackingSilentRule.holding(s, DEFAULT_RULE_PARAMS, facts(), T0 + 50 * HOUR - 1, before.next)).toBe(
      undefined,
    );
    expect(before.asked).toEqual([T0 + 50 * HOUR]);
    expect(trackingSilentRule.holding(s, DEFAULT_RULE_PARAMS, facts(), T0 + 50 * HOUR, before.next)).toEqual({
      at: T0 + 50 * HOUR,
      summary: trackingSilentSummary(s, DEFAULT_RULE_PARAMS.tracking_silent),
      labels: { carrier: 'sf', order_id: 'O1' },
      severity: 'warning',
    });
    expect(trackingSilentSummary(s, DEFAULT_RULE_PARAMS.tracking_silent).message).toEqual({
      key: 'summary.tracking_silent',
      params: { carrier: 'sf', trackingNo: 'SF1', orderId: 'O1', limitMs: 48 * HOUR },
    });
  });

  it('expects no update after delivered, rejected or returned, and still does in every other state', () => {
    expect([...SHIPMENT_FINAL_STATES].toSorted()).toEqual(['delivered', 'rejected', 'returned']);
    for (const state of ['delivered', 'rejected', 'returned'] as const)
      expect(trackingSilentRule.firstCheckAt(shipment({ state }), DEFAULT_RULE_PARAMS, facts(), T0)).toBe(
        undefined,
      );
    for (const state of [
      'created',
      'collected',
      'in_transit',
      'out_for_delivery',
      'exception',
      'stuck',
    ] as const)
      expect(trackingSilentRule.firstCheckAt(shipment({ state }), DEFAULT_RULE_PARAMS, facts(), T0)).toBe(
        T0 + 48 * HOUR,
      );
  });
});
