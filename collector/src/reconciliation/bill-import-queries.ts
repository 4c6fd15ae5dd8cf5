// SQL for one bill import: the import record, its lines, the orders it is matched against, and the
// per-day results. Every statement takes the connection or transaction it runs in.
import type { BilledPayment, PaidOrder, ReconciliationTally } from '../domain/reconciliation/match-bill.ts';
import { BILL_PROVIDERS, type BillProvider, type RejectedRow } from '../ingest/bills/bill-row.ts';
import type { Queryable } from '../store/database.ts';

export interface BillImportRecord {
  id: number;
  provider: BillProvider;
  fileSha256: string;
  fileName: string | null;
  importedAt: number;
  importedBy: string;
  rows: number;
  refunds: number;
  declaredRows: number | null;
  firstDay: string | null;
  lastDay: string | null;
  matched: number;
  fuzzyMatched: number;
  unmatchedPayments: number;
  unmatchedOrders: number;
  /** The first rows that could not be read, with their reasons. */
  rejectedRows: RejectedRow[];
  /** Every row that could not be read, listed or not. */
  rejectedRowsTotal: number;
}

/**
 * A condition on a bill_rows line (as `b`): its import has finished. The lines of an import still being
 * written, or left unfinished, take no part in another reconciliation until that import completes.
 */
export const FINISHED_IMPORT_LINE =
  'NOT EXISTS (SELECT 1 FROM bill_imports i WHERE i.id = b.import_id AND i.completed_at IS NULL)';

/**
 * A condition on an order (as `o`): a finished import of another provider's bill matched it, those
 * providers given as $4 (otherProviders). Named rather than "not this provider", so that where they
 * have few lines stored the planner can read those by bill_rows' (provider, day) index, instead of
 * probing the order's own lines, this bill's among them, once per order.
 */
export const MATCHED_BY_OTHER_PROVIDER = `EXISTS (SELECT 1 FROM bill_rows b
  WHERE b.matched_order_id = o.order_id AND b.provider = ANY($4::text[]) AND ${FINISHED_IMPORT_LINE})`;

export const otherProviders = (provider: BillProvider): BillProvider[] =>
  BILL_PROVIDERS.filter((p) => p !== provider);

interface ImportRow {
  id: string | number;
  provider: BillProvider;
  file_sha256: string;
  file_name: string | null;
  imported_at: Date;
  imported_by: string;
  rows: number;
  refunds: number;
  declared_rows: number | null;
  first_day: string | null;
  last_day: string | null;
  matched: number;
  fuzzy_matched: number;
  unmatched_payments: number;
  unmatched_orders: number;
  rejected_rows: RejectedRow[];
  rejected_rows_total: number;
}

const IMPORT_COLUMNS = `id, provider, file_sha256, file_name, imported_at, imported_by, rows, refunds, declared_rows,
  to_char(first_day, 'YYYY-MM-DD') AS first_day, to_char(last_day, 'YYYY-MM-DD') AS last_day,
  matched, fuzzy_matched, unmatched_payments, unmatched_orders, rejected_rows, rejected_rows_total`;

const toImport = (r: ImportRow): BillImportRecord => ({
  id: Number(r.id),
  provider: r.provider,
  fileSha256: r.file_sha256,
  fileName: r.file_name,
  importedAt: r.imported_at.getTime(),
  importedBy: r.imported_by,
  rows: r.rows,
  refunds: r.refunds,
  declaredRows: r.declared_rows,
  firstDay: r.first_day,
  lastDay: r.last_day,
  matched: r.matched,
  fuzzyMatched: r.fuzzy_matched,
  unmatchedPayments: r.unmatched_payments,
  unmatchedOrders: r.unmatched_orders,
  rejectedRows: r.rejected_rows,
  rejectedRowsTotal: r.rejected_rows_total,
});

export async function findImportByHash(
  q: Queryable,
  provider: BillProvider,
  sha256: string,
): Promise<BillImportRecord | undefined> {
  const { rows } = await q.query<ImportRow>(
    `SELECT ${IMPORT_COLUMNS} FROM bill_imports
     WHERE provider = $1 AND file_sha256 = $2 AND completed_at IS NOT NULL`,
    [provider, sha256],
  );
  return rows[0] ? toImport(rows[0]) : undefined;
}

/**
 * Takes the lock of importing this file in this schema, held until `tx` ends; a second importer of
 * the same file waits here. The transaction holds nothing else, and a long import must not have it
 * ended under it by a server's idle-in-transaction time-out.
 */
export async function holdFileImport(tx: Queryable, provider: BillProvider, sha256: string): Promise<void> {
  await tx.query('SET LOCAL idle_in_transaction_session_timeout = 0');
  await tx.query(
    `SELECT pg_advisory_xact_lock(hashtext('orderpulse.bill_import:' || current_schema()), hashtext($1))`,
    [`${provider}:${sha256}`],
  );
}

/**
 * The import record this file's lines are written under: a new one with zero counts, or the one an
 * earlier attempt left unfinished (its writes are upserts, so doing them again is harmless).
 * `completed` says another import of the same file finished in the meantime.
 */
export async function claimImport(
  q: Queryable,
  entry: { provider: BillProvider; sha256: string; fileName: string | null; at: number; by: string },
): Promise<{ id: number; completed: boolean }> {
  const inserted = await q.query<{ id: string }>(
    `INSERT INTO bill_imports (provider, file_sha256, file_name, imported_at, imported_by, rows, refunds,
       matched, fuzzy_matched, unmatched_payments, unmatched_orders)
     VALUES ($1, $2, $3, $4, $5, 0, 0, 0, 0, 0, 0)
     ON CONFLICT (provider, file_sha256) DO NOTHING RETURNING id`,
    [entry.provider, entry.sha256, entry.fileName, new Date(entry.at).toISOString(), entry.by],
  );
  if (inserted.rows[0]) return { id: Number(inserted.rows[0].id), completed: false };
  const { rows } = await q.query<{ id: string; completed: boolean }>(
    `SELECT id, completed_at IS NOT NULL AS completed FROM bill_imports WHERE provider = $1 AND file_sha256 = $2`,
    [entry.provider, entry.sha256],
  );
  if (!rows[0]) throw new Error(`bill import of ${entry.sha256} vanished`);
  return { id: Number(rows[0].id), completed: rows[0].completed };
}

/**
 * Fills in the counts and marks the import done; undefined when it already was (the same file imported
 * by another process at the same time), so the caller's transaction can step back.
 */
export async function finishImport(
  q: Queryable,
  id: number,
  counts: Omit<BillImportRecord, 'id' | 'provider' | 'fileSha256' | 'fileName' | 'importedAt' | 'importedBy'>,
  header: readonly string[],
  at: number,
): Promise<BillImportRecord | undefined> {
  const { rows } = await q.query<ImportRow>(
    `UPDATE bill_imports SET rows = $2, refunds = $3, declared_rows = $4, first_day = $5::date, last_day = $6::date,
       matched = $7, fuzzy_matched = $8, unmatched_payments = $9, unmatched_orders = $10, header = $11,
       rejected_rows = $12::jsonb, rejected_rows_total = $13, completed_at = $14
     WHERE id = $1 AND completed_at IS NULL RETURNING ${IMPORT_COLUMNS}`,
    [
      id,
      counts.rows,
      counts.refunds,
      counts.declaredRows,
      counts.firstDay,
      counts.lastDay,
      counts.matched,
      counts.fuzzyMatched,
      counts.unmatchedPayments,
      counts.unmatchedOrders,
      header.join(','),
      JSON.stringify(counts.rejectedRows),
      counts.rejectedRowsTotal,
      new Date(at).toISOString(),
    ],
  );
  return rows[0] ? toImport(rows[0]) : undefined;
}

export interface StoredBillLine extends BilledPayment {
  refundNo?: string;
  line: number;
  day: string;
  rawLine: string;
  match: 'exact' | 'fuzzy' | 'unmatched' | 'refund';
  matchedOrderId: string | null;
}

/**
 * One batch of lines, already matched; a line stored by an earlier import of the same day is replaced,
 * and of two lines of the batch with the same key the later stands (one statement cannot write a row twice).
 */
export async function upsertBillLines(
  q: Queryable,
  importId: number,
  batch: readonly StoredBillLine[],
): Promise<void> {
  if (batch.length === 0) return;
  const lines = [
    ...new Map(batch.map((l) => [`${l.transactionId}\u0000${l.kind}\u0000${l.refundNo ?? ''}`, l])).values(),
  ];
  await q.query(
    `INSERT INTO bill_rows (provider, transaction_id, kind, refund_no, import_id, merchant_order_no, paid_at, day,
       amount_fen, store_id, device_id, line, match, matched_order_id, raw)
     SELECT l.provider, l.transaction_id, l.kind, l.refund_no, $1, l.merchant_order_no, l.paid_at, l.day::date,
       l.amount_fen, l.store_id, l.device_id, l.line, l.match, l.matched_order_id, l.raw
     FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::timestamptz[], $8::text[],
       $9::bigint[], $10::text[], $11::text[], $12::int4[], $13::text[], $14::text[], $15::text[])
       AS l(provider, transaction_id, kind, refund_no, merchant_order_no, paid_at, day, amount_fen, store_id,
            device_id, line, match, matched_order_id, raw)
     ON CONFLICT (provider, transaction_id, kind, refund_no) DO UPDATE SET
       import_id = excluded.import_id, merchant_order_no = excluded.merchant_order_no, paid_at = excluded.paid_at,
       day = excluded.day, amount_fen = excluded.amount_fen, store_id = excluded.store_id,
       device_id = excluded.device_id, line = excluded.line, match = excluded.match,
       matched_order_id = excluded.matched_order_id, raw = excluded.raw`,
    [
      importId,
      lines.map((l) => l.provider),
      lines.map((l) => l.transactionId),
      lines.map((l) => l.kind),
      lines.map((l) => l.refundNo ?? ''),
      lines.map((l) => l.merchantOrderNo),
      lines.map((l) => new Date(l.paidAt).toISOString()),
      lines.map((l) => l.day),
      lines.map((l) => l.amountFen),
      lines.map((l) => l.storeId ?? null),
      lines.map((l) => l.deviceId),
      lines.map((l) => l.line),
      lines.map((l) => l.match),
      lines.map((l) => l.matchedOrderId),
      lines.map((l) => l.rawLine),
    ],
  );
}

export interface EarlierBillLine extends BilledPayment {
  refundNo: string;
}

/**
 * Payment lines of this provider on these days stored by earlier imports (another merchant account's
 * file, or an earlier download), so a day is reconciled on everything the provider has said about it.
 */
export async function loadEarlierBillLines(
  q: Queryable,
  provider: BillProvider,
  days: readonly string[],
): Promise<EarlierBillLine[]> {
  const { rows } = await q.query<{
    transaction_id: string;
    kind: 'payment' | 'refund';
    refund_no: string;
    merchant_order_no: string;
    paid_ms: string;
    amount_fen: string;
    store_id: string | null;
    device_id: string;
  }>(
    `SELECT transaction_id, kind, refund_no, merchant_order_no,
            (extract(epoch FROM paid_at) * 1000)::bigint AS paid_ms, amount_fen, store_id, device_id
     FROM bill_rows b WHERE provider = $1 AND day = ANY($2::date[]) AND ${FINISHED_IMPORT_LINE}
     ORDER BY transaction_id, kind, refund_no`,
    [provider, days],
  );
  return rows.map((r) => ({
    provider,
    transactionId: r.transaction_id,
    kind: r.kind,
    refundNo: r.refund_no,
    merchantOrderNo: r.merchant_order_no,
    paidAt: Number(r.paid_ms),
    amountFen: Number(r.amount_fen),
    ...(r.store_id !== null && { storeId: r.store_id }),
    deviceId: r.device_id,
  }));
}

/** Re-records how earlier payment lines matched, after a day was reconciled again. */
export async function updateBillMatches(
  q: Queryable,
  provider: BillProvider,
  updates: readonly {
    transactionId: string;
    match: 'exact' | 'fuzzy' | 'unmatched';
    orderId: string | null;
  }[],
): Promise<void> {
  for (let i = 0; i < updates.length; i += 5000) {
    const batch = updates.slice(i, i + 5000);
    await q.query(
      `UPDATE bill_rows b SET match = m.match, matched_order_id = m.order_id
       FROM unnest($2::text[], $3::text[], $4::text[]) AS m(transaction_id, match, order_id)
       WHERE b.provider = $1 AND b.kind = 'payment' AND b.refund_no = '' AND b.transaction_id = m.transaction_id
         AND (b.match, b.matched_order_id) IS DISTINCT FROM (m.match, m.order_id)`,
      [provider, batch.map((u) => u.transactionId), batch.map((u) => u.match), batch.map((u) => u.orderId)],
    );
  }
}

const PAID_STATUSES = `('paid', 'picking', 'packed', 'shipped', 'delivered', 'refunded')`;

/**
 * Orders paid in [from, to): with a paid_at, or (when the order system skipped `paid`) a later status
 * reached in the range. Orders another provider has a payment notify or a matched bill line for are
 * left out: they were not paid through this provider, so they are not missing from its bill.
 */
export async function loadPaidOrders(
  q: Queryable,
  provider: BillProvider,
  from: number,
  to: number,
): Promise<PaidOrder[]> {
  const { rows } = await q.query<{
    order_id: string;
    store_id: string;
    amount_fen: string | null;
    paid_ms: string;
  }>(
    `SELECT o.order_id, o.store_id, o.amount_fen,
            (extract(epoch FROM coalesce(o.paid_at, o.status_at)) * 1000)::bigint AS paid_ms
     FROM orders o
     WHERE ((o.paid_at >= $1 AND o.paid_at < $2)
        OR (o.paid_at IS NULL AND o.status IN ${PAID_STATUSES} AND o.status_at >= $1 AND o.status_at < $2))
       AND NOT EXISTS (SELECT 1 FROM payments p
                       WHERE p.order_id = o.order_id AND p.status = 'success' AND p.provider <> $3)
       AND NOT ${MATCHED_BY_OTHER_PROVIDER}
     ORDER BY o.order_id`,
    [new Date(from).toISOString(), new Date(to).toISOString(), provider, otherProviders(provider)],
  );
  return rows.map((r) => ({
    orderId: r.order_id,
    storeId: r.store_id,
    // an order without an amount can still match exactly by number, never fuzzily
    amountFen: r.amount_fen === null ? -1 : Number(r.amount_fen),
    paidAt: Number(r.paid_ms),
  }));
}

/** Replaces the results of the given days for this provider with these tallies. */
export async function replaceResults(
  q: Queryable,
  provider: BillProvider,
  importId: number,
  days: readonly string[],
  tallies: readonly ReconciliationTally[],
): Promise<void> {
  await q.query('DELETE FROM reconciliation_results WHERE provider = $1 AND day = ANY($2::date[])', [
    provider,
    days,
  ]);
  if (tallies.length === 0) return;
  const col = <K extends keyof ReconciliationTally>(k: K) => tallies.map((t) => t[k]);
  await q.query(
    `INSERT INTO reconciliation_results (provider, day, store_id, device_id, import_id, payments, orders, matched,
       fuzzy_matched, unmatched_payments, unmatched_orders, payments_fen, unmatched_payments_fen, refunds, refunds_fen)
     SELECT $1, t.day::date, t.store_id, t.device_id, $2, t.payments, t.orders, t.matched, t.fuzzy_matched,
       t.unmatched_payments, t.unmatched_orders, t.payments_fen, t.unmatched_payments_fen, t.refunds, t.refunds_fen
     FROM unnest($3::text[], $4::text[], $5::text[], $6::int4[], $7::int4[], $8::int4[], $9::int4[], $10::int4[],
       $11::int4[], $12::bigint[], $13::bigint[], $14::int4[], $15::bigint[])
       AS t(day, store_id, device_id, payments, orders, matched, fuzzy_matched, unmatched_payments, unmatched_orders,
            payments_fen, unmatched_payments_fen, refunds, refunds_fen)`,
    [
      provider,
      importId,
      col('day'),
      col('storeId'),
      col('deviceId'),
      col('payments'),
      col('orders'),
      col('matched'),
      col('fuzzyMatched'),
      col('unmatchedPayments'),
      col('unmatchedOrders'),
      col('paymentsFen'),
      col('unmatchedPaymentsFen'),
      col('refunds'),
      col('refundsFen'),
    ],
  );
}
