// Reading a set-wise match's outcome out of its temporary tables (bill-set-match-queries.ts builds
// them): the tallies per till, the rows the pool and the results are written from, and the record of
// which of this file's lines matched what.
import type { BillProvider } from '../ingest/bills/bill-row.ts';
import type { Queryable } from '../store/database.ts';

export interface TallyRow {
  day: string;
  store_id: string;
  device_id: string;
  payments: number;
  orders: number;
  matched: number;
  fuzzy_matched: number;
  unmatched_payments: number;
  unmatched_orders: number;
  payments_fen: string;
  unmatched_payments_fen: string;
  refunds: number;
  refunds_fen: string;
}

/** Per (day, store, device), as reconcile() counts them, limited to the bill's days. */
export async function tallies(q: Queryable, days: readonly string[]): Promise<TallyRow[]> {
  const { rows } = await q.query<TallyRow>(
    // A refund is counted under the store of the order it refunds, else the line's; the till's store
    // is learned only from the exact matches before it in the bill, as the matcher walks the lines.
    `WITH refund_learned AS (
       SELECT pos, kind, min(exact_store) OVER w AS lo, max(exact_store) OVER w AS hi
       FROM (SELECT p.pos, p.kind, p.device_id, e.store_id AS exact_store
             FROM bm_pay p LEFT JOIN bm_exact e USING (pos)
             WHERE p.device_id IN (SELECT device_id FROM bm_pay WHERE kind = 'refund' AND device_id <> '')
               AND (p.kind = 'refund' OR e.pos IS NOT NULL)) s
       WINDOW w AS (PARTITION BY device_id ORDER BY pos)
     ),
     counted (day, store_id, device_id, payments, orders, matched, fuzzy, up, uo, pfen, upfen, refunds, rfen) AS (
       SELECT e.day, e.store_id, e.device_id, 1, 1, 1, 0, 0, 0, e.amount_fen, 0, 0, 0
       FROM bm_exact e
       UNION ALL
       SELECT p.day, o.store_id, p.device_id, 1, 1, 0, 1, 0, 0, p.amount_fen, 0, 0, 0
       FROM bm_fuzzy f JOIN bm_left p USING (pos) JOIN bm_free o ON o.order_id = f.order_id
       UNION ALL
       SELECT p.day, u.store_id, p.device_id, 1, 0, 0, 0, 1, 0, p.amount_fen, p.amount_fen, 0, 0
       FROM bm_unpaid u JOIN bm_left p USING (pos)
       UNION ALL
       SELECT p.day, coalesce(ro.store_id, p.store_id, ds.store_id, CASE WHEN rl.lo = rl.hi THEN rl.lo END, 'unknown'),
              p.device_id, 0, 0, 0, 0, 0, 0, 0, 0, 1, p.amount_fen
       FROM bm_pay p
       LEFT JOIN bm_ord ro ON ro.order_id = p.merchant_order_no
       LEFT JOIN bm_device_store ds ON ds.device_id = p.device_id
       LEFT JOIN refund_learned rl ON rl.pos = p.pos
       WHERE p.kind = 'refund'
       UNION ALL
       SELECT u.day, o.store_id, '', 0, 1, 0, 0, 0, 1, 0, 0, 0, 0
       FROM bm_unord u JOIN bm_free o USING (order_id)
     )
     SELECT to_char(day, 'YYYY-MM-DD') AS day, store_id, device_id, sum(payments)::int AS payments,
            sum(orders)::int AS orders, sum(matched)::int AS matched, sum(fuzzy)::int AS fuzzy_matched,
            sum(up)::int AS unmatched_payments, sum(uo)::int AS unmatched_orders, sum(pfen) AS payments_fen,
            sum(upfen) AS unmatched_payments_fen, sum(refunds)::int AS refunds, sum(rfen) AS refunds_fen
     FROM counted WHERE day = ANY($1::date[]) GROUP BY day, store_id, device_id`,
    [days],
  );
  return rows;
}

export interface PaymentRow {
  pos: number;
  line: number | null;
  transaction_id: string;
  merchant_order_no: string;
  paid_ms: number;
  day: string;
  amount_fen: number;
  store_id: string | null;
  device_id: string;
}
const PAYMENT_COLUMNS = `p.pos, p.line, p.transaction_id, p.merchant_order_no, p.paid_ms,
  to_char(p.day, 'YYYY-MM-DD') AS day, p.amount_fen, p.store_id, p.device_id`;
// an exact pair's line names its order
const EXACT_COLUMNS = `e.pos, e.line, e.transaction_id, e.order_id AS merchant_order_no, e.paid_ms,
  to_char(e.day, 'YYYY-MM-DD') AS day, e.amount_fen, e.pay_store_id AS store_id, e.device_id,
  e.order_id, e.store_id AS order_store_id, e.order_fen, e.order_ms`;

export interface OrderRow {
  order_id: string;
  order_store_id: string;
  order_fen: number;
  order_ms: number;
}
const ORDER_COLUMNS =
  'o.order_id, o.store_id AS order_store_id, o.amount_fen AS order_fen, o.paid_ms AS order_ms';

/**
 * The exact pairs an open pool item names (by order number or transaction), in the bill's order: the
 * only ones the healer can use, so the rest never leave the store.
 */
export async function exactPairsNamedByPool(q: Queryable): Promise<(PaymentRow & OrderRow)[]> {
  const { rows } = await q.query<PaymentRow & OrderRow>(
    `WITH open_items AS (
       SELECT bill, order_evidence FROM reconciliation_pending
       WHERE status = 'open' AND kind IN ('fuzzy_match', 'unmatched_payment', 'unmatched_order')
     )
     SELECT ${EXACT_COLUMNS} FROM bm_exact e
     WHERE e.order_id IN (SELECT bill->>'merchant_order_no' FROM open_items
                          UNION SELECT order_evidence->>'order_id' FROM open_items)
        OR e.transaction_id IN (SELECT bill->>'transaction_id' FROM open_items)
     ORDER BY e.pos`,
  );
  return rows;
}

/** Exact pairs whose amounts differ (an order without an amount never does). */
export async function amountMismatches(q: Queryable): Promise<(PaymentRow & OrderRow)[]> {
  const { rows } = await q.query<PaymentRow & OrderRow>(
    `SELECT ${EXACT_COLUMNS} FROM bm_exact e
     WHERE e.order_fen >= 0 AND e.order_fen <> e.amount_fen ORDER BY e.pos`,
  );
  return rows;
}

/** The fuzzy pairs, in the order they were made. */
export async function fuzzyPairs(q: Queryable): Promise<(PaymentRow & OrderRow & { delta_ms: number })[]> {
  const { rows } = await q.query<PaymentRow & OrderRow & { delta_ms: number }>(
    `SELECT ${PAYMENT_COLUMNS}, ${ORDER_COLUMNS}, f.delta_ms
     FROM bm_fuzzy f JOIN bm_left p USING (pos) JOIN bm_free o ON o.order_id = f.order_id ORDER BY f.rank`,
  );
  return rows;
}

/** Unmatched payments in the matcher's order (by time, then place in the bill). */
export async function unmatchedPayments(
  q: Queryable,
): Promise<(PaymentRow & { unpaid_store: string; duplicate_of: string | null })[]> {
  const { rows } = await q.query<PaymentRow & { unpaid_store: string; duplicate_of: string | null }>(
    `SELECT ${PAYMENT_COLUMNS}, u.store_id AS unpaid_store, p.duplicate_of
     FROM bm_unpaid u JOIN bm_left p USING (pos) ORDER BY p.paid_ms, p.pos`,
  );
  return rows;
}

/** Unmatched orders in the matcher's order. */
export async function unmatchedOrders(q: Queryable): Promise<(OrderRow & { day: string })[]> {
  const { rows } = await q.query<OrderRow & { day: string }>(
    `SELECT ${ORDER_COLUMNS}, to_char(u.day, 'YYYY-MM-DD') AS day
     FROM bm_unord u JOIN bm_free o USING (order_id) ORDER BY o.seq`,
  );
  return rows;
}

/** How many of this file's lines (not the earlier ones) matched exactly, fuzzily, or not. */
export async function countsOfThisFile(
  q: Queryable,
): Promise<{ matched: number; fuzzy: number; unmatched: number }> {
  const { rows } = await q.query<{ matched: number; fuzzy: number; unmatched: number }>(
    `SELECT (SELECT count(*) FROM bm_exact WHERE line IS NOT NULL)::int AS matched,
            (SELECT count(*) FROM bm_fuzzy f JOIN bm_left p USING (pos) WHERE p.line IS NOT NULL)::int AS fuzzy,
            (SELECT count(*) FROM bm_unpaid u JOIN bm_left p USING (pos) WHERE p.line IS NOT NULL)::int AS unmatched`,
  );
  return rows[0] ?? { matched: 0, fuzzy: 0, unmatched: 0 };
}

/**
 * How this file's payments matched, by transaction as bill_rows keeps them (a fuzzy pair over an exact
 * one, the later line over the earlier), where that differs from what a line is written with when no
 * match is recorded: an exact match to the order it names. That can differ only for a transaction
 * with a line left after the exact step, so only those are recorded (a few in a hundred).
 */
export async function recordMatchesOfThisFile(q: Queryable, importId: number): Promise<void> {
  await q.query('DELETE FROM bill_import_matches WHERE import_id = $1', [importId]);
  await q.query(
    `INSERT INTO bill_import_matches (import_id, transaction_id, match, order_id)
     SELECT DISTINCT ON (transaction_id) $1, transaction_id, match, order_id
     FROM (SELECT p.transaction_id, 'fuzzy' AS match, f.order_id, 2 AS rank, f.rank::bigint AS at
           FROM bm_fuzzy f JOIN bm_left p USING (pos) WHERE p.line IS NOT NULL
           UNION ALL
           SELECT e.transaction_id, 'exact', e.order_id, 1, e.pos
           FROM bm_exact e
           WHERE e.line IS NOT NULL
             AND e.transaction_id IN (SELECT transaction_id FROM bm_left WHERE line IS NOT NULL)
           UNION ALL
           SELECT p.transaction_id, 'unmatched', NULL, 0, p.pos
           FROM bm_unpaid u JOIN bm_left p USING (pos) WHERE p.line IS NOT NULL) m
     ORDER BY transaction_id, rank DESC, at DESC`,
    [importId],
  );
}

/** The earlier imports' lines re-recorded where their match changed. */
export async function restateEarlierLines(q: Queryable, provider: BillProvider): Promise<void> {
  await q.query(
    `UPDATE bill_rows b SET match = m.match, matched_order_id = m.order_id
     FROM (SELECT e.transaction_id, 'exact' AS match, e.order_id FROM bm_exact e WHERE e.line IS NULL
           UNION ALL
           SELECT p.transaction_id, 'fuzzy', f.order_id FROM bm_fuzzy f JOIN bm_left p USING (pos)
           WHERE p.line IS NULL
           UNION ALL
           SELECT p.transaction_id, 'unmatched', NULL FROM bm_unpaid u JOIN bm_left p USING (pos)
           WHERE p.line IS NULL) m
     WHERE b.provider = $1 AND b.kind = 'payment' AND b.refund_no = '' AND b.transaction_id = m.transaction_id
       AND (b.match, b.matched_order_id) IS DISTINCT FROM (m.match, m.order_id)`,
    [provider],
  );
}

/**
 * The recorded matches written over this file's lines where they are already in bill_rows (written as
 * the file was read, each as an exact match to the order it names). Such a file has no key twice, so
 * each recorded transaction is one line. One probe of bill_rows' key per match (a few in a hundred of
 * the lines): the planner, costing each probe as a disk read, would rather read all of bill_rows once.
 */
export async function applyMatchesToStoredLines(
  q: Queryable,
  provider: BillProvider,
  importId: number,
): Promise<void> {
  await q.query('SET LOCAL enable_hashjoin = off');
  await q.query('SET LOCAL enable_mergejoin = off');
  await q.query(
    `UPDATE bill_rows b SET match = m.match, matched_order_id = m.order_id
     FROM bill_import_matches m
     WHERE m.import_id = $2 AND b.provider = $1 AND b.transaction_id = m.transaction_id AND b.kind = 'payment'
       AND b.refund_no = ''`,
    [provider, importId],
  );
  await q.query('SET LOCAL enable_hashjoin TO DEFAULT');
  await q.query('SET LOCAL enable_mergejoin TO DEFAULT');
}
