// The parse half of staging a bill: the file read and parsed once into chunks of lines ready for the
// store (COPY text as bytes where the store has COPY, else the lines), and the bill's own figures.
// It touches no store, so it runs on a worker thread (bill-stage-thread.ts) while the main thread only
// sends the chunks; it could as well run on the main thread.
import { createReadStream } from 'node:fs';
import { localDayFn } from '../domain/reconciliation/local-day.ts';
import { RepeatedNumbers } from '../domain/reconciliation/repeated-numbers.ts';
import type { BillProvider } from '../ingest/bills/bill-row.ts';
import type { BillLimits } from '../ingest/bills/bill-text.ts';
import { parseBill } from '../ingest/bills/parse-bill.ts';
import { type BillScan, MAX_REJECTED_ROWS_LISTED } from './bill-scan.ts';
import { lineCopyPrefix, lineCopyRow } from './bill-staged-copy.ts';
import type { StagedLine } from './bill-staging-queries.ts';

/** What the staged path keeps of a bill: its figures, not its lines. */
export interface StagedBill extends Omit<BillScan, 'payments'> {
  bytesRead: number;
  /** The file's last line: staged lines are written to bill_rows in ranges up to it. */
  lastLine: number;
  /**
   * The order numbers named by more than one of the file's payment lines (a few others may be among
   * them), or undefined when there were more than REPEATS_LISTED: the exact pass then looks at every line.
   */
  repeatedOrderNos: string[] | undefined;
}

/** Repeated order numbers listed at most; past this many the file is matched as if all could repeat. */
export const REPEATS_LISTED = 100_000;

/** Everything the parse needs, as plain data (it crosses to a worker thread). */
export interface StageJob {
  provider: BillProvider;
  filePath: string;
  limits: BillLimits;
  timeZone: string;
  /** The import the lines are written for (bill_imports.id, claimed before the file is read). */
  importId: number;
  /** Lines up to this one were written by an earlier attempt: counted, not written again. */
  resumeAfter: number;
  chunkRows: number;
  /** COPY text (PostgreSQL) or the lines themselves (a multi-row INSERT on the embedded store). */
  as: 'copy' | 'lines';
}

/**
 * A chunk is cut at `chunkRows` lines or at this many bytes of COPY text, whichever comes first: a
 * bill's lines may each be up to the line limit long, and a chunk is held whole until it is sent.
 */
export const MAX_CHUNK_BYTES = 16 * 1024 * 1024;

/** One chunk for the store: its lines as UTF-8 COPY text, or as lines. */
export type StageChunk = { copy: Uint8Array; lines?: undefined } | { lines: StagedLine[]; copy?: undefined };

export function emptyStagedBill(): StagedBill {
  return {
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
    repeatedOrderNos: [],
  };
}

/**
 * The bill's chunks in file order, each at most `chunkRows` lines; `bill` holds the figures once the
 * generator is done. `onRows` is called every 10,000 rows with the bytes read so far.
 */
export async function* stageChunks(
  job: StageJob,
  bill: StagedBill,
  onRows: (rows: number, bytesRead: number) => void,
): AsyncGenerator<StageChunk> {
  const dayOf = localDayFn(job.timeZone);
  const prefix = lineCopyPrefix(job.provider, job.importId);
  const file = createReadStream(job.filePath);
  const repeats = new RepeatedNumbers(REPEATS_LISTED);
  // COPY text goes straight into bytes, row by row: a chunk held as one long string would keep every
  // row's strings alive until the end of the chunk.
  let bytes = Buffer.allocUnsafeSlow(1024 * 1024);
  let used = 0;
  let lines: StagedLine[] = [];
  let lineBytes = 0;
  let count = 0;
  const take = (): StageChunk => {
    const chunk: StageChunk = job.as === 'copy' ? { copy: bytes.subarray(0, used) } : { lines };
    // a new buffer of the size the last chunk needed: the one sent is handed over whole
    if (job.as === 'copy') bytes = Buffer.allocUnsafeSlow(bytes.length);
    used = 0;
    lines = [];
    lineBytes = 0;
    count = 0;
    return chunk;
  };
  const append = (row: string) => {
    // 3 bytes per UTF-16 unit at most
    if (used + row.length * 3 > bytes.length) {
      const grown = Buffer.allocUnsafeSlow(Math.max(bytes.length * 2, used + row.length * 3));
      bytes.copy(grown, 0, 0, used);
      bytes = grown;
    }
    used += bytes.write(row, used);
  };
  try {
    for await (const row of parseBill(job.provider, file, {
      limits: job.limits,
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
      else repeats.see(row.merchantOrderNo);
      bill.lastLine = row.line;
      if (row.line > job.resumeAfter) {
        const line: StagedLine = {
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
        };
        if (job.as === 'copy') append(lineCopyRow(prefix, line));
        else {
          lines.push(line);
          lineBytes += line.raw.length;
        }
        if (++count >= job.chunkRows || used >= MAX_CHUNK_BYTES || lineBytes >= MAX_CHUNK_BYTES) yield take();
      }
      if (++bill.rows % 10_000 === 0) onRows(bill.rows, file.bytesRead);
    }
    if (count > 0) yield take();
    bill.bytesRead = file.bytesRead;
    bill.repeatedOrderNos = repeats.repeated();
  } finally {
    file.destroy();
  }
}
