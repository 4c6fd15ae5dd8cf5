// The fuzzy step over candidate pairs found elsewhere (the staged import's SQL join) makes the pairs
// reconcile() makes: candidates built from a bill and an order list the way the join builds them give
// reconcile's fuzzy matches, and the two tie-breaks (payments by time then bill place, orders by
// time then list place) decide who takes a contested order.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type FuzzyCandidate, pairFuzzy } from '../../../src/domain/reconciliation/fuzzy-pairs.ts';
import {
  type BilledPayment,
  type PaidOrder,
  reconcile,
} from '../../../src/domain/reconciliation/match-bill.ts';

const MIN = 60_000;
const TAIL = 4;
const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/**
 * Candidates as the staged import's join gives them: every payment left after the exact step and not
 * a second payment of an exactly matched number, with every order of the same amount and tail that
 * no payment matched exactly, within the window either side; `pos` the bill place, `seq` the list place.
 */
function candidatesOf(bill: readonly BilledPayment[], orders: readonly PaidOrder[], windowMs: number) {
  const ids = new Set(orders.map((o) => o.orderId));
  const exact = new Set<string>();
  const left: { payment: BilledPayment; pos: number }[] = [];
  bill.forEach((payment, pos) => {
    if (ids.has(payment.merchantOrderNo) && !exact.has(payment.merchantOrderNo))
      exact.add(payment.merchantOrderNo);
    else left.push({ payment, pos });
  });
  const candidates: FuzzyCandidate[] = [];
  for (const { payment, pos } of left) {
    if (exact.has(payment.merchantOrderNo) || payment.merchantOrderNo.length < TAIL) continue;
    const tail = payment.merchantOrderNo.slice(-TAIL);
    const near = orders.flatMap((o, seq) =>
      !exact.has(o.orderId) &&
      o.orderId.length >= TAIL &&
      o.orderId.slice(-TAIL) === tail &&
      o.amountFen === payment.amountFen &&
      Math.abs(payment.paidAt - o.paidAt) <= windowMs
        ? [{ orderId: o.orderId, paidAt: o.paidAt, seq }]
        : [],
    );
    if (near.length > 0) candidates.push({ pos, paidAt: payment.paidAt, orders: near });
  }
  return candidates;
}

const payment = (merchantOrderNo: string, amountFen: number, paidAt: number, pos: number): BilledPayment => ({
  provider: 'wechatpay',
  transactionId: `tx-${pos}`,
  merchantOrderNo,
  paidAt,
  amountFen,
  kind: 'payment',
  deviceId: 'POS-1',
});

describe('pairFuzzy', () => {
  it('pairs as reconcile() does, whatever order the candidates and their orders come in', () => {
    // Few amounts, tails and minutes, so payments contest orders and times tie often.
    const time = fc.integer({ min: 0, max: 40 }).map((m) => m * MIN);
    const id = fc.tuple(fc.constantFrom('A', 'B', 'CC', ''), fc.constantFrom('0001', '0002', '01'));
    const arb = fc.record({
      orders: fc.uniqueArray(fc.record({ id, amountFen: fc.constantFrom(100, 200), paidAt: time }), {
        maxLength: 12,
        selector: (o) => o.id.join(''),
      }),
      bill: fc.array(fc.record({ no: id, amountFen: fc.constantFrom(100, 200), paidAt: time }), {
        maxLength: 12,
      }),
      windowMs: fc.constantFrom(0, 5 * MIN, 15 * MIN),
      shuffle: fc.integer(),
    });
    fc.assert(
      fc.property(arb, ({ orders: o, bill: b, windowMs, shuffle }) => {
        const orders: PaidOrder[] = o.map((x) => ({
          orderId: x.id.join(''),
          storeId: 'S1',
          amountFen: x.amountFen,
          paidAt: x.paidAt,
        }));
        const bill = b.map((x, pos) => payment(x.no.join(''), x.amountFen, x.paidAt, pos));
        const expected = reconcile(bill, orders, { dayOf, windowMs, tailLength: TAIL }).fuzzy.map((f) => ({
          pos: Number(f.payment.transactionId.slice(3)),
          orderId: f.order.orderId,
          deltaMs: f.payment.paidAt - f.order.paidAt,
        }));
        // The join gives rows in no particular order: rotate both lists.
        const candidates = candidatesOf(bill, orders, windowMs);
        const turn = <T>(list: T[]) => {
          const k = list.length === 0 ? 0 : Math.abs(shuffle) % list.length;
          return [...list.slice(k), ...list.slice(0, k)].reverse();
        };
        const scrambled = turn(candidates).map((c) => ({ ...c, orders: turn(c.orders) }));
        expect(pairFuzzy(scrambled, windowMs)).toEqual(expected);
        expect(pairFuzzy(candidates, windowMs)).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });

  it('lets the earlier payment, then the earlier bill line, take a contested order', () => {
    const order = { orderId: 'X-0001', paidAt: 10 * MIN, seq: 0 };
    const at = (pos: number, paidAt: number): FuzzyCandidate => ({ pos, paidAt, orders: [order] });
    // The later payment is nearer, but the earlier one comes first.
    expect(pairFuzzy([at(0, 14 * MIN), at(1, 9 * MIN)], 15 * MIN)).toEqual([
      { pos: 1, orderId: 'X-0001', deltaMs: -MIN },
    ]);
    // At the same time, the earlier bill line, given in either order.
    expect(pairFuzzy([at(7, 12 * MIN), at(3, 12 * MIN)], 15 * MIN)).toEqual([
      { pos: 3, orderId: 'X-0001', deltaMs: 2 * MIN },
    ]);
    expect(pairFuzzy([at(3, 12 * MIN), at(7, 12 * MIN)], 15 * MIN)).toEqual([
      { pos: 3, orderId: 'X-0001', deltaMs: 2 * MIN },
    ]);
  });

  it('gives the second payment the next order, and none past the window', () => {
    const orders = [
      { orderId: 'Y-0001', paidAt: 20 * MIN, seq: 1 },
      { orderId: 'X-0001', paidAt: 10 * MIN, seq: 0 },
    ];
    expect(
      pairFuzzy(
        [
          { pos: 0, paidAt: 11 * MIN, orders },
          { pos: 1, paidAt: 12 * MIN, orders },
          { pos: 2, paidAt: 13 * MIN, orders },
        ],
        8 * MIN,
      ),
    ).toEqual([
      { pos: 0, orderId: 'X-0001', deltaMs: MIN },
      { pos: 1, orderId: 'Y-0001', deltaMs: -8 * MIN },
    ]);
  });

  it('takes, of two orders at one time, the one the order list holds first', () => {
    // Both after the payment: the forward walk meets the first in list order.
    const later = [
      { orderId: 'B-0001', paidAt: 5 * MIN, seq: 4 },
      { orderId: 'A-0001', paidAt: 5 * MIN, seq: 2 },
    ];
    expect(pairFuzzy([{ pos: 0, paidAt: 0, orders: later }], 15 * MIN)).toEqual([
      { pos: 0, orderId: 'A-0001', deltaMs: -5 * MIN },
    ]);
    // Both before it: the backward walk meets the last in list order.
    expect(pairFuzzy([{ pos: 0, paidAt: 10 * MIN, orders: later }], 15 * MIN)).toEqual([
      { pos: 0, orderId: 'B-0001', deltaMs: 5 * MIN },
    ]);
    // Both at the payment's own time: the first in list order, and the second for the next payment.
    const both = [
      { pos: 0, paidAt: 5 * MIN, orders: later },
      { pos: 1, paidAt: 5 * MIN, orders: later },
    ];
    expect(pairFuzzy(both, 15 * MIN)).toEqual([
      { pos: 0, orderId: 'A-0001', deltaMs: 0 },
      { pos: 1, orderId: 'B-0001', deltaMs: 0 },
    ]);
    expect(pairFuzzy([], 15 * MIN)).toEqual([]);
  });
});
