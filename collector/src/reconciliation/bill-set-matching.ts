// Matching a staged bill set-wise in SQL, with the results reconcile() (match-bill.ts) gives for the same
// lines and orders: exact by number (the first line by place in the bill takes an order), fuzzy over
// the candidate pairs a join on amount, order-number tail and window finds (paired by the same greedy
// walk, fuzzy-pairs.ts), the rest unmatched; the same days' lines from earlier imports take part, as in
// bill-matching.ts. Runs in one transaction on temporary tables; only what the pending pool, the healer
// and the day results need comes back to this process, never the bill's lines.
import { type FuzzyCandidate, pairFuzzy } from '../domain/reconciliation/fuzzy-pairs.ts';
import { localDayRange } from '../domain/reconciliation/local-day.ts';
import {
  type BilledPayment,
  type ExactMatch,
  type FuzzyMatch,
  fuzzyReason,
  type PaidOrder,
  type Reconciliation,
  type ReconciliationTally,
  storeResultsOf,
  type UnmatchedOrder,
  type UnmatchedPayment,
} from '../domain/reconciliation/match-bill.ts';
import type { BillProvider } from '../ingest/bills/bill-row.ts';
import type { Database, Queryable } from '../store/database.ts';
import type { StagedBill } from './bill-stage.ts';

export interface SetMatchOptions {
  timeZone: string;
  windowMs: number;
  tailLength: number;
  deviceStores?: ReadonlyMap<string, string>;
}

export interface SetMatch {
  /** The pool's items and the day results; `exact` holds only the pairs an open pool item names. */
  result: Reconciliation;
  days: string[];
  /** This file's lines (not the earlier ones matched again with them). */
  matched: number;
  fuzzyMatched: number;
  unmatchedPayments: number;
}

export const WORK_MEM = '128MB';

const PAID_STATUSES = `('paid', 'picking', 'packed', 'shipped', 'delivered', 'refunded')`;

// As loadPaidOrders (bill-import-queries.ts): paid in [$1, $2), not another provider's.
const PAID_IN_RANGE = `((o.paid_at >= $1 AND o.paid_at < $2)
     OR (o.paid_at IS NULL AND o.status IN ${PAID_STATUSES} AND o.status_at >= $1 AND o.status_at < $2))
   AND NOT EXISTS (SELECT 1 FROM payments p WHERE p.order_id = o.order_id AND p.status = 'success' AND p.provider <> $3)
   AND NOT EXISTS (SELECT 1 FROM bill_rows b WHERE b.matched_order_id = o.order_id AND b.provider <> $3)`;

// No keys: each is filled by one statement from keyed sources and read by hash joins.
const TEMP_TABLES = [
  `CREATE TEMP TABLE bm_pay (pos bigint, line integer, kind text, transaction_id text, merchant_order_no text,
     paid_ms bigint, day date, amount_fen bigint, store_id text, device_id text) ON COMMIT DROP`,
  `CREATE TEMP TABLE bm_ord (order_id text, store_id text, amount_fen bigint, paid_ms bigint, seq bigint)
   ON COMMIT DROP`,
  'CREATE TEMP TABLE bm_device_store (device_id text, store_id text) ON COMMIT DROP',
  'CREATE TEMP TABLE bm_exact (pos bigint, order_id text, store_id text) ON COMMIT DROP',
  'CREATE TEMP TABLE bm_learned (device_id text, store_id text) ON COMMIT DROP',
  'CREATE TEMP TABLE bm_left (pos bigint, duplicate_of text) ON COMMIT DROP',
  'CREATE TEMP TABLE bm_fuzzy (pos bigint, order_id text, delta_ms bigint, rank integer) ON COMMIT DROP',
  'CREATE TEMP TABLE bm_unpaid (pos bigint, store_id text) ON COMMIT DROP',
  'CREATE TEMP TABLE bm_unord (order_id text, day date) ON COMMIT DROP',
];

interface PaymentRow {
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

interface OrderRow {
  order_id: string;
  order_store_id: string;
  order_fen: number;
  order_ms: number;
}
const ORDER_COLUMNS =
  'o.order_id, o.store_id AS order_store_id, o.amount_fen AS order_fen, o.paid_ms AS order_ms';

function paymentOf(provider: BillProvider, r: PaymentRow): BilledPayment & { line?: number } {
  return {
    provider,
    transactionId: r.transaction_id,
    merchantOrderNo: r.merchant_order_no,
    paidAt: Number(r.paid_ms),
    amountFen: Number(r.amount_fen),
    kind: 'payment',
    ...(r.store_id !== null && { storeId: r.store_id }),
    deviceId: r.device_id,
    ...(r.line !== null && { line: r.line }),
  };
}

const orderOf = (r: OrderRow): PaidOrder => ({
  orderId: r.order_id,
  storeId: r.order_store_id,
  amountFen: Number(r.order_fen),
  paidAt: Number(r.order_ms),
});

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export async function matchStagedBill(
  db: Database,
  stageKey: string,
  provider: BillProvider,
  bill: StagedBill,
  options: SetMatchOptions,
): Promise<SetMatch> {
  const days = [...bill.days].sort();
  const { timeZone, windowMs, tailLength } = options;
  return db.transaction(async (q) => {
    // Sorts and hashes over the whole bill in memory rather than in temporary files (PostgreSQL's
    // default is 4 MB); the embedded store's memory is this process's, so it keeps its own.
    if (db.mode !== 'embedded') await q.query(`SET LOCAL work_mem = '${WORK_MEM}'`);
    for (const sql of TEMP_TABLES) await q.query(sql);
    await q.query(
      `INSERT INTO bm_pay
       SELECT s.line, s.line, s.kind, s.transaction_id, s.merchant_order_no, s.paid_ms, s.day, s.amount_fen,
              s.store_id, s.device_id
       FROM bill_import_staged s WHERE s.stage_key = $1`,
      [stageKey],
    );
    // Earlier imports' lines of the same days, those this file restates excepted, after this file's.
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
    await q.query('ANALYZE bm_pay');
    if (days.length > 0) {
      const from = Math.min(localDayRange(days[0]!, timeZone)[0] - windowMs, bill.minAt - windowMs);
      const to = Math.max(
        localDayRange(days[days.length - 1]!, timeZone)[1] + windowMs,
        bill.maxAt + windowMs,
      );
      // The paid orders of the range, then those a line names that the range missed (paid long before).
      await q.query(
        `INSERT INTO bm_ord
         SELECT o.order_id, o.store_id, coalesce(o.amount_fen, -1),
                (extract(epoch FROM coalesce(o.paid_at, o.status_at)) * 1000)::bigint,
                row_number() OVER (ORDER BY o.order_id)
         FROM orders o WHERE ${PAID_IN_RANGE}`,
        [new Date(from).toISOString(), new Date(to).toISOString(), provider],
      );
      await q.query('ANALYZE bm_ord');
      // Named by this file's lines first, then by the earlier ones: the order the matcher's list has.
      for (const lines of ['p.line IS NOT NULL', 'p.line IS NULL']) {
        await q.query(
          `INSERT INTO bm_ord
           SELECT o.order_id, o.store_id, coalesce(o.amount_fen, -1),
                  (extract(epoch FROM coalesce(o.paid_at, o.status_at, o.first_seen_at)) * 1000)::bigint,
                  (SELECT count(*) FROM bm_ord) + row_number() OVER (ORDER BY o.order_id)
           FROM (SELECT DISTINCT p.merchant_order_no FROM bm_pay p
                 WHERE ${lines} AND p.kind = 'payment'
                   AND NOT EXISTS (SELECT 1 FROM bm_ord k WHERE k.order_id = p.merchant_order_no)) n
           JOIN orders o ON o.order_id = n.merchant_order_no`,
        );
      }
    }
    const devices = [...(options.deviceStores ?? new Map<string, string>())];
    if (devices.length > 0) {
      await q.query('INSERT INTO bm_device_store SELECT * FROM unnest($1::text[], $2::text[])', [
        devices.map(([d]) => d),
        devices.map(([, s]) => s),
      ]);
    }
    await q.query('ANALYZE bm_ord');

    // 1. exact: of the payment lines naming an order, the first in the bill takes it
    await q.query(
      `INSERT INTO bm_exact
       SELECT f.pos, o.order_id, o.store_id
       FROM (SELECT merchant_order_no, min(pos) AS pos FROM bm_pay WHERE kind = 'payment'
             GROUP BY merchant_order_no) f
       JOIN bm_ord o ON o.order_id = f.merchant_order_no`,
    );
    await q.query('ANALYZE bm_exact');
    // A till whose exact matches are all of one store belongs to that store.
    await q.query(
      `INSERT INTO bm_learned
       SELECT p.device_id, CASE WHEN min(e.store_id) = max(e.store_id) THEN min(e.store_id) END
       FROM bm_exact e JOIN bm_pay p USING (pos) WHERE p.device_id <> '' GROUP BY p.device_id`,
    );
    // The payments left, and for a second payment of an order already paid, the transaction that paid it.
    await q.query(
      `INSERT INTO bm_left
       SELECT p.pos, dp.transaction_id
       FROM bm_pay p
       LEFT JOIN bm_exact d ON d.order_id = p.merchant_order_no
       LEFT JOIN bm_pay dp ON dp.pos = d.pos
       WHERE p.kind = 'payment' AND NOT EXISTS (SELECT 1 FROM bm_exact e WHERE e.pos = p.pos)`,
    );
    await q.query('ANALYZE bm_left');

    // 2. fuzzy: candidates by join, paired by the matcher's own walk
    const { rows: candidateRows } = await q.query<{
      pos: number;
      paid_ms: number;
      order_id: string;
      order_ms: number;
      seq: number;
    }>(
      `SELECT p.pos, p.paid_ms, o.order_id, o.paid_ms AS order_ms, o.seq
       FROM bm_left l JOIN bm_pay p USING (pos)
       JOIN bm_ord o ON o.amount_fen = p.amount_fen AND right(o.order_id, $1) = right(p.merchant_order_no, $1)
       WHERE l.duplicate_of IS NULL AND length(p.merchant_order_no) >= $1 AND length(o.order_id) >= $1
         AND o.paid_ms BETWEEN p.paid_ms - $2 AND p.paid_ms + $2
         AND NOT EXISTS (SELECT 1 FROM bm_exact e WHERE e.order_id = o.order_id)`,
      [tailLength, windowMs],
    );
    const byPayment = new Map<number, FuzzyCandidate>();
    for (const r of candidateRows) {
      const pos = Number(r.pos);
      let c = byPayment.get(pos);
      if (!c) {
        c = { pos, paidAt: Number(r.paid_ms), orders: [] };
        byPayment.set(pos, c);
      }
      c.orders.push({ orderId: r.order_id, paidAt: Number(r.order_ms), seq: Number(r.seq) });
    }
    const pairs = pairFuzzy([...byPayment.values()], windowMs);
    if (pairs.length > 0) {
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

    // 3. what is left unmatched, with the store it is counted under
    await q.query(
      `INSERT INTO bm_unpaid
       SELECT l.pos, coalesce(CASE WHEN l.duplicate_of IS NOT NULL THEN d.store_id END, p.store_id, ds.store_id,
                              lr.store_id, 'unknown')
       FROM bm_left l JOIN bm_pay p USING (pos)
       LEFT JOIN bm_ord d ON d.order_id = p.merchant_order_no
       LEFT JOIN bm_device_store ds ON ds.device_id = p.device_id
       LEFT JOIN bm_learned lr ON lr.device_id = p.device_id
       WHERE NOT EXISTS (SELECT 1 FROM bm_fuzzy f WHERE f.pos = l.pos)`,
    );
    // Orders nobody paid, on the bill's days, but not those another provider's reconciliation counts.
    await q.query(
      `INSERT INTO bm_unord
       SELECT o.order_id, (timestamptz 'epoch' + o.paid_ms * interval '1 millisecond') AT TIME ZONE $1
       FROM bm_ord o
       WHERE NOT EXISTS (SELECT 1 FROM bm_exact e WHERE e.order_id = o.order_id)
         AND NOT EXISTS (SELECT 1 FROM bm_fuzzy f WHERE f.order_id = o.order_id)`,
      [timeZone],
    );
    await q.query(
      `DELETE FROM bm_unord u
       WHERE NOT (u.day = ANY($2::date[]))
          OR u.order_id IN (SELECT order_evidence->>'order_id' FROM reconciliation_pending
                            WHERE kind = 'unmatched_order' AND provider <> $1 AND status <> 'resolved'
                              AND day = ANY($2::date[]))`,
      [provider, days],
    );

    const tallies = await talliesOf(q, days);
    const result: Reconciliation = {
      exact: await exactNamedByPool(q, provider),
      amountMismatches: (
        await q.query<PaymentRow & OrderRow>(
          `SELECT ${PAYMENT_COLUMNS}, ${ORDER_COLUMNS}
           FROM bm_exact e JOIN bm_pay p USING (pos) JOIN bm_ord o ON o.order_id = e.order_id
           WHERE o.amount_fen >= 0 AND o.amount_fen <> p.amount_fen ORDER BY p.pos`,
        )
      ).rows.map((r): ExactMatch => ({ payment: paymentOf(provider, r), order: orderOf(r) })),
      fuzzy: (
        await q.query<PaymentRow & OrderRow & { delta_ms: number }>(
          `SELECT ${PAYMENT_COLUMNS}, ${ORDER_COLUMNS}, f.delta_ms
           FROM bm_fuzzy f JOIN bm_pay p USING (pos) JOIN bm_ord o ON o.order_id = f.order_id ORDER BY f.rank`,
        )
      ).rows.map((r): FuzzyMatch => {
        const payment = paymentOf(provider, r);
        const tail = payment.merchantOrderNo.slice(-tailLength);
        return {
          payment,
          order: orderOf(r),
          reason: fuzzyReason(payment.amountFen, tail, Number(r.delta_ms)),
        };
      }),
      unmatchedPayments: (
        await q.query<PaymentRow & { unpaid_store: string; duplicate_of: string | null }>(
          `SELECT ${PAYMENT_COLUMNS}, u.store_id AS unpaid_store, l.duplicate_of
           FROM bm_unpaid u JOIN bm_left l USING (pos) JOIN bm_pay p USING (pos) ORDER BY p.paid_ms, p.pos`,
        )
      ).rows.map(
        (r): UnmatchedPayment => ({
          payment: paymentOf(provider, r),
          storeId: r.unpaid_store,
          day: r.day,
          ...(r.duplicate_of !== null && { duplicateOf: r.duplicate_of }),
        }),
      ),
      unmatchedOrders: (
        await q.query<OrderRow & { day: string }>(
          `SELECT ${ORDER_COLUMNS}, to_char(u.day, 'YYYY-MM-DD') AS day
           FROM bm_unord u JOIN bm_ord o USING (order_id) ORDER BY o.seq`,
        )
      ).rows.map((r): UnmatchedOrder => ({ order: orderOf(r), day: r.day })),
      refunds: tallies.reduce((n, t) => n + t.refunds, 0),
      tallies,
      storeResults: storeResultsOf(tallies),
    };
    const { rows: counts } = await q.query<{ matched: number; fuzzy: number; unmatched: number }>(
      `SELECT (SELECT count(*) FROM bm_exact e JOIN bm_pay p USING (pos) WHERE p.line IS NOT NULL)::int AS matched,
              (SELECT count(*) FROM bm_fuzzy f JOIN bm_pay p USING (pos) WHERE p.line IS NOT NULL)::int AS fuzzy,
              (SELECT count(*) FROM bm_unpaid u JOIN bm_pay p USING (pos) WHERE p.line IS NOT NULL)::int AS unmatched`,
    );
    await recordMatches(q, stageKey, provider);
    return {
      result,
      days,
      matched: counts[0]?.matched ?? 0,
      fuzzyMatched: counts[0]?.fuzzy ?? 0,
      unmatchedPayments: counts[0]?.unmatched ?? 0,
    };
  });
}

/** Per (day, store, device), as reconcile() counts them, limited to the bill's days; sorted as it sorts. */
async function talliesOf(q: Queryable, days: readonly string[]): Promise<ReconciliationTally[]> {
  const { rows } = await q.query<{
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
  }>(
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
       SELECT p.day, e.store_id, p.device_id, 1, 1, 1, 0, 0, 0, p.amount_fen, 0, 0, 0
       FROM bm_exact e JOIN bm_pay p USING (pos)
       UNION ALL
       SELECT p.day, o.store_id, p.device_id, 1, 1, 0, 1, 0, 0, p.amount_fen, 0, 0, 0
       FROM bm_fuzzy f JOIN bm_pay p USING (pos) JOIN bm_ord o ON o.order_id = f.order_id
       UNION ALL
       SELECT p.day, u.store_id, p.device_id, 1, 0, 0, 0, 1, 0, p.amount_fen, p.amount_fen, 0, 0
       FROM bm_unpaid u JOIN bm_pay p USING (pos)
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
       FROM bm_unord u JOIN bm_ord o USING (order_id)
     )
     SELECT to_char(day, 'YYYY-MM-DD') AS day, store_id, device_id, sum(payments)::int AS payments,
            sum(orders)::int AS orders, sum(matched)::int AS matched, sum(fuzzy)::int AS fuzzy_matched,
            sum(up)::int AS unmatched_payments, sum(uo)::int AS unmatched_orders, sum(pfen) AS payments_fen,
            sum(upfen) AS unmatched_payments_fen, sum(refunds)::int AS refunds, sum(rfen) AS refunds_fen
     FROM counted WHERE day = ANY($1::date[]) GROUP BY day, store_id, device_id`,
    [days],
  );
  return rows
    .map((r) => ({
      day: r.day,
      storeId: r.store_id,
      deviceId: r.device_id,
      payments: r.payments,
      orders: r.orders,
      matched: r.matched,
      fuzzyMatched: r.fuzzy_matched,
      unmatchedPayments: r.unmatched_payments,
      unmatchedOrders: r.unmatched_orders,
      paymentsFen: Number(r.payments_fen),
      unmatchedPaymentsFen: Number(r.unmatched_payments_fen),
      refunds: r.refunds,
      refundsFen: Number(r.refunds_fen),
    }))
    .sort((a, b) => cmp(a.day, b.day) || cmp(a.storeId, b.storeId) || cmp(a.deviceId, b.deviceId));
}

/**
 * The exact pairs an open pool item names (by order number or transaction), in the bill's order: the
 * only ones the healer can use, so the rest never leave the store.
 */
async function exactNamedByPool(q: Queryable, provider: BillProvider): Promise<ExactMatch[]> {
  const { rows } = await q.query<PaymentRow & OrderRow>(
    `WITH named AS (
       SELECT bill->>'merchant_order_no' AS k FROM reconciliation_pending
       WHERE status = 'open' AND kind IN ('fuzzy_match', 'unmatched_payment', 'unmatched_order')
       UNION SELECT order_evidence->>'order_id' FROM reconciliation_pending
       WHERE status = 'open' AND kind IN ('fuzzy_match', 'unmatched_payment', 'unmatched_order')
     ), named_txn AS (
       SELECT bill->>'transaction_id' AS k FROM reconciliation_pending
       WHERE status = 'open' AND kind IN ('fuzzy_match', 'unmatched_payment', 'unmatched_order')
     )
     SELECT ${PAYMENT_COLUMNS}, ${ORDER_COLUMNS}
     FROM bm_exact e JOIN bm_pay p USING (pos) JOIN bm_ord o ON o.order_id = e.order_id
     WHERE e.order_id IN (SELECT k FROM named WHERE k IS NOT NULL)
        OR p.transaction_id IN (SELECT k FROM named_txn WHERE k IS NOT NULL)
     ORDER BY p.pos`,
  );
  return rows.map((r) => ({ payment: paymentOf(provider, r), order: orderOf(r) }));
}

/**
 * How this file's payments matched, by transaction as bill_rows keeps them (a fuzzy pair over an exact
 * one, the later line over the earlier); and the earlier imports' lines re-recorded where they changed.
 */
async function recordMatches(q: Queryable, stageKey: string, provider: BillProvider): Promise<void> {
  await q.query('DELETE FROM bill_import_matches WHERE stage_key = $1', [stageKey]);
  await q.query(
    `INSERT INTO bill_import_matches
     SELECT DISTINCT ON (transaction_id) $1, transaction_id, match, order_id
     FROM (SELECT p.transaction_id, 'fuzzy' AS match, f.order_id, 1 AS rank, f.rank AS at
           FROM bm_fuzzy f JOIN bm_pay p USING (pos) WHERE p.line IS NOT NULL
           UNION ALL
           SELECT p.transaction_id, 'exact', e.order_id, 0, p.pos
           FROM bm_exact e JOIN bm_pay p USING (pos) WHERE p.line IS NOT NULL) m
     ORDER BY transaction_id, rank DESC, at DESC`,
    [stageKey],
  );
  await q.query(
    `UPDATE bill_rows b SET match = m.match, matched_order_id = m.order_id
     FROM (SELECT p.transaction_id, 'exact' AS match, e.order_id
           FROM bm_exact e JOIN bm_pay p USING (pos) WHERE p.line IS NULL
           UNION ALL
           SELECT p.transaction_id, 'fuzzy', f.order_id FROM bm_fuzzy f JOIN bm_pay p USING (pos) WHERE p.line IS NULL
           UNION ALL
           SELECT p.transaction_id, 'unmatched', NULL FROM bm_unpaid u JOIN bm_pay p USING (pos)
           WHERE p.line IS NULL) m
     WHERE b.provider = $1 AND b.kind = 'payment' AND b.refund_no = '' AND b.transaction_id = m.transaction_id
       AND (b.match, b.matched_order_id) IS DISTINCT FROM (m.match, m.order_id)`,
    [provider],
  );
}
