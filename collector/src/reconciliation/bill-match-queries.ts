// The queries a bill import needs beyond its own tables: orders the bill names, and the other
// provider's unmatched orders it must not count twice. (Items it settles: pending-healer.ts.)
import type { PaidOrder } from '../domain/reconciliation/match-bill.ts';
import type { BillProvider } from '../ingest/bills/bill-row.ts';
import type { Queryable } from '../store/database.ts';

/** Orders the bill names but the paid-in-range query missed (paid at another time, or never marked paid). */
export async function ordersNamedByBill(q: Queryable, orderIds: readonly string[]): Promise<PaidOrder[]> {
  const found: PaidOrder[] = [];
  // In a stable order (ties of time between orders are broken by it), as the staged path has them.
  const sorted = [...orderIds].sort();
  for (let i = 0; i < sorted.length; i += 5000) {
    const { rows } = await q.query<{
      order_id: string;
      store_id: string;
      amount_fen: string | null;
      at_ms: string;
    }>(
      `SELECT order_id, store_id, amount_fen,
              (extract(epoch FROM coalesce(paid_at, status_at, first_seen_at)) * 1000)::bigint AS at_ms
       FROM orders WHERE order_id = ANY($1::text[]) ORDER BY order_id`,
      [sorted.slice(i, i + 5000)],
    );
    for (const r of rows) {
      found.push({
        orderId: r.order_id,
        storeId: r.store_id,
        amountFen: r.amount_fen === null ? -1 : Number(r.amount_fen),
        paidAt: Number(r.at_ms),
      });
    }
  }
  return found;
}

/** Orders another provider's reconciliation already counts as unmatched on these days. */
export async function ordersCountedElsewhere(
  q: Queryable,
  provider: BillProvider,
  days: readonly string[],
): Promise<Set<string>> {
  const { rows } = await q.query<{ order_id: string }>(
    `SELECT order_evidence->>'order_id' AS order_id FROM reconciliation_pending
     WHERE kind = 'unmatched_order' AND provider <> $1 AND status <> 'resolved' AND day = ANY($2::date[])`,
    [provider, days],
  );
  return new Set(rows.map((r) => r.order_id));
}
