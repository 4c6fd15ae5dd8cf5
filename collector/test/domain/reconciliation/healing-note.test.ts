// The automatic resolution's explanation rendered from the evidence kept on the item: in English it
// says what the stored note says, in Chinese it is Chinese (ids and codes aside).
import { describe, expect, it } from 'vitest';
import { healingNoteRef } from '../../../src/domain/reconciliation/healing-note.ts';
import {
  evidenceRecord,
  explainPendingItems,
  type HealingEvidence,
  type OpenPendingItem,
} from '../../../src/domain/reconciliation/pending-healing.ts';
import { renderMessage } from '../../../src/messages/format-message.ts';

const T = 1_717_200_000_000;
const ENGLISH_RUN = /\b[A-Za-z]{2,}(?:[ ,]+[A-Za-z]{2,}){2,}\b/;

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
const orderEvent = (orderId: string): HealingEvidence => ({
  kind: 'order_event',
  orderId,
  status: 'paid',
  source: 'pos',
  eventId: `e-${orderId}`,
  occurredAt: T,
  receivedAt: T + 1,
});
const paymentEvent = (orderId: string, transactionId: string, amountFen: number): HealingEvidence => ({
  kind: 'payment_event',
  orderId,
  provider: 'wechatpay',
  transactionId,
  amountFen,
  source: 'wechatpay-query',
  eventId: `p-${transactionId}`,
  occurredAt: T,
  receivedAt: T + 1,
});
const billLine = (
  match: 'exact' | 'fuzzy' | 'amount_mismatch',
  orderId: string,
  transactionId: string,
): HealingEvidence => ({
  kind: 'bill_line',
  provider: 'wechatpay',
  match,
  orderId,
  transactionId,
  amountFen: 1000,
  importId: 7,
  importedAt: T,
});

const CASES: [string, OpenPendingItem, HealingEvidence][] = [
  ['a payment whose order arrived later', ghost, orderEvent('G1')],
  ['a payment whose bill line was paired exactly', ghost, billLine('exact', 'G1', 'tx-G1')],
  ['a payment paired with another amount', ghost, billLine('amount_mismatch', 'G1', 'tx-G1')],
  ['an order the provider reported paid', missing, paymentEvent('M1', 'tx-M1', 1000)],
  ['an order a later bill paired fuzzily', missing, billLine('fuzzy', 'M1', 'tx-M9')],
  ['a fuzzy pair whose named order arrived', fuzzy, orderEvent('POS7788')],
  ['a fuzzy pair the provider confirmed', fuzzy, paymentEvent('S1-7788', 'tx-F', 4200)],
];

describe('healingNoteRef', () => {
  it.each(CASES)('%s: English says the stored note, Chinese has no English sentence', (_, item, evidence) => {
    const [resolution] = explainPendingItems([item], [evidence]);
    expect(resolution).toBeDefined();
    const ref = healingNoteRef(item.kind, evidenceRecord(evidence));
    expect(ref).not.toBeNull();
    expect(renderMessage('en', ref!)).toBe(resolution!.note);
    const zh = renderMessage('zh-CN', ref!);
    expect(zh).toMatch(/[\u4e00-\u9fff]/);
    expect(zh).not.toMatch(ENGLISH_RUN);
  });

  it('evidence of no known kind has no message (the stored note is shown)', () => {
    expect(healingNoteRef('unmatched_payment', { kind: 'something_else' })).toBeNull();
    expect(healingNoteRef('unmatched_payment', null)).toBeNull();
  });
});
