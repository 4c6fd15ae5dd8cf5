// The first pass over a bill file: keeps only what matching needs, so the file is never held whole
// (each line's cells are read again when it is stored, with its match).
import { createReadStream } from 'node:fs';
import type { BilledPayment } from '../domain/reconciliation/match-bill.ts';
import type { BillProvider, BillRow, BillSummary, RejectedRow } from '../ingest/bills/bill-row.ts';
import type { BillLimits } from '../ingest/bills/bill-text.ts';
import { parseBill } from '../ingest/bills/parse-bill.ts';

/** Rows that could not be read, listed in the reply and the import record; the rest are only counted. */
export const MAX_REJECTED_ROWS_LISTED = 100;

export interface BillScan {
  payments: (BilledPayment & { line: number })[];
  /** The local days the lines were paid on. */
  days: Set<string>;
  rows: number;
  refunds: number;
  /** Earliest and latest payment time of any line (±Infinity with no lines). */
  minAt: number;
  maxAt: number;
  summary: BillSummary | undefined;
  rejectedRows: RejectedRow[];
  rejectedRowsTotal: number;
}

/** What each pass over a bill file needs. */
export interface BillPassOptions {
  limits: BillLimits;
  dayOf: (ms: number) => string;
  /** Called every 10,000 rows with the bytes read so far. */
  onRows: (rows: number, bytesRead: number) => void;
}

/** The fields matching reads from a bill row, with its line number. */
export function billedPaymentOf(row: BillRow): BilledPayment & { line: number } {
  return {
    provider: row.provider,
    transactionId: row.transactionId,
    merchantOrderNo: row.merchantOrderNo,
    paidAt: row.paidAt,
    amountFen: row.amountFen,
    kind: row.kind,
    ...(row.storeId !== undefined && { storeId: row.storeId }),
    deviceId: row.deviceId,
    line: row.line,
  };
}

export async function scanBill(
  provider: BillProvider,
  filePath: string,
  { limits, dayOf, onRows }: BillPassOptions,
): Promise<BillScan & { bytesRead: number }> {
  const scan: BillScan = {
    payments: [],
    days: new Set(),
    rows: 0,
    refunds: 0,
    minAt: Number.POSITIVE_INFINITY,
    maxAt: Number.NEGATIVE_INFINITY,
    summary: undefined,
    rejectedRows: [],
    rejectedRowsTotal: 0,
  };
  const file = createReadStream(filePath);
  for await (const row of parseBill(provider, file, {
    limits,
    onSummary: (s) => {
      scan.summary = s;
    },
    onRejected: (rejected) => {
      if (++scan.rejectedRowsTotal <= MAX_REJECTED_ROWS_LISTED) scan.rejectedRows.push(rejected);
    },
  })) {
    scan.days.add(dayOf(row.paidAt));
    if (row.paidAt < scan.minAt) scan.minAt = row.paidAt;
    if (row.paidAt > scan.maxAt) scan.maxAt = row.paidAt;
    if (row.kind === 'refund') scan.refunds++;
    scan.payments.push(billedPaymentOf(row));
    if (++scan.rows % 10_000 === 0) onRows(scan.rows, file.bytesRead);
  }
  return { ...scan, bytesRead: file.bytesRead };
}
