// SQL for a bill import that matches in the store: its lines written in chunks, each committed on
// its own, straight into bill_rows, or into the staging table of the same shape (migration 0034) when
// they meet lines already stored; then the staged ones into bill_rows once matched.
import type { BillProvider } from '../ingest/bills/bill-row.ts';
import type { Database, Queryable } from '../store/database.ts';
import { lineCopyPrefix, lineCopyRow } from './bill-staged-copy.ts';

/** One bill line as parsed for the store: what matching reads, and the line as the store keeps it. */
export interface StagedLine {
  line: number;
  kind: 'payment' | 'refund';
  transactionId: string;
  refundNo: string;
  merchantOrderNo: string;
  paidAt: number;
  day: string;
  amountFen: number;
  storeId: string | null;
  deviceId: string;
  raw: string;
}

/** Where an import's lines wait for matching: bill_rows itself, or staging (migration 0034). */
export type LinesTable = 'bill_rows' | 'bill_import_staged';

/** The columns of both tables, in the order of a line's COPY row (lineCopyRow). */
const LINE_COLUMNS = `provider, import_id, transaction_id, kind, refund_no, merchant_order_no, paid_at, day,
  amount_fen, store_id, device_id, line, match, matched_order_id, raw`;

/** The last line of the import in `table` (0 when none): where an interrupted attempt resumes. */
export async function lastLineIn(q: Queryable, table: LinesTable, importId: number): Promise<number> {
  const { rows } = await q.query<{ line: number | null }>(
    `SELECT max(line) AS line FROM ${table} WHERE import_id = $1`,
    [importId],
  );
  return rows[0]?.line ?? 0;
}

/** A chunk already as COPY text (lineCopyRow), committed on its own; only where the store has COPY. */
export async function copyLines(db: Database, table: LinesTable, rows: string | Uint8Array): Promise<void> {
  if (!db.copyIn) throw new Error(`the ${db.mode} store has no COPY: write the lines with writeLines`);
  await db.copyIn(`COPY ${table} (${LINE_COLUMNS}) FROM STDIN`, rows);
}

/** One chunk of lines, committed on its own: by COPY where the store has it, else one multi-row INSERT. */
export async function writeLines(
  db: Database,
  table: LinesTable,
  provider: BillProvider,
  importId: number,
  lines: readonly StagedLine[],
): Promise<void> {
  if (lines.length === 0) return;
  if (db.copyIn) {
    const prefix = lineCopyPrefix(provider, importId);
    let data = '';
    for (const l of lines) data += lineCopyRow(prefix, l);
    await copyLines(db, table, data);
    return;
  }
  await db.query(
    `INSERT INTO ${table} (${LINE_COLUMNS})
     SELECT $1, $2, l.transaction_id, l.kind, l.refund_no, l.merchant_order_no,
       timestamptz 'epoch' + l.paid_ms * interval '1 millisecond', l.day::date, l.amount_fen, l.store_id,
       l.device_id, l.line, CASE WHEN l.kind = 'payment' THEN 'exact' ELSE 'refund' END,
       CASE WHEN l.kind = 'payment' THEN l.merchant_order_no END, l.raw
     FROM unnest($3::int4[], $4::text[], $5::text[], $6::text[], $7::text[], $8::bigint[], $9::text[],
       $10::bigint[], $11::text[], $12::text[], $13::text[])
       AS l(line, kind, transaction_id, refund_no, merchant_order_no, paid_ms, day, amount_fen, store_id,
            device_id, raw)`,
    [
      provider,
      importId,
      lines.map((l) => l.line),
      lines.map((l) => l.kind),
      lines.map((l) => l.transactionId),
      lines.map((l) => l.refundNo),
      lines.map((l) => l.merchantOrderNo),
      lines.map((l) => l.paidAt),
      lines.map((l) => l.day),
      lines.map((l) => l.amountFen),
      lines.map((l) => l.storeId),
      lines.map((l) => l.deviceId),
      lines.map((l) => l.raw),
    ],
  );
}

/**
 * The import's lines written to bill_rows so far, moved to staging in one transaction: a later line
 * met one already stored, so the file waits whole in staging until it is matched.
 */
export async function moveStoredToStaged(db: Database, importId: number): Promise<void> {
  await db.transaction(async (q) => {
    await q.query(
      `INSERT INTO bill_import_staged (${LINE_COLUMNS}) SELECT ${LINE_COLUMNS} FROM bill_rows WHERE import_id = $1`,
      [importId],
    );
    await q.query('DELETE FROM bill_rows WHERE import_id = $1', [importId]);
  });
}

// The staged lines (fromLine, toLine] as bill_rows rows ($1 the import, $2/$3 the lines); a payment
// with no match recorded matched its own order number exactly, as it was staged.
const LINES_AS_ROWS = `
  s.provider, s.import_id, s.transaction_id, s.kind, s.refund_no, s.merchant_order_no, s.paid_at, s.day,
  s.amount_fen, s.store_id, s.device_id, s.line, coalesce(m.match, s.match),
  CASE WHEN m.match IS NULL THEN s.matched_order_id ELSE m.order_id END, s.raw
FROM bill_import_staged s
LEFT JOIN bill_import_matches m ON m.import_id = s.import_id AND m.transaction_id = s.transaction_id
WHERE s.import_id = $1 AND s.line > $2 AND s.line <= $3`;

// The common case, a day's first bill with no key twice in it: a plain INSERT. With ON CONFLICT every
// row would be a speculative insertion (a record more in the WAL per row, and the CPU), and DISTINCT ON
// a sort of the chunk; a key already stored (a corrected bill, an interrupted import's own chunk, a
// line repeated in the file) fails it with unique_violation, and the chunk is written again by
// REPLACE_LINES.
const INSERT_LINES = `INSERT INTO bill_rows (${LINE_COLUMNS}) SELECT ${LINES_AS_ROWS}`;

// A line stored by an earlier import replaces, and of two lines of this file with the same key the
// later stands, whichever chunk is written first.
const REPLACE_LINES = `INSERT INTO bill_rows AS b (${LINE_COLUMNS})
SELECT DISTINCT ON (s.transaction_id, s.kind, s.refund_no) ${LINES_AS_ROWS}
ORDER BY s.transaction_id, s.kind, s.refund_no, s.line DESC
ON CONFLICT (provider, transaction_id, kind, refund_no) DO UPDATE SET
  import_id = excluded.import_id, merchant_order_no = excluded.merchant_order_no, paid_at = excluded.paid_at,
  day = excluded.day, amount_fen = excluded.amount_fen, store_id = excluded.store_id,
  device_id = excluded.device_id, line = excluded.line, match = excluded.match,
  matched_order_id = excluded.matched_order_id, raw = excluded.raw
WHERE b.import_id <> excluded.import_id OR b.line <= excluded.line`;

const UNIQUE_VIOLATION = '23505';
export const isUniqueViolation = (error: unknown) =>
  typeof error === 'object' && error !== null && (error as { code?: unknown }).code === UNIQUE_VIOLATION;

/**
 * Staged lines (fromLine, toLine] into bill_rows with how they matched, committed as one chunk; a line
 * stored by an earlier import of the same day is replaced, and of two lines of this file with the same
 * key the later stands.
 *
 * The chunk commits without waiting for its WAL to reach disk (synchronous_commit off). Nothing is
 * acknowledged by it: the import counts as done only when finishBill's transaction commits, which
 * waits for its own commit record to be flushed, and WAL is flushed in order, so every chunk committed
 * before it is on disk by then. A server crash in between can lose the last chunks, but the import is
 * then not done (completed_at unset, its staged lines gone with the unlogged table), and the next upload
 * of the file writes, matches and stores it all again, replacing what did survive. Another import that
 * read those lines and finished commits synchronously after them, so it flushes them as well.
 */
export async function writeStagedLines(
  db: Database,
  workMem: string,
  importId: number,
  fromLine: number,
  toLine: number,
): Promise<void> {
  const write = (statement: string) =>
    db.transaction(async (q) => {
      if (db.mode !== 'embedded') await q.query(`SET LOCAL work_mem = '${workMem}'`);
      await q.query('SET LOCAL synchronous_commit = off');
      // The few recorded matches are looked up by hash: without statistics for the staged lines (not
      // analysed, to save reading them once more) the planner would probe the index once per line.
      await q.query('SET LOCAL enable_nestloop = off');
      await q.query(statement, [importId, fromLine, toLine]);
    });
  try {
    await write(INSERT_LINES);
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    await write(REPLACE_LINES);
  }
}

const LOCK_NOT_AVAILABLE = '55P03';

/**
 * Drops what an import staged, once it is done or its file was refused. When no other file has lines
 * staged (the common case) both tables are truncated: a DELETE of a million lines writes and later
 * vacuums every one of them. The truncation waits at most a moment for the tables' lock (an autovacuum
 * of them gives way; another import reading them does not), else the lines are deleted.
 */
export async function clearStaged(db: Database, importId: number): Promise<void> {
  try {
    const truncated = await db.transaction(async (q) => {
      await q.query(`SET LOCAL lock_timeout = '2s'`);
      await q.query('LOCK TABLE bill_import_staged, bill_import_matches IN ACCESS EXCLUSIVE MODE');
      const { rows } = await q.query<{ other: boolean }>(
        // The nearest key on either side of this one, read from the keys' index whatever the statistics
        // say (an EXISTS could be planned as a scan of this import's million lines).
        `SELECT coalesce((SELECT max(import_id) FROM bill_import_staged WHERE import_id < $1),
                         (SELECT min(import_id) FROM bill_import_staged WHERE import_id > $1),
                         (SELECT max(import_id) FROM bill_import_matches WHERE import_id < $1),
                         (SELECT min(import_id) FROM bill_import_matches WHERE import_id > $1)) IS NOT NULL AS other`,
        [importId],
      );
      if (rows[0]?.other) return false;
      await q.query('TRUNCATE bill_import_staged, bill_import_matches');
      return true;
    });
    if (truncated) return;
  } catch (error) {
    if ((error as { code?: unknown } | null)?.code !== LOCK_NOT_AVAILABLE) throw error;
  }
  await db.query('DELETE FROM bill_import_matches WHERE import_id = $1', [importId]);
  await db.query('DELETE FROM bill_import_staged WHERE import_id = $1', [importId]);
}

/**
 * A refused file leaves nothing behind: what it staged, the lines it wrote to bill_rows (only its own:
 * a file whose lines meet stored ones keeps them in staging until it is matched), then its claim.
 */
export async function dropRefusedImport(db: Database, importId: number): Promise<void> {
  await clearStaged(db, importId);
  await db.transaction(async (q) => {
    await q.query('DELETE FROM bill_rows WHERE import_id = $1', [importId]);
    await q.query('DELETE FROM bill_imports WHERE id = $1 AND completed_at IS NULL', [importId]);
  });
}
