// Which later facts explain which pool items: exact evidence only, and never a double charge.
import { describe, expect, it } from 'vitest';
import {
  billLineEvidence,
  evidenceKeys,
  explainPendingItems,
  type HealingEvidence,
  type OpenPendingItem,
} from '../../../src/domain/reconciliation/pending-healing.ts';

const T = 1_717_200_000_000;
const orderEvent = (orderId: string, amountFen?: number): HealingEvidence => ({
  kind: 'order_event',
  orderId,
  status: 'created',
  source: 'pos',
  eventId: `e-${orderId}`,
  occurredAt: T,
  receivedAt: T + 1,
  ...(amountFen !== undefined && { amountFen }),
});
const payment = (
  orderId: string,
  transactionId: string,
  source: string,
  amountFen = 1000,
): HealingEvidence => ({
  kind: 'payment_event',
  orderId,
  provider: 'wechatpay',
  transactionId,
  amountFen,
  source,
  eventId: `p-${transactionId}`,
  occurredAt: T,
  receivedAt: T + 1,
});
const ghost = (id: number, orderNo: string, over: Partial<OpenPendingItem> = {}): OpenPendingItem => ({
  id,
  kind: 'unmatched_payment',
  provider: 'wechatpay',
  bill: { transactionId: `tx-${orderNo}`, merchantOrderNo: orderNo, amountFen: 1000 },
  order: null,
  reason: 'paid in the bill, but no order has this number (漏单)',
  ...over,
});
const missing = (id: number, orderId: string, amountFen: number | null = 1000): OpenPendingItem => ({
  id,
  kind: 'unmatched_order',
  provider: 'wechatpay',
  bill: null,
  order: { orderId, amountFen },
  reason: 'the order says paid, but the wechatpay bill has no payment for it',
});
const fuzzy: OpenPendingItem = {
  id: 9,
  kind: 'fuzzy_match',
  provider: 'wechatpay',
  bill: { transactionId: 'tx-F', merchantOrderNo: 'POS7788', amountFen: 4200 },
  order: { orderId: 'S1-7788', amountFen: 4200 },
  reason: 'same amount',
};
const ids = (items: OpenPendingItem[], evidence: HealingEvidence[]) =>
  explainPendingItems(items, evidence).map((r) => [r.itemId, r.evidence.kind]);

describe('explainPendingItems', () => {
  it('a payment without order is explained by that order arriving, at the bill amount or none', () => {
    expect(ids([ghost(1, 'G1')], [orderEvent('G1')])).toEqual([[1, 'order_event']]);
    expect(ids([ghost(1, 'G1')], [orderEvent('G1', 1000)])).toEqual([[1, 'order_event']]);
    expect(ids([ghost(1, 'G1')], [orderEvent('G1', 999)])).toEqual([]);
    expect(ids([ghost(1, 'G1')], [orderEvent('G2')])).toEqual([]);
  });

  it('a double charge is never explained away', () => {
    expect(
      ids(
        [
          ghost(1, 'G1', {
            bill: { transactionId: 't', merchantOrderNo: 'G1', amountFen: 1000, duplicateOf: 'x' },
          }),
        ],
        [orderEvent('G1')],
      ),
    ).toEqual([]);
    expect(
      ids([ghost(1, 'G1', { reason: 'paid twice: order G1 was already paid by x' })], [orderEvent('G1')]),
    ).toEqual([]);
  });

  it('an order missing from the bill is explained only by the provider itself, at the same amount', () => {
    expect(ids([missing(2, 'O1')], [payment('O1', 't1', 'pos')])).toEqual([]);
    expect(ids([missing(2, 'O1')], [payment('O1', 't1', 'alipay-query')])).toEqual([]);
    expect(ids([missing(2, 'O1')], [payment('O1', 't1', 'wechatpay-query', 999)])).toEqual([]);
    expect(ids([missing(2, 'O1')], [payment('O1', 't1', 'wechatpay-query')])).toEqual([[2, 'payment_event']]);
    expect(ids([missing(2, 'O1')], [payment('O1', 't1', 'wechatpay')])).toEqual([[2, 'payment_event']]);
    expect(ids([missing(2, 'O1', null)], [payment('O1', 't1', 'wechatpay', 5)])).toEqual([
      [2, 'payment_event'],
    ]);
  });

  it('a fuzzy pair settles on the named order, or on the provider confirming that very pair', () => {
    expect(ids([fuzzy], [orderEvent('POS7788')])).toEqual([[9, 'order_event']]);
    expect(ids([fuzzy], [payment('S1-7788', 'tx-F', 'wechatpay-query')])).toEqual([[9, 'payment_event']]);
    // the provider pays the paired order with another transaction: says nothing about this one
    expect(ids([fuzzy], [payment('S1-7788', 'tx-other', 'wechatpay-query')])).toEqual([]);
    expect(ids([fuzzy], [orderEvent('S1-7788')])).toEqual([]);
  });

  it('bill lines: exact pairs explain, fuzzy ones only supersede a missing order', () => {
    const pair = (tx: string, orderId: string, amountFen = 1000) => ({
      payment: { transactionId: tx, amountFen },
      order: { orderId },
    });
    const evidence = billLineEvidence(
      'alipay',
      {
        exact: [pair('tx-G1', 'G1'), pair('tx-D', 'D1')],
        amountMismatches: [pair('tx-D', 'D1')],
        fuzzy: [pair('tx-Z', 'O3')],
      },
      7,
      T,
    );
    expect(evidence.map((e) => (e.kind === 'bill_line' ? e.match : e.kind))).toEqual([
      'exact',
      'amount_mismatch',
      'fuzzy',
    ]);
    // another provider's bill line is not this provider's transaction …
    expect(ids([ghost(1, 'G1')], evidence)).toEqual([]);
    // … but an order paid through it is not missing from this provider's bill
    expect(ids([missing(2, 'G1'), missing(3, 'O3'), missing(4, 'O4')], evidence)).toEqual([
      [2, 'bill_line'],
      [3, 'bill_line'],
    ]);
    const same = billLineEvidence(
      'wechatpay',
      { exact: [pair('tx-F', 'POS7788')], amountMismatches: [], fuzzy: [] },
      8,
      T,
    );
    expect(ids([fuzzy], same)).toEqual([[9, 'bill_line']]);
  });

  it('takes the first explaining evidence in the order given, and lists the keys to look up', () => {
    const evidence = [payment('G1', 'tx-G1', 'pos'), orderEvent('G1'), orderEvent('G1', 1000)];
    const [r] = explainPendingItems([ghost(1, 'G1')], evidence);
    expect(r?.evidence).toBe(evidence[1]);
    expect(evidenceKeys(evidence)).toEqual({ orderIds: ['G1'], transactionIds: ['tx-G1'] });
  });

  it('leaves amount mismatches and unknown kinds to a person', () => {
    const mismatch: OpenPendingItem = { ...ghost(5, 'M1'), kind: 'amount_mismatch' };
    expect(ids([mismatch], [orderEvent('M1')])).toEqual([]);
  });
});
