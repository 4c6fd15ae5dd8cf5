import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { localDayFn, localDayRange } from '../../src/domain/reconciliation/local-day.ts';
import { type BilledPayment, type PaidOrder, reconcile } from '../../src/domain/reconciliation/match-bill.ts';

const dayOf = localDayFn('Asia/Shanghai');
const at = (local: string) => Date.parse(`2024-06-01T${local}+08:00`);
const MIN = 60_000;

const pay = (
  no: string,
  yuanFen: number,
  time: string,
  extra: Partial<BilledPayment> = {},
): BilledPayment => ({
  provider: 'wechatpay',
  transactionId: `42${no}`,
  merchantOrderNo: no,
  paidAt: at(time),
  amountFen: yuanFen,
  kind: 'payment',
  deviceId: 'POS-1',
  ...extra,
});
const order = (
  id: string,
  amountFen: number,
  time: string,
  storeId = 'S1',
  extra: Partial<PaidOrder> = {},
): PaidOrder => ({
  orderId: id,
  storeId,
  amountFen,
  paidAt: at(time),
  ...extra,
});

describe('reconcile — a constructed day', () => {
  // Store S1 (devices POS-1, POS-2), store S2 (POS-9): 6 exact, 3 fuzzy, 3 unmatched payments, 2 unmatched orders.
  const orders: PaidOrder[] = [
    order('S1-0001', 1800, '09:00:00'),
    order('S1-0002', 2600, '09:05:00'),
    order('S1-0003', 1200, '10:00:00'),
    order('S1-0004', 3500, '11:00:00'),
    order('S2-0001', 990, '12:00:00', 'S2'),
    order('S2-0002', 1590, '12:30:00', 'S2'),
    // fuzzy targets: the POS rewrote the prefix of the order number
    order('S1-20240601-7788', 4200, '13:00:00'),
    order('S1-20240601-5566', 1800, '14:00:00'),
    order('S2-20240601-3344', 990, '15:00:00', 'S2'),
    // unmatched orders: the order system says paid, the bill has nothing
    order('S1-0009', 2200, '16:00:00', 'S1', { deviceId: 'POS-2' }),
    // …and one that looks like a fuzzy candidate but is 16 minutes away
    order('S2-20240601-1122', 500, '17:00:00', 'S2'),
  ];
  const bill: BilledPayment[] = [
    pay('S1-0001', 1800, '09:00:05'),
    pay('S1-0002', 2600, '09:05:03'),
    pay('S1-0003', 1200, '10:00:01', { deviceId: 'POS-2' }),
    pay('S1-0004', 3600, '11:00:02'), // exact by number, amount differs
    pay('S2-0001', 990, '12:00:04', { deviceId: 'POS-9', storeId: 'S2' }),
    pay('S2-0002', 1590, '12:30:09', { deviceId: 'POS-9', storeId: 'S2' }),
    pay('POS7788', 4200, '13:03:00'), // fuzzy: tail 7788, same amount, 3 min
    pay('X5566', 1800, '13:50:00'), // fuzzy: tail 5566, 10 min before
    pay('T3344', 990, '15:14:59', { deviceId: 'POS-9', storeId: 'S2' }), // fuzzy, just inside 15 min
    pay('ZZ1122', 500, '17:16:00', { deviceId: 'POS-9', storeId: 'S2' }), // 16 min: not fuzzy
    pay('S1-0001', 1800, '09:00:40', { transactionId: 'dup' }), // the same order paid twice
    pay('GHOST-1', 8800, '18:00:00', { deviceId: 'POS-2' }), // paid, no order at all: 漏单
    pay('S1-0002', -2600, '19:00:00', { kind: 'refund' }),
  ];
  const result = reconcile(bill, orders, { dayOf });

  it('counts exact, fuzzy and unmatched', () => {
    expect(result.exact).toHaveLength(6);
    expect(result.amountMismatches.map((m) => m.order.orderId)).toEqual(['S1-0004']);
    expect(result.fuzzy.map((f) => [f.payment.merchantOrderNo, f.order.orderId])).toEqual([
      ['POS7788', 'S1-20240601-7788'],
      ['X5566', 'S1-20240601-5566'],
      ['T3344', 'S2-20240601-3344'],
    ]);
    expect(result.unmatchedPayments.map((u) => u.payment.merchantOrderNo)).toEqual([
      'S1-0001',
      'ZZ1122',
      'GHOST-1',
    ]);
    expect(result.unmatchedOrders.map((u) => u.order.orderId).sort()).toEqual([
      'S1-0009',
      'S2-20240601-1122',
    ]);
    expect(result.refunds).toBe(1);
  });

  it('says why each fuzzy pair matched', () => {
    expect(result.fuzzy[0]?.reason).toEqual({
      amountFen: 4200,
      tail: '7788',
      deltaMs: 3 * MIN,
      text: 'same amount 42.00, same order-number tail "7788", 3 min apart',
    });
    expect(result.fuzzy[1]?.reason.deltaMs).toBe(-10 * MIN);
  });

  it('marks a second payment for a matched order as a duplicate, never a fuzzy pair', () => {
    const dup = result.unmatchedPayments.find((u) => u.payment.transactionId === 'dup');
    expect(dup?.duplicateOf).toBe('42S1-0001');
  });

  it('tallies per store and device, and per store for the rule engine', () => {
    // GHOST-1 was paid on POS-2, a till that paid S1's orders in this bill: it is S1's missing order.
    const s1pos2 = result.tallies.find((t) => t.storeId === 'S1' && t.deviceId === 'POS-2');
    expect(s1pos2).toMatchObject({
      day: '2024-06-01',
      payments: 2,
      matched: 1,
      unmatchedOrders: 1,
      unmatchedPayments: 1,
      unmatchedPaymentsFen: 8800,
    });
    expect(result.tallies.find((t) => t.storeId === 'unknown')).toBeUndefined();
    expect(result.storeResults).toEqual(
      expect.arrayContaining([
        {
          storeId: 'S1',
          day: '2024-06-01',
          paymentsTotal: 8,
          ordersTotal: 7,
          unmatchedPayments: 2,
          unmatchedOrders: 1,
        },
        {
          storeId: 'S2',
          day: '2024-06-01',
          paymentsTotal: 4,
          ordersTotal: 4,
          unmatchedPayments: 1,
          unmatchedOrders: 1,
        },
      ]),
    );
    expect(result.storeResults).toHaveLength(2);
  });

  it('an order without an amount matches by number and is no amount mismatch', () => {
    const r = reconcile([pay('S9-1', 1500, '10:00:00')], [order('S9-1', -1, '10:00:00', 'S9')], { dayOf });
    expect(r.exact).toHaveLength(1);
    expect(r.amountMismatches).toHaveLength(0);
  });

  it('maps devices to stores when the bill has no store', () => {
    const mapped = reconcile([pay('GHOST-2', 100, '18:00:00', { deviceId: 'POS-77' })], [], {
      dayOf,
      deviceStores: new Map([['POS-77', 'S77']]),
    });
    expect(mapped.unmatchedPayments[0]?.storeId).toBe('S77');
  });

  it('the tail length and window are configurable', () => {
    const six = reconcile(
      [pay('AB999-7788', 4200, '13:03:00')],
      [order('S1-20240601-7788', 4200, '13:00:00')],
      {
        dayOf,
        tailLength: 6,
      },
    );
    expect(six.fuzzy).toHaveLength(0);
    const wide = reconcile([pay('ZZ1122', 500, '17:16:00')], [order('S2-20240601-1122', 500, '17:00:00')], {
      dayOf,
      windowMs: 20 * MIN,
    });
    expect(wide.fuzzy).toHaveLength(1);
  });

  it('a fuzzy payment takes the nearest unclaimed order in time', () => {
    const r = reconcile(
      [pay('A0001', 100, '10:00:00'), pay('B0001', 100, '10:01:00')],
      [order('X0001', 100, '09:50:00'), order('Y0001', 100, '10:02:00'), order('Z0001', 100, '10:30:00')],
      { dayOf },
    );
    expect(r.fuzzy.map((f) => [f.payment.merchantOrderNo, f.order.orderId])).toEqual([
      ['A0001', 'Y0001'],
      ['B0001', 'X0001'],
    ]);
    expect(r.unmatchedOrders.map((u) => u.order.orderId)).toEqual(['Z0001']);
  });

  it('splits by local day (Asia/Shanghai), not by UTC day', () => {
    const r = reconcile(
      [pay('LATE', 100, '23:59:59'), { ...pay('EARLY', 100, '00:00:00'), paidAt: at('23:59:59') + 1000 }],
      [],
      { dayOf },
    );
    expect(r.unmatchedPayments.map((u) => u.day)).toEqual(['2024-06-01', '2024-06-02']);
  });

  it('conserves every row and every order (property)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            n: fc.integer({ min: 0, max: 40 }),
            a: fc.integer({ min: 1, max: 3 }),
            t: fc.integer({ min: 0, max: 120 }),
          }),
        ),
        fc.array(
          fc.record({
            n: fc.integer({ min: 0, max: 40 }),
            a: fc.integer({ min: 1, max: 3 }),
            t: fc.integer({ min: 0, max: 120 }),
          }),
        ),
        (rows, ords) => {
          const b = rows.map((r, i) => ({
            ...pay(`P${r.n % 10}${String(r.n).padStart(4, '0')}`, r.a, '10:00:00'),
            paidAt: at('10:00:00') + r.t * MIN,
            transactionId: `t${i}`,
          }));
          const unique = new Map(ords.map((o) => [`O${String(o.n).padStart(4, '0')}`, o]));
          const os = [...unique].map(([id, o]) => ({
            ...order(id, o.a, '10:00:00'),
            paidAt: at('10:00:00') + o.t * MIN,
          }));
          const r = reconcile(b, os, { dayOf });
          expect(r.exact.length + r.fuzzy.length + r.unmatchedPayments.length).toBe(b.length);
          expect(r.exact.length + r.fuzzy.length + r.unmatchedOrders.length).toBe(os.length);
          const claimed = [...r.exact, ...r.fuzzy].map((m) => m.order.orderId);
          expect(new Set(claimed).size).toBe(claimed.length);
          for (const f of r.fuzzy) {
            expect(Math.abs(f.reason.deltaMs)).toBeLessThanOrEqual(15 * MIN);
            expect(f.payment.amountFen).toBe(f.order.amountFen);
            expect(f.payment.merchantOrderNo.slice(-4)).toBe(f.order.orderId.slice(-4));
          }
        },
      ),
    );
  });
});

describe('local days', () => {
  it('formats and bounds days in a time zone', () => {
    expect(dayOf(Date.parse('2024-05-31T16:00:00Z'))).toBe('2024-06-01');
    expect(dayOf(Date.parse('2024-05-31T15:59:59.999Z'))).toBe('2024-05-31');
    expect(localDayRange('2024-06-01', 'Asia/Shanghai')).toEqual([
      Date.parse('2024-05-31T16:00:00Z'),
      Date.parse('2024-06-01T16:00:00Z'),
    ]);
    expect(localDayRange('2024-06-01', 'Asia/Kathmandu')[0]).toBe(Date.parse('2024-05-31T18:15:00Z'));
    // a 23-hour day
    const [start, end] = localDayRange('2024-03-31', 'Europe/Berlin');
    expect(end - start).toBe(23 * 3_600_000);
  });
});

describe('reconcile — which store a missing payment belongs to', () => {
  it('puts a payment missing from a till under the store whose orders that till paid', () => {
    const result = reconcile(
      [
        pay('A-0001', 1000, '09:00:00', { deviceId: 'POS-S3-1' }),
        pay('LOST-1', 700, '09:30:00', { deviceId: 'POS-S3-1' }),
      ],
      [order('A-0001', 1000, '09:00:00', 'S3')],
      { dayOf },
    );
    expect(result.unmatchedPayments.map((u) => u.storeId)).toEqual(['S3']);
    expect(result.storeResults).toEqual([
      expect.objectContaining({ storeId: 'S3', paymentsTotal: 2, unmatchedPayments: 1 }),
    ]);
  });

  it('leaves it unknown when the till served several stores in the bill', () => {
    const result = reconcile(
      [
        pay('A-0001', 1000, '09:00:00', { deviceId: 'POS-X' }),
        pay('B-0001', 1000, '09:10:00', { deviceId: 'POS-X' }),
        pay('LOST-2', 700, '09:30:00', { deviceId: 'POS-X' }),
      ],
      [order('A-0001', 1000, '09:00:00', 'S3'), order('B-0001', 1000, '09:10:00', 'S4')],
      { dayOf },
    );
    expect(result.unmatchedPayments.map((u) => u.storeId)).toEqual(['unknown']);
  });
});
