// The queries a bill import needs beyond its own tables: orders the bill names, and the pending items
// and per-store counts of the other provider that the import settles or must not count twice.
import type { PaidOrder, Reconciliation } from '../domain/reconciliation/match-bill.ts';
import type { BillProvider } from '../ingest/bills/bill-row.ts';
import type { Queryable } from '../store/database.ts';

const iso = (ms: number) => new Date(ms).toISOString();

/** Orders the bill names but the paid-in-range query missed (paid at another time, or never marked paid). */
export async function ordersNamedByBill(q: Queryable, orderIds: readonly string[]): Promise<PaidOrder[]> {
  const found: PaidOrder[] = [];
  for (let i = 0; i < orderIds.length; i += 5000) {
    const { rows } = await q.query<{
      order_id: string;
      store_id: string;
      amount_fen: string | null;
      at_ms: string;
    }>(
      `SELECT order_id, store_id, amount_fen,
              (extract(epoch FROM coalesce(paid_at, status_at, first_seen_at)) * 1000)::bigint AS at_ms
       FROM orders WHERE order_id = ANY($1::text[])`,
      [orderIds.slice(i, i + 5000)],
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

/**
 * Pending items this import settles — unmatched orders now paid by a bill line, payments now matched —
 * and, for an order another provider's reconciliation had counted as unmatched, that count taken back,
 * so the per-store figures summed over providers stay right.
 */
export async function settleResolvedItems(
  q: Queryable,
  provider: BillProvider,
  r: Reconciliation,
  importId: number,
  at: number,
) {
  const keys: string[] = [];
  for (const m of [...r.exact, ...r.fuzzy]) {
    keys.push(`wechatpay:order:${m.order.orderId}`, `alipay:order:${m.order.orderId}`);
  }
  for (const m of r.exact) keys.push(`${provider}:payment:${m.payment.transactionId}`);
  // One statement per chunk: an item is settled together with its count taken back, or neither.
  for (let i = 0; i < keys.length; i += 10_000) {
    await q.query(
      `WITH settled AS (
         UPDATE reconciliation_pending SET status = 'resolved', resolution = 'matched', resolved_by = 'system',
           resolved_at = $2, note = $3
         WHERE status = 'open' AND item_key = ANY($1::text[])
         RETURNING kind, provider, day, store_id, device_id),
       elsewhere AS (
         SELECT provider, day, store_id, device_id, count(*)::int AS n FROM settled
         WHERE kind = 'unmatched_order' AND provider <> $4
         GROUP BY 1, 2, 3, 4)
       UPDATE reconciliation_results r SET orders = r.orders - c.n, unmatched_orders = r.unmatched_orders - c.n
       FROM elsewhere c
       WHERE r.provider = c.provider AND r.day = c.day AND r.store_id = c.store_id AND r.device_id = c.device_id`,
      [keys.slice(i, i + 10_000), iso(at), `matched by bill import ${importId}`, provider],
    );
  }
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
