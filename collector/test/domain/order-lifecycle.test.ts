import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ORDER_STATUSES, type OrderEvent, type OrderStatus } from '../../src/domain/events.ts';
import {
  applyOrderEvent,
  hasReachedPaid,
  isLegalTransition,
  isTerminal,
  LEGAL_TRANSITIONS,
  type OrderState,
  statusPrecedence,
} from '../../src/domain/order-lifecycle.ts';

const T0 = Date.UTC(2026, 10, 11, 0, 0, 0);

function statusEvent(status: OrderStatus, at: number, extra: Partial<OrderEvent> = {}): OrderEvent {
  return {
    id: `${status}-${at}`,
    source: 'oms',
    type: 'order.status',
    occurredAt: at,
    orderId: 'O1',
    storeId: 'S1',
    status,
    ...extra,
  } as OrderEvent;
}

function fold(events: readonly OrderEvent[]): OrderState | undefined {
  let state: OrderState | undefined;
  for (const event of events) state = applyOrderEvent(state, event).state;
  return state;
}

/** The reference model: the state computed straight from the set of events, with no notion of order. */
function reference(events: readonly OrderEvent[]) {
  const statusEvents = events.filter((e) => e.type === 'order.status');
  const furthest = statusEvents.reduce<OrderStatus | undefined>(
    (best, e) =>
      best === undefined || statusPrecedence(e.status) > statusPrecedence(best) ? e.status : best,
    undefined,
  );
  const timesOf = (status: OrderStatus) =>
    statusEvents.filter((e) => e.status === status).map((e) => e.occurredAt);
  const min = (xs: number[]) => (xs.length === 0 ? undefined : Math.min(...xs));
  const lww = (pick: (e: (typeof statusEvents)[number]) => string | number | undefined) => {
    let value: string | number | undefined;
    let at = Number.NEGATIVE_INFINITY;
    for (const e of statusEvents) {
      const v = pick(e);
      if (v === undefined) continue;
      if (e.occurredAt > at || (e.occurredAt === at && value !== undefined && v > value)) {
        value = v;
        at = e.occurredAt;
      }
    }
    return value;
  };
  return {
    status: furthest,
    statusAt: furthest === undefined ? undefined : min(timesOf(furthest)),
    paidAt: min(timesOf('paid')),
    createdAt: min(timesOf('created')),
    paymentAt: min(
      events.filter((e) => e.type === 'payment.notify' && e.status === 'success').map((e) => e.occurredAt),
    ),
    amountFen: lww((e) => e.amountFen),
    region: lww((e) => e.region),
    updatedAt: Math.max(...events.map((e) => e.occurredAt)),
  };
}

const eventArb: fc.Arbitrary<OrderEvent> = fc.oneof(
  fc
    .record({
      status: fc.constantFrom(...ORDER_STATUSES),
      at: fc.integer({ min: 0, max: 50 }),
      amountFen: fc.option(fc.integer({ min: 0, max: 5 }), { nil: undefined }),
      region: fc.option(fc.constantFrom('GD', 'XZ', 'SH'), { nil: undefined }),
    })
    .map(({ status, at, amountFen, region }) => statusEvent(status, T0 + at * 1000, { amountFen, region })),
  fc.record({ at: fc.integer({ min: 0, max: 50 }), status: fc.constantFrom('success', 'refund') }).map(
    ({ at, status }) =>
      ({
        id: `pay-${at}`,
        source: 'wechatpay',
        type: 'payment.notify',
        occurredAt: T0 + at * 1000,
        orderId: 'O1',
        storeId: 'S1',
        provider: 'wechatpay',
        transactionId: 'tx',
        amountFen: 100,
        status,
      }) as OrderEvent,
  ),
);

const pick = (s: OrderState | undefined) =>
  s && {
    status: s.status,
    statusAt: s.statusAt,
    paidAt: s.paidAt,
    createdAt: s.createdAt,
    paymentAt: s.paymentAt,
    amountFen: s.amountFen,
    region: s.region,
    updatedAt: s.updatedAt,
  };

describe('order lifecycle', () => {
  it('terminal states are delivered, cancelled, refunded and closed; closed has no way out', () => {
    expect(ORDER_STATUSES.filter(isTerminal)).toEqual(['delivered', 'cancelled', 'refunded', 'closed']);
    expect(LEGAL_TRANSITIONS.closed).toEqual([]);
    expect(isLegalTransition('shipped', 'cancelled')).toBe(false);
    expect(isLegalTransition('created', 'refunded')).toBe(false);
    expect(isLegalTransition('paid', 'picking')).toBe(true);
  });

  it('every legal transition moves forward in precedence (so the join never undoes a legal move)', () => {
    for (const from of ORDER_STATUSES) {
      for (const to of LEGAL_TRANSITIONS[from]) {
        expect(statusPrecedence(to)).toBeGreaterThan(statusPrecedence(from));
      }
    }
  });

  it('a late event does not roll the status back but still records paidAt', () => {
    const picking = applyOrderEvent(undefined, statusEvent('picking', T0 + 60_000)).state;
    const outcome = applyOrderEvent(picking, statusEvent('paid', T0));
    expect(outcome.state.status).toBe('picking');
    expect(outcome.state.statusAt).toBe(T0 + 60_000);
    expect(outcome.state.paidAt).toBe(T0);
    expect(outcome.late).toBe(true);
    expect(outcome.irregular).toBe(false);
    expect(outcome.statusChanged).toBe(false);
    expect(hasReachedPaid(outcome.state)).toBe(true);
  });

  it('a backward report that is newer than what we know is flagged irregular and ignored', () => {
    const packed = applyOrderEvent(undefined, statusEvent('packed', T0)).state;
    const outcome = applyOrderEvent(packed, statusEvent('paid', T0 + 1000));
    expect(outcome.state.status).toBe('packed');
    expect(outcome.irregular).toBe(true);
  });

  it('an illegal forward move is applied but flagged', () => {
    const shipped = applyOrderEvent(undefined, statusEvent('shipped', T0)).state;
    const outcome = applyOrderEvent(shipped, statusEvent('cancelled', T0 + 1000));
    expect(outcome.state.status).toBe('cancelled');
    expect(outcome.irregular).toBe(true);
  });

  it('a payment before any status leaves the status unknown and counts as not applied', () => {
    const state = fold([
      {
        id: 'p',
        source: 'alipay',
        type: 'payment.notify',
        occurredAt: T0,
        orderId: 'O1',
        storeId: 'S1',
        provider: 'alipay',
        transactionId: 't',
        amountFen: 1,
        status: 'success',
      },
    ])!;
    expect(state.status).toBeUndefined();
    expect(state.paymentAt).toBe(T0);
    expect(hasReachedPaid(state)).toBe(false);
  });

  it('a cancelled order that was never paid has not reached paid', () => {
    const state = fold([statusEvent('created', T0), statusEvent('cancelled', T0 + 1)])!;
    expect(hasReachedPaid(state)).toBe(false);
  });

  it('does not mutate the state it is given', () => {
    const state = applyOrderEvent(undefined, statusEvent('created', T0)).state;
    const copy = { ...state };
    applyOrderEvent(state, statusEvent('paid', T0 + 5));
    expect(state).toEqual(copy);
  });

  it('matches the reference model for any sequence of events', () => {
    fc.assert(
      fc.property(fc.array(eventArb, { minLength: 1, maxLength: 25 }), (events) => {
        expect(pick(fold(events))).toEqual(reference(events));
      }),
      { numRuns: 500 },
    );
  });

  it('any permutation of the same events gives the same final state', () => {
    const permuted = fc
      .array(eventArb, { minLength: 1, maxLength: 20 })
      .chain((events) =>
        fc.tuple(fc.constant(events), fc.shuffledSubarray(events, { minLength: events.length })),
      );
    fc.assert(
      fc.property(permuted, ([events, shuffled]) => {
        expect(fold(shuffled)).toEqual(fold(events));
      }),
      { numRuns: 500 },
    );
  });

  it('the status never moves backward while events are applied', () => {
    fc.assert(
      fc.property(fc.array(eventArb, { minLength: 1, maxLength: 25 }), (events) => {
        let state: OrderState | undefined;
        for (const event of events) {
          const next = applyOrderEvent(state, event).state;
          if (state?.status !== undefined) {
            expect(statusPrecedence(next.status!)).toBeGreaterThanOrEqual(statusPrecedence(state.status));
          }
          state = next;
        }
      }),
    );
  });
});
