// Importing one provider bill: hash → (already imported? done) → parse and match it against the orders
// of the days it covers → store its lines in chunks → results per day/store/device and the pending pool.
// The import counts as done only once its last step commits; an unfinished one is redone by the next
// upload of the same file, so a bill is in the end either fully reconciled or not reported at all.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { localDayFn, localDayRange } from '../domain/reconciliation/local-day.ts';
import {
  type BilledPayment,
  DEFAULT_FUZZY_WINDOW_MS,
  type PaidOrder,
  type Reconciliation,
  reconcile,
  type StoreReconciliationResult,
  storeResultsOf,
} from '../domain/reconciliation/match-bill.ts';
import type { BillProvider, BillSummary, RejectedRow } from '../ingest/bills/bill-row.ts';
import { type BillLimits, DEFAULT_BILL_LIMITS } from '../ingest/bills/bill-text.ts';
import { parseBill } from '../ingest/bills/parse-bill.ts';
import { appendAudit } from '../store/audit-log.ts';
import type { Database, Queryable } from '../store/database.ts';
import {
  type BillImportRecord,
  claimImport,
  findImportByHash,
  finishImport,
  loadEarlierBillLines,
  loadPaidOrders,
  replaceResults,
  type StoredBillLine,
  updateBillMatches,
  upsertBillLines,
} from './bill-import-queries.ts';
import { pendingItems } from './pending-items.ts';
import { addPendingItems } from './pending-queries.ts';

export interface ImportBillOptions {
  provider: BillProvider;
  /** The bill on disk (the HTTP route spools the upload first, so it can hash before importing). */
  filePath: string;
  fileName?: string;
  actor: string;
  now: number;
  timeZone: string;
  tailLength?: number;
  windowMs?: number;
  deviceStores?: ReadonlyMap<string, string>;
  /** Size, line-length and compression limits for the file; the defaults otherwise. */
  limits?: BillLimits;
  /** Called every few thousand lines while parsing, and once at the end. */
  onProgress?: (progress: ImportProgress) => void;
}

export interface ImportProgress {
  phase: 'parsing' | 'matching' | 'saving';
  rows: number;
  bytesRead: number;
  totalBytes: number;
}

export interface ImportBillResult {
  record: BillImportRecord;
  /** True when this exact file was imported before: nothing changed. */
  alreadyImported: boolean;
  /** Per store and day, for the reconciliation_mismatch rule (empty on a repeat import). */
  storeResults: StoreReconciliationResult[];
  pendingAdded: number;
}

const BATCH = 5000;

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

const iso = (ms: number) => new Date(ms).toISOString();

/** Orders the bill names but the paid-in-range query missed (paid at another time, or never marked paid). */
async function ordersNamedByBill(q: Queryable, orderIds: readonly string[]): Promise<PaidOrder[]> {
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
async function settleResolvedItems(
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
async function ordersCountedElsewhere(
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

/**
 * An order no bill has paid shows up as unmatched in every provider's reconciliation; it is counted once,
 * by the first provider that reported it. Drops the others from the result and from its tallies.
 */
function withoutOrdersCountedElsewhere(r: Reconciliation, counted: ReadonlySet<string>): Reconciliation {
  if (counted.size === 0) return r;
  const tallies = r.tallies.map((t) => ({ ...t }));
  const byKey = new Map(tallies.map((t) => [`${t.day}\u0000${t.storeId}\u0000${t.deviceId}`, t]));
  const unmatchedOrders = r.unmatchedOrders.filter((u) => {
    if (!counted.has(u.order.orderId)) return true;
    const t = byKey.get(`${u.day}\u0000${u.order.storeId}\u0000${u.order.deviceId ?? ''}`);
    if (t) {
      t.orders--;
      t.unmatchedOrders--;
    }
    return false;
  });
  const kept = tallies.filter((t) => t.payments > 0 || t.orders > 0 || t.refunds > 0);
  return { ...r, unmatchedOrders, tallies: kept, storeResults: storeResultsOf(kept) };
}

/** Same-file imports running in this process, by store, so a second upload waits for the first. */
const running = new WeakMap<Database, Map<string, Promise<ImportBillResult>>>();

export async function importBillFile(db: Database, options: ImportBillOptions): Promise<ImportBillResult> {
  const { provider } = options;
  const sha256 = await sha256File(options.filePath);
  const previous = await findImportByHash(db, provider, sha256);
  if (previous) return repeatOf(previous);
  let inProcess = running.get(db);
  if (!inProcess) {
    inProcess = new Map();
    running.set(db, inProcess);
  }
  const key = `${provider}:${sha256}`;
  const first = inProcess.get(key);
  if (first) {
    const done = await first.then(
      (r) => r,
      () => undefined,
    );
    if (done) return repeatOf(done.record);
  }
  const attempt = importInChunks(db, options, sha256);
  inProcess.set(key, attempt);
  try {
    return await attempt;
  } finally {
    if (inProcess.get(key) === attempt) inProcess.delete(key);
  }
}

const repeatOf = (record: BillImportRecord): ImportBillResult => ({
  record,
  alreadyImported: true,
  storeResults: [],
  pendingAdded: 0,
});

/** Rows that could not be read, listed in the reply and the import record; the rest are only counted. */
export const MAX_REJECTED_ROWS_LISTED = 100;

/**
 * Parses and matches with no connection held; then writes the lines in chunks, each its own statement,
 * so events (on the embedded store: everything) get the connection between chunks; then one short
 * transaction records the day results and marks the import done. A failure part-way leaves an
 * unfinished import that the next upload of the file completes.
 */
async function importInChunks(
  db: Database,
  options: ImportBillOptions,
  sha256: string,
): Promise<ImportBillResult> {
  const { provider, timeZone } = options;
  const dayOf = localDayFn(timeZone);
  const windowMs = options.windowMs ?? DEFAULT_FUZZY_WINDOW_MS;
  const limits = options.limits ?? DEFAULT_BILL_LIMITS;
  // Matching keeps only the fields it needs; each line's cells go to the store in batches and are dropped.
  const payments: (BilledPayment & { line: number })[] = [];
  const days = new Set<string>();
  const rejectedRows: RejectedRow[] = [];
  let rejectedRowsTotal = 0;
  let summary: BillSummary | undefined;
  let parsed = 0;
  let refunds = 0;
  let minAt = Number.POSITIVE_INFINITY;
  let maxAt = Number.NEGATIVE_INFINITY;
  // Pass 1 keeps only what matching needs; pass 2 re-reads the file and stores each line with its match,
  // so no line is ever updated after it is written and the file is never held whole.
  const totalBytes = (await stat(options.filePath)).size;
  let file = createReadStream(options.filePath);
  let phase: ImportProgress['phase'] = 'parsing';
  const progress = (rows: number) =>
    options.onProgress?.({ phase, rows, bytesRead: file.bytesRead, totalBytes });
  for await (const row of parseBill(provider, file, {
    limits,
    onSummary: (s) => {
      summary = s;
    },
    onRejected: (rejected) => {
      if (++rejectedRowsTotal <= MAX_REJECTED_ROWS_LISTED) rejectedRows.push(rejected);
    },
  })) {
    days.add(dayOf(row.paidAt));
    if (row.paidAt < minAt) minAt = row.paidAt;
    if (row.paidAt > maxAt) maxAt = row.paidAt;
    if (row.kind === 'refund') refunds++;
    payments.push({
      provider: row.provider,
      transactionId: row.transactionId,
      merchantOrderNo: row.merchantOrderNo,
      paidAt: row.paidAt,
      amountFen: row.amountFen,
      kind: row.kind,
      ...(row.storeId !== undefined && { storeId: row.storeId }),
      deviceId: row.deviceId,
      line: row.line,
    });
    if (++parsed % 10_000 === 0) progress(parsed);
  }
  phase = 'matching';
  progress(parsed);

  const sortedDays = [...days].sort();
  let orders: PaidOrder[] = [];
  // Orders a bill line names by number that the time window did not bring in (paid long before).
  const addOrdersNamedBy = async (lines: readonly BilledPayment[]) => {
    const known = new Set(orders.map((o) => o.orderId));
    const missing = [
      ...new Set(
        lines
          .filter((l) => l.kind === 'payment' && !known.has(l.merchantOrderNo))
          .map((l) => l.merchantOrderNo),
      ),
    ];
    orders.push(...(await ordersNamedByBill(db, missing)));
  };
  if (sortedDays.length > 0) {
    const from = localDayRange(sortedDays[0]!, timeZone)[0] - windowMs;
    const to = localDayRange(sortedDays[sortedDays.length - 1]!, timeZone)[1] + windowMs;
    orders = await loadPaidOrders(
      db,
      provider,
      Math.min(from, minAt - windowMs),
      Math.max(to, maxAt + windowMs),
    );
    await addOrdersNamedBy(payments);
  }
  // Lines of the same days from earlier imports take part too (those this file restates excepted).
  const restated = new Set(payments.map((p) => `${p.kind}\u0000${p.transactionId}`));
  const earlier = (await loadEarlierBillLines(db, provider, sortedDays)).filter(
    (e) => !restated.has(`${e.kind}\u0000${e.transactionId}`),
  );
  const earlierSet = new Set<BilledPayment>(earlier);
  if (earlier.length > 0) await addOrdersNamedBy(earlier);
  const full = reconcile(earlier.length > 0 ? [...payments, ...earlier] : payments, orders, {
    dayOf,
    windowMs,
    ...(options.tailLength !== undefined && { tailLength: options.tailLength }),
    ...(options.deviceStores !== undefined && { deviceStores: options.deviceStores }),
  });
  // Orders loaded only as fuzzy candidates from the neighbouring days are not this bill's business.
  const inBill = full.tallies.filter((t) => days.has(t.day));
  const result = withoutOrdersCountedElsewhere(
    {
      ...full,
      unmatchedOrders: full.unmatchedOrders.filter((u) => days.has(u.day)),
      tallies: inBill,
      storeResults: storeResultsOf(inBill),
    },
    await ordersCountedElsewhere(db, provider, sortedDays),
  );
  const tallies = result.tallies;

  const claim = await claimImport(db, {
    provider,
    sha256,
    fileName: options.fileName ?? null,
    at: options.now,
    by: options.actor,
  });
  if (claim.completed) {
    const winner = await findImportByHash(db, provider, sha256);
    if (winner) return repeatOf(winner);
  }
  const importId = claim.id;

  phase = 'saving';
  progress(parsed);
  const matchOf = new Map<string, { match: 'exact' | 'fuzzy'; orderId: string }>();
  for (const m of result.exact)
    matchOf.set(m.payment.transactionId, { match: 'exact', orderId: m.order.orderId });
  for (const m of result.fuzzy)
    matchOf.set(m.payment.transactionId, { match: 'fuzzy', orderId: m.order.orderId });
  file = createReadStream(options.filePath);
  let batch: StoredBillLine[] = [];
  let inFlight: Promise<void> = Promise.resolve();
  let saved = 0;
  // Pass 1 took the file; the same rows come back, and the unreadable ones are skipped again.
  for await (const row of parseBill(provider, file, { limits, onRejected: () => {} })) {
    const matched = row.kind === 'payment' ? matchOf.get(row.transactionId) : undefined;
    batch.push({
      provider: row.provider,
      transactionId: row.transactionId,
      merchantOrderNo: row.merchantOrderNo,
      paidAt: row.paidAt,
      amountFen: row.amountFen,
      kind: row.kind,
      ...(row.storeId !== undefined && { storeId: row.storeId }),
      deviceId: row.deviceId,
      // a refund line without its own number is keyed by its place in the file
      ...(row.kind === 'refund' && { refundNo: row.refundNo ?? `line-${row.line}` }),
      line: row.line,
      day: dayOf(row.paidAt),
      rawLine: row.rawLine,
      match: row.kind === 'refund' ? 'refund' : (matched?.match ?? 'unmatched'),
      matchedOrderId: matched?.orderId ?? null,
    });
    if (batch.length >= BATCH) {
      // One chunk in flight while the next is parsed: the database works while this process parses.
      // Each chunk is one statement on its own, so the connection is free again between chunks.
      await inFlight;
      inFlight = upsertBillLines(db, importId, batch);
      // Marked handled now; the next `await inFlight` still throws.
      inFlight.catch(() => {});
      batch = [];
    }
    if (++saved % 10_000 === 0) progress(saved);
  }
  await inFlight;
  await upsertBillLines(db, importId, batch);
  if (earlier.length > 0) {
    const outcomes = [
      ...result.exact.map((m) => ({ payment: m.payment, match: 'exact' as const, orderId: m.order.orderId })),
      ...result.fuzzy.map((m) => ({ payment: m.payment, match: 'fuzzy' as const, orderId: m.order.orderId })),
      ...result.unmatchedPayments.map((u) => ({
        payment: u.payment,
        match: 'unmatched' as const,
        orderId: null,
      })),
    ];
    await updateBillMatches(
      db,
      provider,
      outcomes
        .filter((o) => earlierSet.has(o.payment))
        .map((o) => ({ transactionId: o.payment.transactionId, match: o.match, orderId: o.orderId })),
    );
  }
  await settleResolvedItems(db, provider, result, importId, options.now);
  const pendingAdded = await addPendingItems(
    db,
    importId,
    options.now,
    pendingItems(provider, result, dayOf),
  );
  const finished = await db.transaction(async (tx) => {
    const record = await finishImport(
      tx,
      importId,
      {
        rows: parsed,
        refunds,
        declaredRows: summary?.declaredRows ?? null,
        firstDay: sortedDays[0] ?? null,
        lastDay: sortedDays[sortedDays.length - 1] ?? null,
        // this file's lines; unmatched orders are the days' (every file of them together)
        matched: result.exact.filter((m) => !earlierSet.has(m.payment)).length,
        fuzzyMatched: result.fuzzy.filter((m) => !earlierSet.has(m.payment)).length,
        unmatchedPayments: result.unmatchedPayments.filter((u) => !earlierSet.has(u.payment)).length,
        unmatchedOrders: result.unmatchedOrders.length,
        rejectedRows,
        rejectedRowsTotal,
      },
      summary?.header ?? [],
      options.now,
    );
    // Another process finished the same file first; its results stand.
    if (!record) return undefined;
    await replaceResults(tx, provider, importId, sortedDays, tallies);
    await appendAudit(tx, {
      at: options.now,
      actor: options.actor,
      action: 'bill.import',
      target: `bill-import/${importId}`,
      details: {
        provider,
        sha256,
        file_name: options.fileName ?? null,
        rows: parsed,
        matched: record.matched,
        fuzzy_matched: record.fuzzyMatched,
        unmatched_payments: record.unmatchedPayments,
        unmatched_orders: record.unmatchedOrders,
        rejected_rows: rejectedRowsTotal,
      },
    });
    return record;
  });
  if (!finished) {
    const winner = await findImportByHash(db, provider, sha256);
    if (!winner)
      throw new Error(`bill import ${importId} was finished by another process but cannot be read`);
    return repeatOf(winner);
  }
  return { record: finished, alreadyImported: false, storeResults: result.storeResults, pendingAdded };
}

/** The contract's reply to POST /v1/bills/{provider}, plus what the import was. */
export function toWireImport(result: ImportBillResult) {
  const r = result.record;
  return {
    rows: r.rows,
    matched: r.matched,
    fuzzy_matched: r.fuzzyMatched,
    unmatched_payments: r.unmatchedPayments,
    unmatched_orders: r.unmatchedOrders,
    refunds: r.refunds,
    declared_rows: r.declaredRows,
    import_id: String(r.id),
    provider: r.provider,
    sha256: r.fileSha256,
    first_day: r.firstDay,
    last_day: r.lastDay,
    imported_at: new Date(r.importedAt).toISOString(),
    already_imported: result.alreadyImported,
    rejected_rows: r.rejectedRows,
    rejected_rows_total: r.rejectedRowsTotal,
  };
}
