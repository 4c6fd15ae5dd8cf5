// Which open items of the reconciliation pending pool a later fact explains, so they resolve without
// an operator. Each explanation is exact — the same order number, or the same provider transaction —
// never another fuzzy guess:
// - a payment with no order (漏单) is explained once the order system reports that order (with the
//   bill's amount when it gives one), or a later bill line matches it exactly;
// - an order paid but missing from the bill is explained by the provider's own word that it was
//   paid: its signed callback or an order query (`payment.notify` from source `<provider>` or
//   `<provider>-query`), or a later bill line paying that order;
// - a suspect fuzzy pair is settled when an exact match appears: the order the bill named turns up,
//   the provider confirms that transaction for the paired order, or a later bill matches it exactly.
// Double charges and amount mismatches always need a person; only `open` items are touched, so an
// item a person escalated or resolved keeps that person's word.

export const AUTO_RESOLVED_KINDS = ['fuzzy_match', 'unmatched_payment', 'unmatched_order'] as const;
export type AutoResolvedKind = (typeof AUTO_RESOLVED_KINDS)[number];

export type HealingEvidence =
  | {
      kind: 'order_event';
      orderId: string;
      /** The order's amount when the event carries one. */
      amountFen?: number;
      status: string;
      source: string;
      eventId: string;
      occurredAt: number;
      receivedAt: number;
    }
  | {
      kind: 'payment_event';
      orderId: string;
      provider: string;
      transactionId: string;
      amountFen: number;
      source: string;
      eventId: string;
      occurredAt: number;
      receivedAt: number;
    }
  | {
      kind: 'bill_line';
      provider: string;
      /**
       * How the line met the order: by its number; by its number but with another amount, or as a
       * fuzzy pair (both of which become pool items of their own, for a person).
       */
      match: BillLineMatch;
      orderId: string;
      transactionId: string;
      amountFen: number;
      importId: number;
      importedAt: number;
    };
export type HealingEvidenceKind = HealingEvidence['kind'];
export type BillLineMatch = 'exact' | 'amount_mismatch' | 'fuzzy';

/** A bill line that is now with an order, said the way a note says it. */
function billLineNote(e: Extract<HealingEvidence, { kind: 'bill_line' }>): string {
  const pair = `${e.provider} bill import ${e.importId}: transaction ${e.transactionId}, order ${e.orderId}`;
  if (e.match === 'exact') return `${pair}, matched exactly`;
  return `${pair}, now a ${e.match === 'fuzzy' ? 'fuzzy' : 'different-amount'} pair in the pool for a person`;
}

/** An open pool item as the healing needs it (the pool row's evidence fields). */
export interface OpenPendingItem {
  id: number;
  kind: string;
  provider: string;
  bill: { transactionId: string; merchantOrderNo: string; amountFen: number; duplicateOf?: string } | null;
  order: { orderId: string; amountFen: number | null } | null;
  /** Kept for items stored before `duplicate_of` was recorded on their evidence. */
  reason: string;
}

export interface AutoResolution {
  itemId: number;
  kind: AutoResolvedKind;
  evidence: HealingEvidence;
  /** The resolution's note, in words. */
  note: string;
}

/** The sources whose word on a payment is the provider's own: its signed callback or its query API. */
export function isProviderSource(source: string, provider: string): boolean {
  return source === provider || source === `${provider}-query`;
}

const isDoubleCharge = (item: OpenPendingItem) =>
  item.bill?.duplicateOf !== undefined || item.reason.startsWith('paid twice');

function explains(item: OpenPendingItem, e: HealingEvidence): string | undefined {
  const bill = item.bill;
  const order = item.order;
  switch (item.kind) {
    case 'unmatched_payment': {
      if (!bill || isDoubleCharge(item)) return undefined;
      if (e.kind === 'order_event' && e.orderId === bill.merchantOrderNo) {
        if (e.amountFen !== undefined && e.amountFen !== bill.amountFen) return undefined;
        return `order ${e.orderId} arrived later (${e.status} from ${e.source})`;
      }
      // Paired by number: no longer a payment without an order (a different amount is its own item).
      if (
        e.kind === 'bill_line' &&
        e.match !== 'fuzzy' &&
        e.provider === item.provider &&
        e.transactionId === bill.transactionId
      ) {
        return billLineNote(e);
      }
      return undefined;
    }
    case 'unmatched_order': {
      if (!order) return undefined;
      if (
        e.kind === 'payment_event' &&
        e.orderId === order.orderId &&
        e.provider === item.provider &&
        isProviderSource(e.source, item.provider) &&
        (order.amountFen === null || order.amountFen === e.amountFen)
      ) {
        return `${e.source} reported transaction ${e.transactionId} paying order ${e.orderId}`;
      }
      // Any provider's bill: an order paid through the other one is not missing from this one's.
      // A fuzzy or different-amount pair supersedes the item with its own, which waits for a person.
      if (e.kind === 'bill_line' && e.orderId === order.orderId) return billLineNote(e);
      return undefined;
    }
    case 'fuzzy_match': {
      if (!bill || !order) return undefined;
      if (e.kind === 'order_event' && e.orderId === bill.merchantOrderNo) {
        if (e.amountFen !== undefined && e.amountFen !== bill.amountFen) return undefined;
        return `order ${e.orderId}, the number the bill names, arrived later: the payment is that order's`;
      }
      if (
        e.kind === 'payment_event' &&
        e.provider === item.provider &&
        isProviderSource(e.source, item.provider) &&
        e.transactionId === bill.transactionId &&
        e.orderId === order.orderId
      ) {
        return `${e.source} confirmed transaction ${e.transactionId} pays order ${e.orderId}`;
      }
      if (
        e.kind === 'bill_line' &&
        e.match === 'exact' &&
        e.provider === item.provider &&
        e.transactionId === bill.transactionId
      ) {
        return billLineNote(e);
      }
      return undefined;
    }
    default:
      return undefined;
  }
}

/**
 * The items the evidence explains, each with the first piece of evidence (in the order given) that
 * does. Evidence is indexed by order number and transaction, so a bill of a million lines against
 * the pool costs a few lookups per item.
 */
export function explainPendingItems(
  items: readonly OpenPendingItem[],
  evidence: readonly HealingEvidence[],
): AutoResolution[] {
  const byOrder = new Map<string, number[]>();
  const byTransaction = new Map<string, number[]>();
  const add = (map: Map<string, number[]>, key: string, index: number) => {
    const list = map.get(key);
    if (list) list.push(index);
    else map.set(key, [index]);
  };
  evidence.forEach((e, index) => {
    add(byOrder, e.orderId, index);
    if (e.kind !== 'order_event') add(byTransaction, e.transactionId, index);
  });
  const resolutions: AutoResolution[] = [];
  for (const item of items) {
    const candidates = new Set<number>();
    for (const key of [item.bill?.merchantOrderNo, item.order?.orderId]) {
      if (key !== undefined) for (const i of byOrder.get(key) ?? []) candidates.add(i);
    }
    if (item.bill) for (const i of byTransaction.get(item.bill.transactionId) ?? []) candidates.add(i);
    for (const index of [...candidates].sort((a, b) => a - b)) {
      const e = evidence[index]!;
      const note = explains(item, e);
      if (note !== undefined) {
        resolutions.push({ itemId: item.id, kind: item.kind as AutoResolvedKind, evidence: e, note });
        break;
      }
    }
  }
  return resolutions;
}

/** The order numbers and transactions the evidence could explain items by (what to look up). */
export function evidenceKeys(evidence: readonly HealingEvidence[]): {
  orderIds: string[];
  transactionIds: string[];
} {
  const orderIds = new Set<string>();
  const transactionIds = new Set<string>();
  for (const e of evidence) {
    orderIds.add(e.orderId);
    if (e.kind !== 'order_event') transactionIds.add(e.transactionId);
  }
  return { orderIds: [...orderIds], transactionIds: [...transactionIds] };
}

/** The evidence as kept on the item and in the audit log (snake_case, times in RFC 3339). */
export function evidenceRecord(e: HealingEvidence): Record<string, unknown> {
  const iso = (ms: number) => new Date(ms).toISOString();
  switch (e.kind) {
    case 'order_event':
      return {
        kind: e.kind,
        order_id: e.orderId,
        status: e.status,
        ...(e.amountFen !== undefined && { amount_fen: e.amountFen }),
        source: e.source,
        event_id: e.eventId,
        occurred_at: iso(e.occurredAt),
        received_at: iso(e.receivedAt),
      };
    case 'payment_event':
      return {
        kind: e.kind,
        order_id: e.orderId,
        provider: e.provider,
        transaction_id: e.transactionId,
        amount_fen: e.amountFen,
        source: e.source,
        event_id: e.eventId,
        occurred_at: iso(e.occurredAt),
        received_at: iso(e.receivedAt),
      };
    case 'bill_line':
      return {
        kind: e.kind,
        provider: e.provider,
        match: e.match,
        order_id: e.orderId,
        transaction_id: e.transactionId,
        amount_fen: e.amountFen,
        import_id: String(e.importId),
        imported_at: iso(e.importedAt),
      };
  }
}

/** A bill import's pairs as evidence: exact first, then those with another amount, then fuzzy ones. */
export function billLineEvidence(
  provider: string,
  matches: {
    exact: readonly BillPair[];
    amountMismatches: readonly BillPair[];
    fuzzy: readonly BillPair[];
  },
  importId: number,
  importedAt: number,
): HealingEvidence[] {
  const line = (match: BillLineMatch, m: BillPair): HealingEvidence => ({
    kind: 'bill_line',
    provider,
    match,
    orderId: m.order.orderId,
    transactionId: m.payment.transactionId,
    amountFen: m.payment.amountFen,
    importId,
    importedAt,
  });
  const differing = new Set(matches.amountMismatches.map((m) => m.payment.transactionId));
  return [
    ...matches.exact.filter((m) => !differing.has(m.payment.transactionId)).map((m) => line('exact', m)),
    ...matches.amountMismatches.map((m) => line('amount_mismatch', m)),
    ...matches.fuzzy.map((m) => line('fuzzy', m)),
  ];
}

interface BillPair {
  payment: { transactionId: string; amountFen: number };
  order: { orderId: string };
}
