// The edges of bill matching that a broad fixture day leaves open: the fuzzy window's exact bounds,
// every part of the fuzzy key, which of several candidates a payment takes, and where refunds,
// duplicates and unknown tills are counted.
import { describe, expect, it } from 'vitest';
import { localDayFn } from '../../../src/domain/reconciliation/local-day.ts';
import {
  type BilledPayment,
  type PaidOrder,
  reconcile,
  storeResultsOf,
} from '../../../src/domain/reconciliation/match-bill.ts';

const dayOf = localDayFn('Asia/Shanghai');
const T0 = Date.parse('2024-06-01T10:00:00+08:00');
const MIN = 60_000;

const pay = (
  no: string,
  amountFen: number,
  paidAt: number,
  extra: Partial<BilledPayment> = {},
): BilledPayment => ({
  provider: 'wechatpay',
  transactionId: `tx-${no}`,
  merchantOrderNo: no,
  paidAt,
  amountFen,
  kind: 'payment',
  deviceId: 'POS-1',
  ...extra,
});
const order = (id: string, amountFen: number, paidAt: number, extra: Partial<PaidOrder> = {}): PaidOrder => ({
  orderId: id,
  storeId: 'S1',
  amountFen,
  paidAt,
  ...extra,
});
const pairs = (r: ReturnType<typeof reconcile>) =>
  r.fuzzy.map((f) => [f.payment.merchantOrderNo, f.order.orderId]);

describe('fuzzy window bounds', () => {
  it.each([
    ['exactly 15 min after the order', 15 * MIN, true],
    ['exactly 15 min before the order', -15 * MIN, true],
    ['15 min and 1 ms after', 15 * MIN + 1, false],
    ['15 min and 1 ms before', -15 * MIN - 1, false],
  ])('a payment %s: fuzzy match %s', (_, delta, matches) => {
    const r = reconcile([pay('POS-7788', 4200, T0 + delta)], [order('S1-7788', 4200, T0)], { dayOf });
    expect(r.fuzzy).toHaveLength(matches ? 1 : 0);
    expect(r.unmatchedPayments).toHaveLength(matches ? 0 : 1);
    expect(r.unmatchedOrders).toHaveLength(matches ? 0 : 1);
  });

  it('a configured window is inclusive too', () => {
    const at = (delta: number) =>
      reconcile([pay('P-1234', 100, T0 + delta)], [order('O-1234', 100, T0)], { dayOf, windowMs: 2 * MIN });
    expect(at(2 * MIN).fuzzy).toHaveLength(1);
    expect(at(-2 * MIN).fuzzy).toHaveLength(1);
    expect(at(2 * MIN + 1).fuzzy).toHaveLength(0);
  });

  it('the same instant matches', () => {
    const r = reconcile([pay('P-1234', 100, T0)], [order('O-1234', 100, T0)], { dayOf });
    expect(r.fuzzy[0]?.reason.deltaMs).toBe(0);
    expect(r.fuzzy[0]?.reason.text).toBe('same amount 1.00, same order-number tail "1234", 0 s apart');
  });
});

describe('the fuzzy key', () => {
  it('a different amount with the same tail and time is no match', () => {
    const r = reconcile([pay('POS-7788', 4201, T0)], [order('S1-7788', 4200, T0)], { dayOf });
    expect(r.fuzzy).toHaveLength(0);
    expect(r.unmatchedPayments.map((u) => u.payment.merchantOrderNo)).toEqual(['POS-7788']);
  });

  it('among same-tail orders, only the one with the payment’s amount is taken', () => {
    const r = reconcile(
      [pay('POS-7788', 4200, T0)],
      [order('A-7788', 100, T0), order('B-7788', 4200, T0 + 5 * MIN), order('C-7788', 999, T0 + MIN)],
      { dayOf },
    );
    expect(pairs(r)).toEqual([['POS-7788', 'B-7788']]);
  });

  it('a different tail with the same amount and time is no match', () => {
    const r = reconcile([pay('POS-7789', 4200, T0)], [order('S1-7788', 4200, T0)], { dayOf });
    expect(r.fuzzy).toHaveLength(0);
  });

  it('the whole tail must agree, not only its last characters', () => {
    const r = reconcile([pay('POS-1788', 4200, T0)], [order('S1-7788', 4200, T0)], { dayOf });
    expect(r.fuzzy).toHaveLength(0);
    const five = reconcile([pay('X-17788', 4200, T0)], [order('Y-27788', 4200, T0)], {
      dayOf,
      tailLength: 5,
    });
    expect(five.fuzzy).toHaveLength(0);
    const four = reconcile([pay('X-17788', 4200, T0)], [order('Y-27788', 4200, T0)], {
      dayOf,
      tailLength: 4,
    });
    expect(pairs(four)).toEqual([['X-17788', 'Y-27788']]);
  });

  it('an order id or order number shorter than the tail is never a fuzzy candidate', () => {
    const shortOrder = reconcile([pay('AB-788', 4200, T0)], [order('788', 4200, T0)], {
      dayOf,
      tailLength: 4,
    });
    expect(shortOrder.fuzzy).toHaveLength(0);
    const shortPayment = reconcile([pay('788', 4200, T0)], [order('AB-788', 4200, T0)], {
      dayOf,
      tailLength: 4,
    });
    expect(shortPayment.fuzzy).toHaveLength(0);
    const exactLength = reconcile([pay('7788', 4200, T0)], [order('S1-7788', 4200, T0)], { dayOf });
    expect(pairs(exactLength)).toEqual([['7788', 'S1-7788']]);
    const exactLengthOrder = reconcile([pay('S1-7788', 4200, T0)], [order('7788', 4200, T0)], { dayOf });
    expect(pairs(exactLengthOrder)).toEqual([['S1-7788', '7788']]);
  });

  it('the tail length must be a positive integer', () => {
    expect(() => reconcile([], [], { dayOf, tailLength: 0 })).toThrow(RangeError);
    expect(() => reconcile([], [], { dayOf, tailLength: 1.5 })).toThrow(
      'tailLength must be a positive integer',
    );
    expect(reconcile([pay('A9', 1, T0)], [order('B9', 1, T0)], { dayOf, tailLength: 1 }).fuzzy).toHaveLength(
      1,
    );
  });
});

describe('which candidate a fuzzy payment takes', () => {
  it('the nearer of an earlier and a later order', () => {
    const later = reconcile(
      [pay('P-0001', 100, T0)],
      [order('EARLY-0001', 100, T0 - 5 * MIN), order('LATE-0001', 100, T0 + 3 * MIN)],
      { dayOf },
    );
    expect(pairs(later)).toEqual([['P-0001', 'LATE-0001']]);
    const earlier = reconcile(
      [pay('P-0001', 100, T0)],
      [order('EARLY-0001', 100, T0 - 3 * MIN), order('LATE-0001', 100, T0 + 5 * MIN)],
      { dayOf },
    );
    expect(pairs(earlier)).toEqual([['P-0001', 'EARLY-0001']]);
  });

  it('at equal distance, the earlier order', () => {
    const r = reconcile(
      [pay('P-0001', 100, T0)],
      [order('LATE-0001', 100, T0 + 4 * MIN), order('EARLY-0001', 100, T0 - 4 * MIN)],
      { dayOf },
    );
    expect(pairs(r)).toEqual([['P-0001', 'EARLY-0001']]);
  });

  it('of two orders at the payment’s own instant, the one listed first', () => {
    const r = reconcile(
      [pay('P-0001', 100, T0), pay('Q-0001', 100, T0 + 1)],
      [order('A-0001', 100, T0), order('B-0001', 100, T0)],
      { dayOf },
    );
    expect(pairs(r)).toEqual([
      ['P-0001', 'A-0001'],
      ['Q-0001', 'B-0001'],
    ]);
  });

  it('the nearest of several earlier orders, and of several later ones', () => {
    const before = reconcile(
      [pay('P-0001', 100, T0)],
      [
        order('A-0001', 100, T0 - 9 * MIN),
        order('B-0001', 100, T0 - 2 * MIN),
        order('C-0001', 100, T0 - 6 * MIN),
      ],
      { dayOf },
    );
    expect(pairs(before)).toEqual([['P-0001', 'B-0001']]);
    const after = reconcile(
      [pay('P-0001', 100, T0)],
      [
        order('A-0001', 100, T0 + 9 * MIN),
        order('B-0001', 100, T0 + 2 * MIN),
        order('C-0001', 100, T0 + 6 * MIN),
      ],
      { dayOf },
    );
    expect(pairs(after)).toEqual([['P-0001', 'B-0001']]);
  });

  it('skips orders already claimed by an earlier payment and takes the next within the window', () => {
    const r = reconcile(
      [pay('P-0001', 100, T0), pay('Q-0001', 100, T0 + 1000)],
      [order('A-0001', 100, T0), order('B-0001', 100, T0 + 10 * MIN), order('C-0001', 100, T0 - 20 * MIN)],
      { dayOf },
    );
    expect(pairs(r)).toEqual([
      ['P-0001', 'A-0001'],
      ['Q-0001', 'B-0001'],
    ]);
    expect(r.unmatchedOrders.map((u) => u.order.orderId)).toEqual(['C-0001']);
  });

  it('a claimed earlier order does not hide an unclaimed earlier one', () => {
    const r = reconcile(
      [pay('P-0001', 100, T0 - MIN), pay('Q-0001', 100, T0)],
      [order('A-0001', 100, T0 - MIN), order('B-0001', 100, T0 - 4 * MIN)],
      { dayOf },
    );
    expect(pairs(r)).toEqual([
      ['P-0001', 'A-0001'],
      ['Q-0001', 'B-0001'],
    ]);
  });

  it('past a claimed later order, the next later one, never an earlier one outside the window', () => {
    // The first payment takes B; the second finds A 20 min before it (outside the window) and B
    // claimed, so C, 5 min after, is the only candidate.
    const r = reconcile(
      [pay('P-0001', 100, T0 - 30_000), pay('Q-0001', 100, T0)],
      [
        order('A-0001', 100, T0 - 20 * MIN),
        order('B-0001', 100, T0 + MIN),
        order('C-0001', 100, T0 + 5 * MIN),
      ],
      { dayOf },
    );
    expect(pairs(r)).toEqual([
      ['P-0001', 'B-0001'],
      ['Q-0001', 'C-0001'],
    ]);
    expect(r.unmatchedOrders.map((u) => u.order.orderId)).toEqual(['A-0001']);
  });

  it('an order exactly claimed by number is never a fuzzy candidate', () => {
    const r = reconcile([pay('S1-7788', 4200, T0), pay('POS-7788', 4200, T0)], [order('S1-7788', 4200, T0)], {
      dayOf,
    });
    expect(r.exact).toHaveLength(1);
    expect(r.fuzzy).toHaveLength(0);
    expect(r.unmatchedPayments.map((u) => u.payment.merchantOrderNo)).toEqual(['POS-7788']);
  });

  it('payments are matched in time order, whatever the bill order', () => {
    const r = reconcile(
      [pay('LATE-0001', 100, T0 + 10 * MIN), pay('EARLY-0001', 100, T0)],
      [order('O-0001', 100, T0 + 6 * MIN)],
      { dayOf },
    );
    expect(pairs(r)).toEqual([['EARLY-0001', 'O-0001']]);
  });

  it('the reason states the amount, the tail and the minutes apart', () => {
    const r = reconcile([pay('POS-7788', 12345, T0 - 7 * MIN - 20_000)], [order('S1-7788', 12345, T0)], {
      dayOf,
    });
    expect(r.fuzzy[0]?.reason).toEqual({
      amountFen: 12345,
      tail: '7788',
      deltaMs: -7 * MIN - 20_000,
      text: 'same amount 123.45, same order-number tail "7788", 7 min apart',
    });
    const seconds = reconcile([pay('POS-7788', 100, T0 + 29_000)], [order('S1-7788', 100, T0)], { dayOf });
    expect(seconds.fuzzy[0]?.reason.text).toBe('same amount 1.00, same order-number tail "7788", 29 s apart');
    const rounded = reconcile([pay('POS-7788', 100, T0 - 31_000)], [order('S1-7788', 100, T0)], { dayOf });
    expect(rounded.fuzzy[0]?.reason.text).toBe(
      'same amount 1.00, same order-number tail "7788", 1 min apart',
    );
  });
});

describe('where rows are counted', () => {
  it('an exact match with a different amount is a mismatch; an order without an amount is not', () => {
    const r = reconcile(
      [pay('A', 100, T0), pay('B', 200, T0), pay('C', 0, T0)],
      [order('A', 101, T0), order('B', 200, T0), order('C', -1, T0)],
      { dayOf },
    );
    expect(r.exact.map((m) => m.order.orderId)).toEqual(['A', 'B', 'C']);
    expect(r.amountMismatches.map((m) => m.order.orderId)).toEqual(['A']);
    const zero = reconcile([pay('Z', 5, T0)], [order('Z', 0, T0)], { dayOf });
    expect(zero.amountMismatches).toHaveLength(1);
  });

  it('refunds are counted against the refunded order’s store, or the bill’s', () => {
    const r = reconcile(
      [
        pay('A', -300, T0, { kind: 'refund', deviceId: 'POS-1' }),
        pay('GONE', -50, T0, { kind: 'refund', deviceId: 'POS-1', storeId: 'S9' }),
      ],
      [order('A', 300, T0 - MIN, { storeId: 'S2' })],
      { dayOf },
    );
    expect(r.refunds).toBe(2);
    expect(r.exact).toHaveLength(0);
    expect(r.unmatchedPayments).toHaveLength(0);
    expect(r.unmatchedOrders.map((u) => u.order.orderId)).toEqual(['A']);
    const refundTallies = r.tallies.filter((t) => t.refunds > 0);
    expect(refundTallies).toEqual([
      expect.objectContaining({
        storeId: 'S2',
        deviceId: 'POS-1',
        refunds: 1,
        refundsFen: -300,
        payments: 0,
      }),
      expect.objectContaining({ storeId: 'S9', deviceId: 'POS-1', refunds: 1, refundsFen: -50, payments: 0 }),
    ]);
  });

  it('a second payment for a matched order is a duplicate of the first, in that order’s store', () => {
    const r = reconcile(
      [
        pay('A-0001', 100, T0, { transactionId: 'first' }),
        pay('A-0001', 100, T0 + MIN, { transactionId: 'again', storeId: 'S7' }),
      ],
      [order('A-0001', 100, T0, { storeId: 'S2' }), order('B-0001', 100, T0 + MIN)],
      { dayOf },
    );
    expect(r.fuzzy).toHaveLength(0);
    expect(r.unmatchedPayments).toEqual([
      {
        payment: expect.objectContaining({ transactionId: 'again' }),
        storeId: 'S2',
        day: '2024-06-01',
        duplicateOf: 'first',
      },
    ]);
    expect(r.unmatchedOrders.map((u) => u.order.orderId)).toEqual(['B-0001']);
  });

  it('an unmatched payment has no duplicateOf key at all', () => {
    const r = reconcile([pay('GHOST', 100, T0, { storeId: 'S1' })], [], { dayOf });
    expect(r.unmatchedPayments[0]).toEqual({ payment: expect.anything(), storeId: 'S1', day: '2024-06-01' });
    expect(Object.keys(r.unmatchedPayments[0] ?? {})).not.toContain('duplicateOf');
  });

  it('a till seen paying two stores’ orders belongs to neither: its stray payment is unknown', () => {
    const r = reconcile(
      [
        pay('A', 100, T0, { deviceId: 'POS-X' }),
        pay('B', 100, T0, { deviceId: 'POS-X' }),
        pay('GHOST', 7, T0, { deviceId: 'POS-X' }),
      ],
      [order('A', 100, T0, { storeId: 'S1' }), order('B', 100, T0, { storeId: 'S2' })],
      { dayOf },
    );
    expect(r.unmatchedPayments.map((u) => u.storeId)).toEqual(['unknown']);
  });

  it('a till seen paying one store’s orders, twice, still belongs to it', () => {
    const r = reconcile(
      [
        pay('A', 100, T0, { deviceId: 'POS-X' }),
        pay('B', 100, T0, { deviceId: 'POS-X' }),
        pay('GHOST', 7, T0, { deviceId: 'POS-X' }),
      ],
      [order('A', 100, T0, { storeId: 'S3' }), order('B', 100, T0, { storeId: 'S3' })],
      { dayOf },
    );
    expect(r.unmatchedPayments.map((u) => u.storeId)).toEqual(['S3']);
  });

  it('payments from a till with no id are never attributed by what that empty id paid', () => {
    const r = reconcile(
      [pay('A', 100, T0, { deviceId: '' }), pay('GHOST', 7, T0, { deviceId: '' })],
      [order('A', 100, T0, { storeId: 'S3' })],
      { dayOf },
    );
    expect(r.unmatchedPayments.map((u) => u.storeId)).toEqual(['unknown']);
  });

  it('the bill’s own store wins over the device map, and the device map over what the till paid', () => {
    const deviceStores = new Map([['POS-1', 'MAPPED']]);
    const r = reconcile(
      [pay('A', 100, T0), pay('G1', 7, T0, { storeId: 'BILL' }), pay('G2', 8, T0)],
      [order('A', 100, T0, { storeId: 'LEARNED' })],
      { dayOf, deviceStores },
    );
    expect(r.unmatchedPayments.map((u) => [u.payment.merchantOrderNo, u.storeId])).toEqual([
      ['G1', 'BILL'],
      ['G2', 'MAPPED'],
    ]);
  });

  it('tallies every kind of row per day, store and device, sorted', () => {
    const nextDay = Date.parse('2024-06-02T09:00:00+08:00');
    const r = reconcile(
      [
        pay('E-1', 100, T0, { deviceId: 'POS-2' }),
        pay('F-7788', 250, T0, { deviceId: 'POS-1' }),
        pay('G-1', 40, nextDay, { deviceId: 'POS-1', storeId: 'S1' }),
      ],
      [
        order('E-1', 100, T0),
        order('S1-7788', 250, T0 + MIN),
        order('U-1', 60, T0, { storeId: 'S0' }),
        order('V-1', 70, nextDay, { deviceId: 'POS-3' }),
      ],
      { dayOf },
    );
    const blank = {
      payments: 0,
      orders: 0,
      matched: 0,
      fuzzyMatched: 0,
      unmatchedPayments: 0,
      unmatchedOrders: 0,
      paymentsFen: 0,
      unmatchedPaymentsFen: 0,
      refunds: 0,
      refundsFen: 0,
    };
    expect(r.tallies).toEqual([
      { ...blank, day: '2024-06-01', storeId: 'S0', deviceId: '', orders: 1, unmatchedOrders: 1 },
      {
        ...blank,
        day: '2024-06-01',
        storeId: 'S1',
        deviceId: 'POS-1',
        payments: 1,
        orders: 1,
        fuzzyMatched: 1,
        paymentsFen: 250,
      },
      {
        ...blank,
        day: '2024-06-01',
        storeId: 'S1',
        deviceId: 'POS-2',
        payments: 1,
        orders: 1,
        matched: 1,
        paymentsFen: 100,
      },
      {
        ...blank,
        day: '2024-06-02',
        storeId: 'S1',
        deviceId: 'POS-1',
        payments: 1,
        unmatchedPayments: 1,
        paymentsFen: 40,
        unmatchedPaymentsFen: 40,
      },
      { ...blank, day: '2024-06-02', storeId: 'S1', deviceId: 'POS-3', orders: 1, unmatchedOrders: 1 },
    ]);
    expect(r.unmatchedOrders.find((u) => u.order.orderId === 'V-1')?.day).toBe('2024-06-02');
    expect(r.storeResults).toEqual([
      {
        storeId: 'S0',
        day: '2024-06-01',
        paymentsTotal: 0,
        ordersTotal: 1,
        unmatchedPayments: 0,
        unmatchedOrders: 1,
      },
      {
        storeId: 'S1',
        day: '2024-06-01',
        paymentsTotal: 2,
        ordersTotal: 2,
        unmatchedPayments: 0,
        unmatchedOrders: 0,
      },
      {
        storeId: 'S1',
        day: '2024-06-02',
        paymentsTotal: 1,
        ordersTotal: 1,
        unmatchedPayments: 1,
        unmatchedOrders: 1,
      },
    ]);
  });

  it('storeResultsOf adds the devices of one store and day together, and keeps days apart', () => {
    const t = (day: string, storeId: string, deviceId: string, n: number) => ({
      day,
      storeId,
      deviceId,
      payments: n,
      orders: n + 1,
      matched: 0,
      fuzzyMatched: 0,
      unmatchedPayments: n + 2,
      unmatchedOrders: n + 3,
      paymentsFen: 0,
      unmatchedPaymentsFen: 0,
      refunds: 0,
      refundsFen: 0,
    });
    expect(storeResultsOf([t('d1', 'S', 'a', 1), t('d1', 'S', 'b', 10), t('d2', 'S', 'a', 100)])).toEqual([
      {
        storeId: 'S',
        day: 'd1',
        paymentsTotal: 11,
        ordersTotal: 13,
        unmatchedPayments: 15,
        unmatchedOrders: 17,
      },
      {
        storeId: 'S',
        day: 'd2',
        paymentsTotal: 100,
        ordersTotal: 101,
        unmatchedPayments: 102,
        unmatchedOrders: 103,
      },
    ]);
  });
});
