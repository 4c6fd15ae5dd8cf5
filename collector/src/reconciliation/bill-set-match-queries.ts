// SQL for matching a staged bill set-wise (bill-set-matching.ts), one statement per step, over
// temporary tables that live for the matching transaction. None has a key: each is filled by one
// statement and read by hash joins. Only bm_pay (the lines), bm_ord (the orders) and bm_exact are as
// large as the bill; each later step reads one of them at most once. bm_exact carries the fields of
// both sides, and the few lines and orders left after it are copied whole (bm_left, bm_free), so that
// what follows joins small tables rather than the million exact pairs back to the lines and orders.
import type { BillProvider } from '../ingest/bills/bill-row.ts';
import type { Queryable } from '../store/database.ts';

export const WORK_MEM = '128MB';

/** Sorts and hashes over the whole bill in memory rather than in temporary files (default 4 MB). */
export const setWorkMem = (q: Queryable) => q.query(`SET LOCAL work_mem = '${WORK_MEM}'`);

const WORK_TABLES = [
  `CREATE TEMP TABLE bm_pay (pos bigint, line integer, kind text, transaction_id text, merchant_order_no text,
     paid_ms bigint, day date, amount_fen bigint, store_id text, device_id text) ON COMMIT DROP`,
  `CREATE TEMP TABLE bm_ord (order_id text, store_id text, amount_fen bigint, paid_ms bigint, seq bigint)
   ON COMMIT DROP`,
  'CREATE TEMP TABLE bm_device_store (device_id text, store_id text) ON COMMIT DROP',
  // the pair: the line's fields, then the order's
  `CREATE TEMP TABLE bm_exact (pos bigint, line integer, transaction_id text, paid_ms bigint, day date,
     amount_fen bigint, pay_store_id text, device_id text,
     order_id text, store_id text, order_fen bigint, order_ms bigint) ON COMMIT DROP`,
  'CREATE TEMP TABLE bm_learned (device_id text, store_id text) ON COMMIT DROP',
  // the payment lines no order took exactly; a second payment of an order keeps who paid it first
  `CREATE TEMP TABLE bm_left (pos bigint, line integer, transaction_id text, merchant_order_no text,
     paid_ms bigint, day date, amount_fen bigint, store_id text, device_id text,
     duplicate_of text, duplicate_store_id text) ON COMMIT DROP`,
  // the orders no line took exactly
  `CREATE TEMP TABLE bm_free (order_id text, store_id text, amount_fen bigint, paid_ms bigint, seq bigint)
   ON COMMIT DROP`,
  'CREATE TEMP TABLE bm_fuzzy (pos bigint, order_id text, delta_ms bigint, rank integer) ON COMMIT DROP',
  'CREATE TEMP TABLE bm_unpaid (pos bigint, store_id text) ON COMMIT DROP',
  'CREATE TEMP TABLE bm_unord (order_id text, day date) ON COMMIT DROP',
];

export async function createWorkTables(q: Queryable): Promise<void> {
  for (const sql of WORK_TABLES) await q.query(sql);
}

/** This file's lines, placed by line. */
export async function loadStagedPayments(q: Queryable, stageKey: string): Promise<void> {
  await q.query(
    `INSERT INTO bm_pay
     SELECT s.line, s.line, s.kind, s.transaction_id, s.merchant_order_no, s.paid_ms, s.day, s.amount_fen,
            s.store_id, s.device_id
     FROM bill_import_staged s WHERE s.stage_key = $1`,
    [stageKey],
  );
}

/** Earlier imports' lines of the same days, those this file restates excepted, placed after this file's. */
export async function loadEarlierPayments(
  q: Queryable,
  stageKey: string,
  provider: BillProvider,
  days: readonly string[],
): Promise<void> {
  await q.query(
    `INSERT INTO bm_pay
     SELECT 2147483648 + row_number() OVER (ORDER BY b.transaction_id, b.kind, b.refund_no), NULL, b.kind,
            b.transaction_id, b.merchant_order_no, (extract(epoch FROM b.paid_at) * 1000)::bigint, b.day,
            b.amount_fen, b.store_id, b.device_id
     FROM bill_rows b
     WHERE b.provider = $2 AND b.day = ANY($3::date[])
       AND NOT EXISTS (SELECT 1 FROM bill_import_staged s
                       WHERE s.stage_key = $1 AND s.kind = b.kind AND s.transaction_id = b.transaction_id)`,
    [stageKey, provider, days],
  );
}

export const analyze = (q: Queryable, table: 'bm_pay' | 'bm_ord' | 'bm_exact' | 'bm_left' | 'bm_free') =>
  q.query(`ANALYZE ${table}`);

const PAID_STATUSES = `('paid', 'picking', 'packed', 'shipped', 'delivered', 'refunded')`;

/**
 * As loadPaidOrders (bill-import-queries.ts): paid in [from, to), not another provider's; numbered by
 * order id, as the matcher's list has them.
 */
export async function loadPaidOrdersInRange(
  q: Queryable,
  provider: BillProvider,
  from: number,
  to: number,
): Promise<void> {
  await q.query(
    `INSERT INTO bm_ord
     SELECT o.order_id, o.store_id, coalesce(o.amount_fen, -1),
            (extract(epoch FROM coalesce(o.paid_at, o.status_at)) * 1000)::bigint,
            row_number() OVER (ORDER BY o.order_id)
     FROM orders o
     WHERE ((o.paid_at >= $1 AND o.paid_at < $2)
        OR (o.paid_at IS NULL AND o.status IN ${PAID_STATUSES} AND o.status_at >= $1 AND o.status_at < $2))
       AND NOT EXISTS (SELECT 1 FROM payments p
                       WHERE p.order_id = o.order_id AND p.status = 'success' AND p.provider <> $3)
       AND NOT EXISTS (SELECT 1 FROM bill_rows b WHERE b.matched_order_id = o.order_id AND b.provider <> $3)`,
    [new Date(from).toISOString(), new Date(to).toISOString(), provider],
  );
}

/**
 * Orders the range missed (paid long before) that lines name, numbered after those already loaded:
 * first those this file's lines name, then those the earlier lines name, as the matcher adds them.
 */
export async function loadOrdersNamed(q: Queryable, by: 'this file' | 'earlier lines'): Promise<void> {
  await q.query(
    `INSERT INTO bm_ord
     SELECT o.order_id, o.store_id, coalesce(o.amount_fen, -1),
            (extract(epoch FROM coalesce(o.paid_at, o.status_at, o.first_seen_at)) * 1000)::bigint,
            (SELECT count(*) FROM bm_ord) + row_number() OVER (ORDER BY o.order_id)
     FROM (SELECT DISTINCT p.merchant_order_no FROM bm_pay p
           WHERE p.line IS ${by === 'this file' ? 'NOT NULL' : 'NULL'} AND p.kind = 'payment'
             AND NOT EXISTS (SELECT 1 FROM bm_ord k WHERE k.order_id = p.merchant_order_no)) n
     JOIN orders o ON o.order_id = n.merchant_order_no`,
  );
}

export async function loadDeviceStores(
  q: Queryable,
  deviceStores: ReadonlyMap<string, string>,
): Promise<void> {
  if (deviceStores.size === 0) return;
  const devices = [...deviceStores];
  await q.query('INSERT INTO bm_device_store SELECT * FROM unnest($1::text[], $2::text[])', [
    devices.map(([d]) => d),
    devices.map(([, s]) => s),
  ]);
}

/** Exact: of the payment lines naming an order, the first in the bill takes it. */
export async function matchExact(q: Queryable): Promise<void> {
  await q.query(
    `INSERT INTO bm_exact
     SELECT p.pos, p.line, p.transaction_id, p.paid_ms, p.day, p.amount_fen, p.store_id, p.device_id,
            o.order_id, o.store_id, o.amount_fen, o.paid_ms
     FROM (SELECT merchant_order_no, min(pos) AS pos FROM bm_pay WHERE kind = 'payment'
           GROUP BY merchant_order_no) f
     JOIN bm_ord o ON o.order_id = f.merchant_order_no
     JOIN bm_pay p ON p.pos = f.pos`,
  );
}

/** A till whose exact matches are all of one store belongs to that store. */
export async function learnTills(q: Queryable): Promise<void> {
  await q.query(
    `INSERT INTO bm_learned
     SELECT device_id, CASE WHEN min(store_id) = max(store_id) THEN min(store_id) END
     FROM bm_exact WHERE device_id <> '' GROUP BY device_id`,
  );
}

/** The payments left, and for a second payment of an order already paid, who paid it and the order's store. */
export async function collectLeftovers(q: Queryable): Promise<void> {
  await q.query(
    `INSERT INTO bm_left
     SELECT p.pos, p.line, p.transaction_id, p.merchant_order_no, p.paid_ms, p.day, p.amount_fen, p.store_id,
            p.device_id, d.transaction_id, d.store_id
     FROM bm_pay p LEFT JOIN bm_exact d ON d.order_id = p.merchant_order_no
     WHERE p.kind = 'payment' AND NOT EXISTS (SELECT 1 FROM bm_exact e WHERE e.pos = p.pos)`,
  );
}

/** The orders left. */
export async function collectFreeOrders(q: Queryable): Promise<void> {
  await q.query(
    `INSERT INTO bm_free
     SELECT o.* FROM bm_ord o WHERE NOT EXISTS (SELECT 1 FROM bm_exact e WHERE e.order_id = o.order_id)`,
  );
}

export interface CandidateRow {
  pos: number;
  paid_ms: number;
  order_id: string;
  order_ms: number;
  seq: number;
}

/** Every unclaimed order of the same amount and order-number tail within the window of a leftover payment. */
export async function fuzzyCandidates(
  q: Queryable,
  tailLength: number,
  windowMs: number,
): Promise<CandidateRow[]> {
  const { rows } = await q.query<CandidateRow>(
    `SELECT p.pos, p.paid_ms, o.order_id, o.paid_ms AS order_ms, o.seq
     FROM bm_left p
     JOIN bm_free o ON o.amount_fen = p.amount_fen AND right(o.order_id, $1) = right(p.merchant_order_no, $1)
     WHERE p.duplicate_of IS NULL AND length(p.merchant_order_no) >= $1 AND length(o.order_id) >= $1
       AND o.paid_ms BETWEEN p.paid_ms - $2 AND p.paid_ms + $2`,
    [tailLength, windowMs],
  );
  return rows;
}

export async function saveFuzzyPairs(
  q: Queryable,
  pairs: readonly { pos: number; orderId: string; deltaMs: number }[],
): Promise<void> {
  if (pairs.length === 0) return;
  await q.query(
    'INSERT INTO bm_fuzzy SELECT * FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::int4[])',
    [
      pairs.map((p) => p.pos),
      pairs.map((p) => p.orderId),
      pairs.map((p) => p.deltaMs),
      pairs.map((_, i) => i),
    ],
  );
}

/** Payments neither match took, with the store each is counted under. */
export async function collectUnmatchedPayments(q: Queryable): Promise<void> {
  await q.query(
    `INSERT INTO bm_unpaid
     SELECT l.pos, coalesce(l.duplicate_store_id, l.store_id, ds.store_id, lr.store_id, 'unknown')
     FROM bm_left l
     LEFT JOIN bm_device_store ds ON ds.device_id = l.device_id
     LEFT JOIN bm_learned lr ON lr.device_id = l.device_id
     WHERE NOT EXISTS (SELECT 1 FROM bm_fuzzy f WHERE f.pos = l.pos)`,
  );
}

/** Orders nobody paid, on the bill's days, but not those another provider's reconciliation counts. */
export async function collectUnmatchedOrders(
  q: Queryable,
  provider: BillProvider,
  days: readonly string[],
  timeZone: string,
): Promise<void> {
  await q.query(
    `INSERT INTO bm_unord
     SELECT order_id, day FROM (
       SELECT o.order_id, ((timestamptz 'epoch' + o.paid_ms * interval '1 millisecond') AT TIME ZONE $1)::date AS day
       FROM bm_free o WHERE NOT EXISTS (SELECT 1 FROM bm_fuzzy f WHERE f.order_id = o.order_id)) u
     WHERE u.day = ANY($3::date[])
       AND u.order_id NOT IN (SELECT order_evidence->>'order_id' FROM reconciliation_pending
                              WHERE kind = 'unmatched_order' AND provider <> $2 AND status <> 'resolved'
                                AND day = ANY($3::date[]) AND order_evidence->>'order_id' IS NOT NULL)`,
    [timeZone, provider, days],
  );
}

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
export async function recordMatchesOfThisFile(q: Queryable, stageKey: string): Promise<void> {
  await q.query('DELETE FROM bill_import_matches WHERE stage_key = $1', [stageKey]);
  await q.query(
    `INSERT INTO bill_import_matches (stage_key, transaction_id, match, order_id)
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
    [stageKey],
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
