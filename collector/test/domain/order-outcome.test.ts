// What applying one event reports besides the new state (status changed, late, irregular), and the
// last-writer-wins attributes with their own times, channel included.
import { describe, expect, it } from 'vitest';
import type { OrderEvent, OrderStatus } from '../../src/domain/events.ts';
import {
  applyOrderEvent,
  hasReachedPaid,
  type OrderState,
  statusPrecedence,
} from '../../src/domain/order-lifecycle.ts';

const T0 = Date.UTC(2026, 10, 11, 0, 0, 0);
const S = 1000;

function status(s: OrderStatus, at: number, extra: Partial<OrderEvent> = {}): OrderEvent {
  return {
    id: `${s}-${at}`,
    source: 'oms',
    type: 'order.status',
    occurredAt: T0 + at * S,
    orderId: 'O1',
    storeId: 'S1',
    status: s,
    ...extra,
  } as OrderEvent;
}

function payment(at: number, paymentStatus: 'success' | 'refund' | 'closed'): OrderEvent {
  return {
    id: `pay-${at}`,
    source: 'wechatpay',
    type: 'payment.notify',
    occurredAt: T0 + at * S,
    orderId: 'O1',
    storeId: 'S1',
    provider: 'wechatpay',
    transactionId: 'tx',
    amountFen: 100,
    status: paymentStatus,
  };
}

function fold(events: OrderEvent[]): OrderState {
  let state: OrderState | undefined;
  for (const e of events) state = applyOrderEvent(state, e).state;
  return state!;
}

describe('outcome flags', () => {
  it('the first event is neither late nor irregular and changes the status', () => {
    expect(applyOrderEvent(undefined, status('paid', 5))).toMatchObject({
      statusChanged: true,
      late: false,
      irregular: false,
    });
  });

  it('an event at the same instant as the newest known is not late', () => {
    const s = fold([status('created', 5)]);
    expect(applyOrderEvent(s, status('paid', 5)).late).toBe(false);
    expect(applyOrderEvent(s, status('paid', 4)).late).toBe(true);
  });

  it('a legal forward move is not irregular', () => {
    const s = fold([status('created', 1)]);
    expect(applyOrderEvent(s, status('paid', 2))).toMatchObject({ statusChanged: true, irregular: false });
  });

  it('the same status reported earlier moves statusAt back and counts as a change; reported later it does not', () => {
    const s = fold([status('paid', 5)]);
    const earlier = applyOrderEvent(s, status('paid', 3, { id: 'again' }));
    expect([earlier.statusChanged, earlier.state.statusAt]).toEqual([true, T0 + 3 * S]);
    const later = applyOrderEvent(s, status('paid', 8, { id: 'again' }));
    expect([later.statusChanged, later.state.statusAt, later.late, later.irregular]).toEqual([
      false,
      T0 + 5 * S,
      false,
      false,
    ]);
  });

  it('a shipment update only moves updatedAt', () => {
    const s = fold([status('shipped', 5, { amountFen: 100 })]);
    const out = applyOrderEvent(s, {
      id: 'sh',
      source: 'kuaidi100',
      type: 'shipment.update',
      occurredAt: T0 + 9 * S,
      orderId: 'O1',
      storeId: 'S1',
      carrier: 'sf',
      trackingNo: 'SF1',
      state: 'in_transit',
    });
    expect(out.state).toEqual({ ...s, updatedAt: T0 + 9 * S });
    expect([out.statusChanged, out.late, out.irregular]).toEqual([false, false, false]);
  });
});

describe('payments', () => {
  it('records the earliest successful payment only', () => {
    const s = fold([
      payment(5, 'success'),
      payment(2, 'refund'),
      payment(3, 'success'),
      payment(1, 'closed'),
    ]);
    expect(s.paymentAt).toBe(T0 + 3 * S);
    expect(s.status).toBeUndefined();
  });
});

describe('attributes: last writer by event time, ties to the larger value', () => {
  it('keeps each attribute with its own time', () => {
    const s = fold([
      status('created', 1, { amountFen: 100, region: 'GD', channel: 'app' }),
      status('paid', 3, { amountFen: 120 }),
      status('picking', 2, { region: 'SH', channel: 'pos' }),
    ]);
    expect(s).toMatchObject({
      amountFen: 120,
      amountAt: T0 + 3 * S,
      region: 'SH',
      regionAt: T0 + 2 * S,
      channel: 'pos',
      channelAt: T0 + 2 * S,
    });
  });

  it('an older value never overrides a newer one', () => {
    const s = fold([
      status('paid', 5, { channel: 'app', region: 'GD', amountFen: 1 }),
      status('created', 4, { channel: 'zzz', region: 'ZZ', amountFen: 9 }),
    ]);
    expect([s.channel, s.region, s.amountFen]).toEqual(['app', 'GD', 1]);
  });

  it('at the same instant the larger value wins, whichever arrives first', () => {
    const a = status('paid', 5, { channel: 'app', region: 'GD', amountFen: 1 });
    const b = status('paid', 5, { id: 'b', channel: 'web', region: 'SH', amountFen: 9 });
    for (const events of [
      [a, b],
      [b, a],
    ]) {
      const s = fold(events);
      expect([s.channel, s.region, s.amountFen]).toEqual(['web', 'SH', 9]);
      expect([s.channelAt, s.regionAt, s.amountAt]).toEqual([T0 + 5 * S, T0 + 5 * S, T0 + 5 * S]);
    }
  });

  it('an event without an attribute leaves it alone', () => {
    const s = fold([status('created', 1, { channel: 'app' }), status('paid', 9)]);
    expect([s.channel, s.channelAt]).toEqual(['app', T0 + S]);
  });
});

describe('precedence and paid', () => {
  it('answers -1 for a status it does not know', () => {
    expect(statusPrecedence('lost' as OrderStatus)).toBe(-1);
    expect(statusPrecedence('created')).toBe(0);
  });

  it('an order paid before it was cancelled has reached paid; a payment notify alone has not', () => {
    expect(hasReachedPaid(fold([status('paid', 1), status('cancelled', 2)]))).toBe(true);
    expect(hasReachedPaid(fold([status('created', 1), status('cancelled', 2)]))).toBe(false);
    expect(hasReachedPaid(fold([status('created', 1), status('shipped', 2)]))).toBe(true);
    expect(hasReachedPaid(fold([payment(1, 'success')]))).toBe(false);
  });
});
