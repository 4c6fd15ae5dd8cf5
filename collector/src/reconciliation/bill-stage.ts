// The one pass over a bill file on the staged path: every line goes to bill_import_staged in chunks,
// each committed on its own (one chunk written while the next is parsed), and only the bill's own
// figures stay in memory. An attempt that was interrupted is resumed after its last committed chunk.
import { createReadStream } from 'node:fs';
import type { BillProvider, BillSummary, RejectedRow } from '../ingest/bills/bill-row.ts';
import { parseBill } from '../ingest/bills/parse-bill.ts';
import type { Database } from '../store/database.ts';
import { type BillPassOptions, MAX_REJECTED_ROWS_LISTED } from './bill-scan.ts';
import { lastStagedLine, type StagedLine, stageLines } from './bill-staging-queries.ts';

/** What the staged path keeps of a bill: its figures, not its lines. */
export interface StagedBill {
  days: Set<string>;
  rows: number;
  refunds: number;
  minAt: number;
  maxAt: number;
  summary: BillSummary | undefined;
  rejectedRows: RejectedRow[];
  rejectedRowsTotal: number;
  bytesRead: number;
  /** The last line staged: lines are written to bill_rows in ranges up to it. */
  lastLine: number;
}

export async function stageBill(
  db: Database,
  stageKey: string,
  provider: BillProvider,
  filePath: string,
  { limits, dayOf, onRows }: BillPassOptions,
  chunkRows: number,
): Promise<StagedBill> {
  const bill: StagedBill = {
    days: new Set(),
    rows: 0,
    refunds: 0,
    minAt: Number.POSITIVE_INFINITY,
    maxAt: Number.NEGATIVE_INFINITY,
    summary: undefined,
    rejectedRows: [],
    rejectedRowsTotal: 0,
    bytesRead: 0,
    lastLine: 0,
  };
  const resumeAfter = await lastStagedLine(db, stageKey);
  const file = createReadStream(filePath);
  let chunk: StagedLine[] = [];
  let inFlight: Promise<void> = Promise.resolve();
  const flush = async () => {
    await inFlight;
    inFlight = stageLines(db, stageKey, chunk);
    // Marked handled now; the next `await inFlight` still throws.
    inFlight.catch(() => {});
    chunk = [];
  };
  for await (const row of parseBill(provider, file, {
    limits,
    onSummary: (s) => {
      bill.summary = s;
    },
    onRejected: (rejected) => {
      if (++bill.rejectedRowsTotal <= MAX_REJECTED_ROWS_LISTED) bill.rejectedRows.push(rejected);
    },
  })) {
    const day = dayOf(row.paidAt);
    bill.days.add(day);
    if (row.paidAt < bill.minAt) bill.minAt = row.paidAt;
    if (row.paidAt > bill.maxAt) bill.maxAt = row.paidAt;
    if (row.kind === 'refund') bill.refunds++;
    bill.lastLine = row.line;
    if (row.line > resumeAfter) {
      chunk.push({
        line: row.line,
        kind: row.kind,
        transactionId: row.transactionId,
        // a refund line without its own number is keyed by its place in the file
        refundNo: row.kind === 'refund' ? (row.refundNo ?? `line-${row.line}`) : '',
        merchantOrderNo: row.merchantOrderNo,
        paidAt: row.paidAt,
        day,
        amountFen: row.amountFen,
        storeId: row.storeId ?? null,
        deviceId: row.deviceId,
        raw: row.rawLine,
      });
      if (chunk.length >= chunkRows) await flush();
    }
    if (++bill.rows % 10_000 === 0) onRows(bill.rows, file.bytesRead);
  }
  await flush();
  await inFlight;
  bill.bytesRead = file.bytesRead;
  return bill;
}
