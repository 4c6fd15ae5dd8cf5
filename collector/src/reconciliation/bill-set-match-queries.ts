// SQL for matching a staged bill set-wise (bill-set-matching.ts), one statement per step, over
// temporary tables that live for the matching transaction. None has a key: each is filled by one
// statement and read by hash joins. Only bm_pay (the lines), bm_ord (the orders) and bm_exact are as
// large as the bill; each later step reads one of them at most once. bm_exact carries the fields of
// both sides, and the few lines and orders left after it are copied whole (bm_left, bm_free), so that
// what follows joins small tables rather than the million exact pairs back to the lines and orders.
import type { BillProvider } from '../ingest/bills/bill-row.ts';
import type { Queryable } from '../store/database.ts';
import { MATCHED_BY_OTHER_PROVIDER, otherProviders } from './bill-import-queries.ts';
import type { LinesTable } from './bill-staging-queries.ts';

export const WORK_MEM = '128MB';

/** Sorts and hashes over the whole bill in memory rather than in temporary files (default 4 MB). */
export const setWorkMem = (q: Queryable) => q.query(`SET LOCAL work_mem = '${WORK_MEM}'`);

const WORK_TABLES = [
  `CREATE TEMP TABLE bm_pay (pos bigint, line integer, kind text, transaction_id text, merchant_order_no text,
     paid_ms bigint, day date, amount_fen bigint, store_id text, device_id text) ON COMMIT DROP`,
  // grp: 0 the orders paid in the range, 1 those this file's lines name besides, 2 those earlier lines
  // name; (grp, order_id) is the matcher's order of its list, numbered only for the few left (bm_free)
  `CREATE TEMP TABLE bm_ord (order_id text, store_id text, amount_fen bigint, paid_ms bigint, grp smallint)
   ON COMMIT DROP`,
  'CREATE TEMP TABLE bm_device_store (device_id text, store_id text) ON COMMIT DROP',
  // the pair: the line's fields, then the order's
  `CREATE TEMP TABLE bm_exact (pos bigint, line integer, transaction_id text, paid_ms bigint, day date,
     amount_fen bigint, pay_store_id text, device_id text,
     order_id text, store_id text, order_fen bigint, order_ms bigint) ON COMMIT DROP`,
  'CREATE TEMP TABLE bm_named_twice (merchant_order_no text) ON COMMIT DROP',
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

/** This file's lines, placed by line, from where they wait (bill_rows itself, or staging). */
export async function loadThisFilesPayments(
  q: Queryable,
  table: LinesTable,
  importId: number,
): Promise<void> {
  await q.query(
    `INSERT INTO bm_pay
     SELECT s.line, s.line, s.kind, s.transaction_id, s.merchant_order_no,
            (extract(epoch FROM s.paid_at) * 1000)::bigint, s.day, s.amount_fen, s.store_id, s.device_id
     FROM ${table} s WHERE s.import_id = $1`,
    [importId],
  );
}

/**
 * Earlier imports' lines of the same days, placed after this file's: those of the finished imports
 * whose days meet these (every line of an import is of its days, a line restated by a later file
 * being that file's), not those this file restates. Read import by import, so that the lines of this
 * file, already in bill_rows and of the same days, are not read again to be left out.
 */
export async function loadEarlierPayments(
  q: Queryable,
  importId: number,
  provider: BillProvider,
  days: readonly string[],
): Promise<void> {
  if (days.length === 0) return;
  await q.query(
    `INSERT INTO bm_pay
     SELECT 2147483648 + row_number() OVER (ORDER BY b.transaction_id, b.kind, b.refund_no), NULL, b.kind,
            b.transaction_id, b.merchant_order_no, (extract(epoch FROM b.paid_at) * 1000)::bigint, b.day,
            b.amount_fen, b.store_id, b.device_id
     FROM bill_imports i JOIN bill_rows b ON b.import_id = i.id
     WHERE i.provider = $2 AND i.completed_at IS NOT NULL AND i.first_day <= $5::date AND i.last_day >= $4::date
       AND b.provider = $2 AND b.day = ANY($3::date[])
       AND NOT EXISTS (SELECT 1 FROM bill_import_staged s
                       WHERE s.import_id = $1 AND s.kind = b.kind AND s.transaction_id = b.transaction_id)`,
    [importId, provider, days, days[0], days[days.length - 1]],
  );
}

/**
 * Statistics for bill_rows when the lines just written are a large share of it (a first bill, a young
 * table): the planner would otherwise take them for the few rows it last counted, and walk them all
 * where it meant to probe a few. On a table many times the bill, its statistics stand.
 */
export async function analyzeBillRowsIfYoung(q: Queryable, linesWritten: number): Promise<void> {
  const { rows } = await q.query<{ reltuples: number }>(
    `SELECT reltuples FROM pg_class WHERE oid = 'bill_rows'::regclass`,
  );
  if ((rows[0]?.reltuples ?? -1) < 4 * linesWritten) await q.query('ANALYZE bill_rows');
}

export const analyze = (q: Queryable, table: 'bm_pay' | 'bm_ord' | 'bm_exact' | 'bm_left' | 'bm_free') =>
  q.query(`ANALYZE ${table}`);

const PAID_STATUSES = `('paid', 'picking', 'packed', 'shipped', 'delivered', 'refunded')`;

/** As loadPaidOrders (bill-import-queries.ts): paid in [from, to), not another provider's. */
export async function loadPaidOrdersInRange(
  q: Queryable,
  provider: BillProvider,
  from: number,
  to: number,
): Promise<void> {
  await q.query(
    `INSERT INTO bm_ord
     SELECT o.order_id, o.store_id, coalesce(o.amount_fen, -1),
            (extract(epoch FROM coalesce(o.paid_at, o.status_at)) * 1000)::bigint, 0
     FROM orders o
     WHERE ((o.paid_at >= $1 AND o.paid_at < $2)
        OR (o.paid_at IS NULL AND o.status IN ${PAID_STATUSES} AND o.status_at >= $1 AND o.status_at < $2))
       AND NOT EXISTS (SELECT 1 FROM payments p
                       WHERE p.order_id = o.order_id AND p.status = 'success' AND p.provider <> $3)
       AND NOT ${MATCHED_BY_OTHER_PROVIDER}`,
    [new Date(from).toISOString(), new Date(to).toISOString(), provider, otherProviders(provider)],
  );
}

/**
 * Orders the range missed (paid long before) that lines name, placed after those already loaded: first
 * those this file's lines name, then those the earlier lines name, as the matcher adds them.
 */
export async function loadOrdersNamed(q: Queryable, by: 'this file' | 'earlier lines'): Promise<void> {
  await q.query(
    `INSERT INTO bm_ord
     SELECT o.order_id, o.store_id, coalesce(o.amount_fen, -1),
            (extract(epoch FROM coalesce(o.paid_at, o.status_at, o.first_seen_at)) * 1000)::bigint,
            ${by === 'this file' ? 1 : 2}
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

const EXACT_PAIR = `p.pos, p.line, p.transaction_id, p.paid_ms, p.day, p.amount_fen, p.store_id, p.device_id,
  o.order_id, o.store_id, o.amount_fen, o.paid_ms`;

/**
 * Exact: of the payment lines naming an order, the first in the bill takes it. Written as "no earlier
 * line names it" (one hash anti join) rather than the first place per number joined back to its line
 * (an aggregate of every line, then a third hash of the lines): 3.3 against 4.8 s at a million lines.
 *
 * When the file's repeated order numbers are known (`repeated`, from its parse), the anti join is
 * needed only for the lines whose number another payment line also names: those numbers, and the ones
 * earlier imports' lines name. Every other line of this file is the only one naming its order, and is
 * joined to it directly; the anti join, which hashes every line, then runs over those few alone
 * (1.6–1.8 against 3.1–3.6 s at a million lines with none repeated, 2.4 s with a hundred).
 */
export async function matchExact(q: Queryable, repeated: readonly string[] | undefined): Promise<void> {
  if (repeated === undefined) {
    await q.query(
      `INSERT INTO bm_exact
       SELECT ${EXACT_PAIR}
       FROM bm_pay p JOIN bm_ord o ON o.order_id = p.merchant_order_no
       WHERE p.kind = 'payment'
         AND NOT EXISTS (SELECT 1 FROM bm_pay e
                         WHERE e.merchant_order_no = p.merchant_order_no AND e.kind = 'payment' AND e.pos < p.pos)`,
    );
    return;
  }
  // numbers named twice: repeated in the file, or by an earlier import's payment line
  const named = await q.query(
    `INSERT INTO bm_named_twice
     SELECT n FROM unnest($1::text[]) AS n
     UNION SELECT merchant_order_no FROM bm_pay WHERE line IS NULL AND kind = 'payment'`,
    [repeated],
  );
  const once = `FROM bm_pay p JOIN bm_ord o ON o.order_id = p.merchant_order_no
     WHERE p.kind = 'payment' AND p.line IS NOT NULL`;
  if (!named.rowCount) {
    await q.query(`INSERT INTO bm_exact SELECT ${EXACT_PAIR} ${once}`);
    return;
  }
  await q.query('ANALYZE bm_named_twice');
  await q.query(
    `INSERT INTO bm_exact SELECT ${EXACT_PAIR} ${once}
       AND NOT EXISTS (SELECT 1 FROM bm_named_twice t WHERE t.merchant_order_no = p.merchant_order_no)`,
  );
  await q.query(
    `WITH twice AS MATERIALIZED (
       SELECT p.* FROM bm_pay p
       WHERE p.kind = 'payment' AND EXISTS (SELECT 1 FROM bm_named_twice t WHERE t.merchant_order_no = p.merchant_order_no))
     INSERT INTO bm_exact
     SELECT ${EXACT_PAIR}
     FROM twice p JOIN bm_ord o ON o.order_id = p.merchant_order_no
     WHERE NOT EXISTS (SELECT 1 FROM twice e WHERE e.merchant_order_no = p.merchant_order_no AND e.pos < p.pos)`,
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

/** The orders left, numbered in the matcher's order of its list (sorting only these, not the million). */
export async function collectFreeOrders(q: Queryable): Promise<void> {
  await q.query(
    `INSERT INTO bm_free
     SELECT o.order_id, o.store_id, o.amount_fen, o.paid_ms, row_number() OVER (ORDER BY o.grp, o.order_id)
     FROM bm_ord o WHERE NOT EXISTS (SELECT 1 FROM bm_exact e WHERE e.order_id = o.order_id)`,
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
