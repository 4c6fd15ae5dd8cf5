// What a reconciliation puts in the pending pool (待确认订单池): one item per fuzzy pair, amount
// mismatch, unmatched payment and unmatched order, each with the evidence of both sides as flat records.
import type { BilledPayment, PaidOrder, Reconciliation } from '../domain/reconciliation/match-bill.ts';
import type { BillProvider } from '../ingest/bills/bill-row.ts';
import { type MessageRef, renderMessage } from '../messages/format-message.ts';
import type { NewPendingItem } from './pending-queries.ts';

const iso = (ms: number) => new Date(ms).toISOString();

/** The reason as a catalogue message, and in English for the table's `reason` column. */
const reasonOf = (message: MessageRef) => ({ reason: renderMessage('en', message), reasonMessage: message });

function billEvidence(p: BilledPayment & { line?: number }, duplicateOf?: string): Record<string, unknown> {
  return {
    provider: p.provider,
    transaction_id: p.transactionId,
    merchant_order_no: p.merchantOrderNo,
    paid_at: iso(p.paidAt),
    amount_fen: p.amountFen,
    store_id: p.storeId ?? null,
    device_id: p.deviceId,
    ...(p.line !== undefined && { line: p.line }),
    // a double charge: the order exists and was paid by this other transaction
    ...(duplicateOf !== undefined && { duplicate_of: duplicateOf }),
  };
}

function orderEvidence(o: PaidOrder): Record<string, unknown> {
  return {
    order_id: o.orderId,
    store_id: o.storeId,
    amount_fen: o.amountFen < 0 ? null : o.amountFen,
    paid_at: iso(o.paidAt),
  };
}

/** The parts of a reconciliation that become pool items, in the order their items are made. */
export type PoolSources = Pick<
  Reconciliation,
  'fuzzy' | 'amountMismatches' | 'unmatchedPayments' | 'unmatchedOrders'
>;

/**
 * The sources cut into consecutive parts of at most `size` entries, kinds in pendingItems' order, so
 * that the items of the parts, one after the other, are pendingItems of the whole: a caller can build
 * and store a large pool a part at a time.
 */
export function poolSourceSlices(r: PoolSources, size: number): PoolSources[] {
  if (!(size >= 1)) throw new RangeError(`slice size must be at least 1, not ${size}`);
  const slices: PoolSources[] = [];
  const empty = (): PoolSources => ({
    fuzzy: [],
    amountMismatches: [],
    unmatchedPayments: [],
    unmatchedOrders: [],
  });
  let current = empty();
  let room = size;
  const take = <T>(list: readonly T[], put: (part: T[]) => void) => {
    for (let i = 0; i < list.length; ) {
      const n = Math.min(room, list.length - i);
      put(list.slice(i, i + n));
      i += n;
      room -= n;
      if (room === 0) {
        slices.push(current);
        current = empty();
        room = size;
      }
    }
  };
  take(r.fuzzy, (part) => {
    current.fuzzy = part;
  });
  take(r.amountMismatches, (part) => {
    current.amountMismatches = part;
  });
  take(r.unmatchedPayments, (part) => {
    current.unmatchedPayments = part;
  });
  take(r.unmatchedOrders, (part) => {
    current.unmatchedOrders = part;
  });
  if (room < size) slices.push(current);
  return slices;
}

export function pendingItems(
  provider: BillProvider,
  r: PoolSources,
  dayOf: (ms: number) => string,
): NewPendingItem[] {
  const items: NewPendingItem[] = [];
  // A payment paired with an order (fuzzily, or by number with another amount): both sides as evidence.
  const paired = (
    kind: 'fuzzy_match' | 'amount_mismatch',
    m: { payment: BilledPayment; order: PaidOrder },
    reason: MessageRef,
  ): NewPendingItem => ({
    itemKey: `${provider}:${kind === 'fuzzy_match' ? 'fuzzy' : 'amount'}:${m.payment.transactionId}`,
    kind,
    provider,
    day: dayOf(m.payment.paidAt),
    storeId: m.order.storeId,
    deviceId: m.payment.deviceId,
    amountFen: m.payment.amountFen,
    ...reasonOf(reason),
    bill: billEvidence(m.payment),
    order: orderEvidence(m.order),
  });
  for (const f of r.fuzzy) {
    const { amountFen, tail, deltaMs } = f.reason;
    items.push(paired('fuzzy_match', f, { key: 'reason.fuzzy_match', params: { amountFen, tail, deltaMs } }));
  }
  for (const m of r.amountMismatches) {
    items.push(
      paired('amount_mismatch', m, {
        key: 'reason.amount_mismatch',
        params: { billFen: m.payment.amountFen, orderFen: m.order.amountFen },
      }),
    );
  }
  for (const u of r.unmatchedPayments) {
    items.push({
      itemKey: `${provider}:payment:${u.payment.transactionId}`,
      kind: 'unmatched_payment',
      provider,
      day: u.day,
      storeId: u.storeId,
      deviceId: u.payment.deviceId,
      amountFen: u.payment.amountFen,
      ...reasonOf(
        u.duplicateOf
          ? {
              key: 'reason.duplicate_payment',
              params: { orderNo: u.payment.merchantOrderNo, duplicateOf: u.duplicateOf },
            }
          : { key: 'reason.unmatched_payment' },
      ),
      bill: billEvidence(u.payment, u.duplicateOf),
      order: null,
    });
  }
  for (const u of r.unmatchedOrders) {
    items.push({
      itemKey: `${provider}:order:${u.order.orderId}`,
      kind: 'unmatched_order',
      provider,
      day: u.day,
      storeId: u.order.storeId,
      deviceId: u.order.deviceId ?? '',
      amountFen: u.order.amountFen < 0 ? null : u.order.amountFen,
      ...reasonOf({ key: 'reason.unmatched_order', params: { provider } }),
      bill: null,
      order: orderEvidence(u.order),
    });
  }
  return items;
}
