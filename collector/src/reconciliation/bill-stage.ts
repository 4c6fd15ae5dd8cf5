// The one pass over a bill file on the staged path: every line goes to bill_import_staged in chunks,
// each committed on its own, and only the bill's own figures stay in memory. The file is parsed on a
// worker thread a few chunks ahead (bill-stage-thread.ts) while this thread sends each chunk to the
// store. An attempt that was interrupted is resumed after its last committed chunk.
import type { BillProvider } from '../ingest/bills/bill-row.ts';
import type { Database } from '../store/database.ts';
import type { BillPassOptions } from './bill-scan.ts';
import { emptyStagedBill, type StagedBill, stageChunks } from './bill-stage-chunks.ts';
import { stageChunksOnWorker } from './bill-stage-thread.ts';
import { lastStagedLine, stageCopyRows, stageLines } from './bill-staging-queries.ts';

export type { StagedBill };

export interface StageOptions extends Omit<BillPassOptions, 'dayOf'> {
  /** The local days of the lines are this zone's (ORDERPULSE_TZ). */
  timeZone: string;
  /** Parse on this thread rather than a worker (the two give the same chunks and figures). */
  inThisThread?: boolean;
}

export async function stageBill(
  db: Database,
  stageKey: string,
  provider: BillProvider,
  filePath: string,
  { limits, timeZone, onRows, inThisThread = false }: StageOptions,
  chunkRows: number,
): Promise<StagedBill> {
  const bill = emptyStagedBill();
  const job = {
    provider,
    filePath,
    limits,
    timeZone,
    stageKey,
    resumeAfter: await lastStagedLine(db, stageKey),
    chunkRows,
    as: db.copyIn ? ('copy' as const) : ('lines' as const),
  };
  const chunks = inThisThread ? stageChunks(job, bill, onRows) : stageChunksOnWorker(job, bill, onRows);
  for await (const chunk of chunks) {
    if (chunk.copy) await stageCopyRows(db, chunk.copy);
    else await stageLines(db, stageKey, chunk.lines);
  }
  return bill;
}
