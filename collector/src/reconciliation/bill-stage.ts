// The one pass over a bill file on the path that matches in the store: every line is written in
// chunks, each committed on its own, and only the bill's own figures stay in memory. The lines go
// straight into bill_rows, as if each matched the order it names; once a chunk meets lines already
// stored (a corrected bill for a day, a key the file repeats), the lines written so far move to
// staging and the rest of the file follows them there, so that what is stored stays as it was until
// the file is matched. The file is parsed on a worker thread a few chunks ahead (bill-stage-thread.ts)
// while this thread sends each chunk to the store. An interrupted attempt resumes after its last
// committed chunk, wherever its lines were.
import type { BillProvider } from '../ingest/bills/bill-row.ts';
import type { Database } from '../store/database.ts';
import type { BillPassOptions } from './bill-scan.ts';
import { emptyStagedBill, type StageChunk, type StagedBill, stageChunks } from './bill-stage-chunks.ts';
import { stageChunksOnWorker } from './bill-stage-thread.ts';
import {
  copyLines,
  isUniqueViolation,
  type LinesTable,
  lastLineIn,
  moveStoredToStaged,
  writeLines,
} from './bill-staging-queries.ts';

export type { StagedBill };

export interface StageOptions extends Omit<BillPassOptions, 'dayOf'> {
  /** The local days of the lines are this zone's (ORDERPULSE_TZ). */
  timeZone: string;
  /** Parse on this thread rather than a worker (the two give the same chunks and figures). */
  inThisThread?: boolean;
}

export interface WrittenBill {
  bill: StagedBill;
  /** Where the file's lines are: all in bill_rows, or all in staging. */
  linesIn: LinesTable;
}

export async function stageBill(
  db: Database,
  importId: number,
  provider: BillProvider,
  filePath: string,
  { limits, timeZone, onRows, inThisThread = false }: StageOptions,
  chunkRows: number,
): Promise<WrittenBill> {
  const bill = emptyStagedBill();
  // Staged lines mean an earlier attempt had moved the file to staging; else it resumes in bill_rows
  // (whose lines, after a server crash, may be all that is left of it: staging is unlogged).
  const staged = await lastLineIn(db, 'bill_import_staged', importId);
  let linesIn: LinesTable = staged > 0 ? 'bill_import_staged' : 'bill_rows';
  const job = {
    provider,
    filePath,
    limits,
    timeZone,
    importId,
    resumeAfter: staged > 0 ? staged : await lastLineIn(db, 'bill_rows', importId),
    chunkRows,
    as: db.copyIn ? ('copy' as const) : ('lines' as const),
  };
  const write = (table: LinesTable, chunk: StageChunk) =>
    chunk.copy ? copyLines(db, table, chunk.copy) : writeLines(db, table, provider, importId, chunk.lines);
  const chunks = inThisThread ? stageChunks(job, bill, onRows) : stageChunksOnWorker(job, bill, onRows);
  for await (const chunk of chunks) {
    if (linesIn === 'bill_rows') {
      try {
        await write('bill_rows', chunk);
        continue;
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
        await moveStoredToStaged(db, importId);
        linesIn = 'bill_import_staged';
      }
    }
    await write('bill_import_staged', chunk);
  }
  return { bill, linesIn };
}
