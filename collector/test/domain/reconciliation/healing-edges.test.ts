// The edges of the automatic resolution: which evidence is found for an item (by order number or
// by transaction, the first in the order given), each condition an explanation needs, the evidence
// as recorded, and the catalogue message built back from that record.
import { describe, expect, it } from 'vitest';
import { healingNoteRef } from '../../../src/domain/reconciliation/healing-note.ts';
import {
  AUTO_RESOLVED_KINDS,
  billLineEvidence,
  evidenceRecord,
  explainPendingItems,
  type HealingEvidence,
  isProviderSource,
  type OpenPendingItem,
} from '../../../src/domain/reconciliation/pending-healing.ts';

const T = Date.parse('2026-11-11T04:00:00.000Z');
const orderEvent = (orderId: string, amountFen?: number): HealingEvidence => ({
  kind: 'order_event',
  orderId,
  status: 'paid',
  source: 'pos',
  eventId: `e-${orderId}`,
  occurredAt: T,
  receivedAt: T + 1,
  ...(amountFen !== undefined && { amountFen }),
});
const payment = (
  orderId: string,
  transactionId: string,
  over: Partial<Extract<HealingEvidence, { kind: 'payment_event' }>> = {},
): HealingEvidence => ({
  kind: 'payment_event',
  orderId,
  provider: 'wechatpay',
  transactionId,
  amountFen: 1000,
  source: 'wechatpay',
  eventId: `p-${transactionId}`,
  occurredAt: T,
  receivedAt: T + 1,
  ...over,
});
const billLine = (
  orderId: string,
  transactionId: string,
  over: Partial<Extract<HealingEvidence, { kind: 'bill_line' }>> = {},
): HealingEvidence => ({
  kind: 'bill_line',
  provider: 'wechatpay',
  match: 'exact',
  orderId,
  transactionId,
  amountFen: 1000,
  importId: 7,
  importedAt: T,
  ...over,
});
const ghost: OpenPendingItem = {
  id: 1,
  kind: 'unmatched_payment',
  provider: 'wechatpay',
  bill: { transactionId: 'tx-G1', merchantOrderNo: 'G1', amountFen: 1000 },
  order: null,
  reason: 'paid in the bill, but no order has this number',
};
const missing: OpenPendingItem = {
  id: 2,
  kind: 'unmatched_order',
  provider: 'wechatpay',
  bill: null,
  order: { orderId: 'M1', amountFen: 1000 },
  reason: 'the order says paid, but the bill has no payment for it',
};
const fuzzy: OpenPendingItem = {
  id: 3,
  kind: 'fuzzy_match',
  provider: 'wechatpay',
  bill: { transactionId: 'tx-F', merchantOrderNo: 'POS7788', amountFen: 4200 },
  order: { orderId: 'S1-7788', amountFen: 4200 },
  reason: 'same amount',
};
const explained = (item: OpenPendingItem, evidence: HealingEvidence[]) =>
  explainPendingItems([item], evidence).map((r) => evidence.indexOf(r.evidence));

describe('which evidence is looked at', () => {
  it('finds a bill line by its transaction alone, whatever order it names', () => {
    expect(explained(ghost, [billLine('OTHER', 'tx-G1')])).toEqual([0]);
    expect(explained(ghost, [billLine('OTHER', 'tx-G2')])).toEqual([]);
  });

  it('takes the first explaining evidence in the order given, whether found by transaction or order', () => {
    // Index 0 is found by transaction only, index 1 by the order number.
    expect(explained(ghost, [billLine('OTHER', 'tx-G1'), orderEvent('G1')])).toEqual([0]);
    expect(explained(ghost, [orderEvent('G1'), billLine('OTHER', 'tx-G1')])).toEqual([0]);
  });

  it('keeps every piece of evidence for one order, not only the last', () => {
    expect(explained(ghost, [orderEvent('G1'), orderEvent('G1', 999)])).toEqual([0]);
    expect(explained(ghost, [orderEvent('G1', 999), orderEvent('G1')])).toEqual([1]);
  });

  it('resolves each item once, with its own kind and the note in words', () => {
    const resolutions = explainPendingItems([ghost, missing, fuzzy], [orderEvent('G1'), orderEvent('G1')]);
    expect(resolutions).toEqual([
      {
        itemId: 1,
        kind: 'unmatched_payment',
        evidence: orderEvent('G1'),
        note: 'order G1 arrived later (paid from pos)',
      },
    ]);
    expect(AUTO_RESOLVED_KINDS).toEqual(['fuzzy_match', 'unmatched_payment', 'unmatched_order']);
  });
});

describe('what each kind of item needs', () => {
  it('a payment without order: a bill line of its provider, matched by number, not fuzzily', () => {
    expect(explained(ghost, [billLine('G1', 'tx-G1', { match: 'amount_mismatch' })])).toEqual([0]);
    expect(explained(ghost, [billLine('G1', 'tx-G1', { match: 'fuzzy' })])).toEqual([]);
    expect(explained(ghost, [billLine('G1', 'tx-G1', { provider: 'alipay' })])).toEqual([]);
    expect(explained(ghost, [payment('G1', 'tx-G1')])).toEqual([]);
    // a line pairing that order number with another transaction is not this payment's
    expect(explained(ghost, [billLine('G1', 'tx-other')])).toEqual([]);
    expect(explained({ ...ghost, bill: null }, [orderEvent('G1')])).toEqual([]);
  });

  it('an order missing from the bill: its provider, by its own word, for that order', () => {
    expect(explained(missing, [payment('M1', 't1', { provider: 'alipay', source: 'wechatpay' })])).toEqual(
      [],
    );
    expect(explained(missing, [payment('M2', 't1')])).toEqual([]);
    expect(explained(missing, [orderEvent('M1')])).toEqual([]);
    expect(explained(missing, [billLine('M2', 'tx-M1')])).toEqual([]);
    expect(explained({ ...missing, order: null }, [payment('M1', 't1')])).toEqual([]);
  });

  it('a fuzzy pair: the named order at the bill amount, the provider confirming, or an exact line', () => {
    expect(explained(fuzzy, [orderEvent('POS7788', 4200)])).toEqual([0]);
    expect(explained(fuzzy, [orderEvent('POS7788', 4300)])).toEqual([]);
    const confirm = { amountFen: 4200 };
    expect(explained(fuzzy, [payment('S1-7788', 'tx-F', { ...confirm, source: 'wechatpay' })])).toEqual([0]);
    expect(explained(fuzzy, [payment('S1-7788', 'tx-F', { ...confirm, source: 'pos' })])).toEqual([]);
    expect(
      explained(fuzzy, [payment('S1-7788', 'tx-F', { ...confirm, provider: 'alipay', source: 'wechatpay' })]),
    ).toEqual([]);
    expect(explained(fuzzy, [payment('OTHER', 'tx-F', confirm)])).toEqual([]);
    expect(explained(fuzzy, [billLine('X', 'tx-F')])).toEqual([0]);
    expect(explained(fuzzy, [billLine('X', 'tx-F', { match: 'amount_mismatch' })])).toEqual([]);
    expect(explained(fuzzy, [billLine('X', 'tx-F', { provider: 'alipay' })])).toEqual([]);
    expect(explained(fuzzy, [billLine('S1-7788', 'tx-other')])).toEqual([]);
    expect(explained({ ...fuzzy, order: null }, [orderEvent('POS7788')])).toEqual([]);
    expect(explained({ ...fuzzy, bill: null }, [payment('S1-7788', 'tx-F', confirm)])).toEqual([]);
  });

  it('names the provider’s own sources: its callback and its query, nothing else', () => {
    expect(isProviderSource('wechatpay', 'wechatpay')).toBe(true);
    expect(isProviderSource('wechatpay-query', 'wechatpay')).toBe(true);
    expect(isProviderSource('wechatpay-bill', 'wechatpay')).toBe(false);
    expect(isProviderSource('alipay', 'wechatpay')).toBe(false);
  });

  it('says in the note what the bill line did', () => {
    const note = (e: HealingEvidence, item = missing) => explainPendingItems([item], [e])[0]?.note;
    expect(note(billLine('M1', 'tx-1'))).toBe(
      'wechatpay bill import 7: transaction tx-1, order M1, matched exactly',
    );
    expect(note(billLine('M1', 'tx-1', { match: 'fuzzy' }))).toBe(
      'wechatpay bill import 7: transaction tx-1, order M1, now a fuzzy pair in the pool for a person',
    );
    expect(note(billLine('M1', 'tx-1', { match: 'amount_mismatch' }))).toBe(
      'wechatpay bill import 7: transaction tx-1, order M1, now a different-amount pair in the pool for a person',
    );
    expect(note(payment('S1-7788', 'tx-F', { amountFen: 4200, source: 'wechatpay-query' }), fuzzy)).toBe(
      'wechatpay-query confirmed transaction tx-F pays order S1-7788',
    );
    expect(note(orderEvent('POS7788'), fuzzy)).toBe(
      "order POS7788, the number the bill names, arrived later: the payment is that order's",
    );
  });
});

describe('the evidence as recorded', () => {
  it('writes each kind in snake_case with RFC 3339 times, an order event’s amount only when known', () => {
    expect(evidenceRecord(orderEvent('G1'))).toStrictEqual({
      kind: 'order_event',
      order_id: 'G1',
      status: 'paid',
      source: 'pos',
      event_id: 'e-G1',
      occurred_at: '2026-11-11T04:00:00.000Z',
      received_at: '2026-11-11T04:00:00.001Z',
    });
    expect(evidenceRecord(orderEvent('G1', 0))).toMatchObject({ amount_fen: 0 });
    expect(evidenceRecord(payment('M1', 'tx-1'))).toStrictEqual({
      kind: 'payment_event',
      order_id: 'M1',
      provider: 'wechatpay',
      transaction_id: 'tx-1',
      amount_fen: 1000,
      source: 'wechatpay',
      event_id: 'p-tx-1',
      occurred_at: '2026-11-11T04:00:00.000Z',
      received_at: '2026-11-11T04:00:00.001Z',
    });
    expect(evidenceRecord(billLine('M1', 'tx-1', { match: 'fuzzy' }))).toStrictEqual({
      kind: 'bill_line',
      provider: 'wechatpay',
      match: 'fuzzy',
      order_id: 'M1',
      transaction_id: 'tx-1',
      amount_fen: 1000,
      import_id: '7',
      imported_at: '2026-11-11T04:00:00.000Z',
    });
  });

  it('turns a bill import’s pairs into lines of that import', () => {
    const pair = { payment: { transactionId: 'tx-1', amountFen: 1234 }, order: { orderId: 'O1' } };
    expect(
      billLineEvidence('alipay', { exact: [pair], amountMismatches: [], fuzzy: [] }, 9, T),
    ).toStrictEqual([
      {
        kind: 'bill_line',
        provider: 'alipay',
        match: 'exact',
        orderId: 'O1',
        transactionId: 'tx-1',
        amountFen: 1234,
        importId: 9,
        importedAt: T,
      },
    ]);
  });
});

describe('healingNoteRef from the record', () => {
  it('builds each message with its parameters', () => {
    const order = evidenceRecord(orderEvent('G1'));
    expect(healingNoteRef('unmatched_payment', order)).toStrictEqual({
      key: 'healing.orderArrived',
      params: { orderId: 'G1', status: 'paid', source: 'pos' },
    });
    expect(healingNoteRef('fuzzy_match', order)).toStrictEqual({
      key: 'healing.fuzzyOrderArrived',
      params: { orderId: 'G1' },
    });
    const pay = evidenceRecord(payment('M1', 'tx-1'));
    expect(healingNoteRef('unmatched_order', pay)).toStrictEqual({
      key: 'healing.paymentReported',
      params: { source: 'wechatpay', transactionId: 'tx-1', orderId: 'M1' },
    });
    expect(healingNoteRef('fuzzy_match', pay)).toStrictEqual({
      key: 'healing.paymentConfirmed',
      params: { source: 'wechatpay', transactionId: 'tx-1', orderId: 'M1' },
    });
    expect(healingNoteRef('unmatched_order', evidenceRecord(billLine('M1', 'tx-1')))).toStrictEqual({
      key: 'healing.billLine',
      params: { provider: 'wechatpay', importId: '7', transactionId: 'tx-1', orderId: 'M1', match: 'exact' },
    });
  });

  it('shows a number as its digits and a missing or other value as a dash', () => {
    expect(
      healingNoteRef('unmatched_order', { kind: 'bill_line', import_id: 7, provider: { x: 1 } }),
    ).toStrictEqual({
      key: 'healing.billLine',
      params: { provider: '—', importId: '7', transactionId: '—', orderId: '—', match: '—' },
    });
    expect(
      healingNoteRef('unmatched_payment', { kind: 'order_event', order_id: true, status: null }),
    ).toStrictEqual({
      key: 'healing.orderArrived',
      params: { orderId: '—', status: '—', source: '—' },
    });
    expect(healingNoteRef('unmatched_payment', undefined)).toBeNull();
    expect(healingNoteRef('unmatched_payment', {})).toBeNull();
  });
});
