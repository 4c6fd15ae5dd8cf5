// The second pass over a bill file: each line is stored once, with its match, in chunks that are each
// one statement, so events (on the embedded store: everything) get the connection between chunks. On
// the embedded store a statement holds this process until it is done, so there the chunks are small:
// an event's commit waits for at most one of them.
import { createReadStream } from 'node:fs';
import type { BillProvider } from '../ingest/bills/bill-row.ts';
import { parseBill } from '../ingest/bills/parse-bill.ts';
import type { Queryable } from '../store/database.ts';
import { type StoredBillLine, updateBillMatches, upsertBillLines } from './bill-import-queries.ts';
import type { BillMatch } from './bill-matching.ts';
import { type BillPassOptions, billedPaymentOf } from './bill-scan.ts';

/** Lines per statement: on PostgreSQL, and on the embedded store. */
export const SAVE_CHUNK = 5000;
export const EMBEDDED_SAVE_CHUNK = 500;

export async function saveBillLines(
  db: Queryable,
  importId: number,
  provider: BillProvider,
  filePath: string,
  { result }: BillMatch,
  { limits, dayOf, onRows }: BillPassOptions,
  chunkRows = SAVE_CHUNK,
): Promise<void> {
  const matchOf = new Map<string, { match: 'exact' | 'fuzzy'; orderId: string }>();
  for (const m of result.exact)
    matchOf.set(m.payment.transactionId, { match: 'exact', orderId: m.order.orderId });
  for (const m of result.fuzzy)
    matchOf.set(m.payment.transactionId, { match: 'fuzzy', orderId: m.order.orderId });
  const file = createReadStream(filePath);
  let batch: StoredBillLine[] = [];
  let inFlight: Promise<void> = Promise.resolve();
  let saved = 0;
  // The first pass took the file; the same rows come back, and the unreadable ones are skipped again.
  for await (const row of parseBill(provider, file, { limits, onRejected: () => {} })) {
    const matched = row.kind === 'payment' ? matchOf.get(row.transactionId) : undefined;
    batch.push({
      ...billedPaymentOf(row),
      // a refund line without its own number is keyed by its place in the file
      ...(row.kind === 'refund' && { refundNo: row.refundNo ?? `line-${row.line}` }),
      day: dayOf(row.paidAt),
      rawLine: row.rawLine,
      match: row.kind === 'refund' ? 'refund' : (matched?.match ?? 'unmatched'),
      matchedOrderId: matched?.orderId ?? null,
    });
    if (batch.length >= chunkRows) {
      // One chunk in flight while the next is parsed: the database works while this process parses.
      await inFlight;
      // What waits for the connection (an event's commit) is queued before the next chunk is.
      await new Promise((resolve) => setImmediate(resolve));
      inFlight = upsertBillLines(db, importId, batch);
      // Marked handled now; the next `await inFlight` still throws.
      inFlight.catch(() => {});
      batch = [];
    }
    if (++saved % 10_000 === 0) onRows(saved, file.bytesRead);
  }
  await inFlight;
  await upsertBillLines(db, importId, batch);
}

/** Re-records how the same days' earlier lines match now that the day was reconciled again. */
export async function restateEarlierMatches(
  db: Queryable,
  provider: BillProvider,
  { result, earlier, earlierSet }: BillMatch,
): Promise<void> {
  if (earlier.length === 0) return;
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
