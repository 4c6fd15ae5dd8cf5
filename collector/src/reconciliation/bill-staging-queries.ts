// SQL for the staged bill import (migration 0020): lines streamed into bill_import_staged in chunks,
// each committed on its own, and from there into bill_rows once matched.
import type { BillProvider } from '../ingest/bills/bill-row.ts';
import type { Database, Queryable } from '../store/database.ts';
import { copyText, stagedCopyRow } from './bill-staged-copy.ts';

/** One bill line as staged: what matching reads, and the line as the store keeps it. */
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

const STAGED_COLUMNS = `stage_key, line, kind, transaction_id, refund_no, merchant_order_no, paid_ms, day,
  amount_fen, store_id, device_id, raw`;

/** The last line an earlier, interrupted attempt staged for this file (0 when none). */
export async function lastStagedLine(q: Queryable, stageKey: string): Promise<number> {
  const { rows } = await q.query<{ line: number | null }>(
    'SELECT max(line) AS line FROM bill_import_staged WHERE stage_key = $1',
    [stageKey],
  );
  return rows[0]?.line ?? 0;
}

/** One chunk of lines, committed on its own: by COPY where the store has it, else one multi-row INSERT. */
export async function stageLines(
  db: Database,
  stageKey: string,
  lines: readonly StagedLine[],
): Promise<void> {
  if (lines.length === 0) return;
  if (db.copyIn) {
    const key = copyText(stageKey);
    let data = '';
    for (const l of lines) data += stagedCopyRow(key, l);
    await stageCopyRows(db, data);
    return;
  }
  await db.query(
    `INSERT INTO bill_import_staged (${STAGED_COLUMNS})
     SELECT $1, l.line, l.kind, l.transaction_id, l.refund_no, l.merchant_order_no, l.paid_ms, l.day::date,
       l.amount_fen, l.store_id, l.device_id, l.raw
     FROM unnest($2::int4[], $3::text[], $4::text[], $5::text[], $6::text[], $7::bigint[], $8::text[],
       $9::bigint[], $10::text[], $11::text[], $12::text[])
       AS l(line, kind, transaction_id, refund_no, merchant_order_no, paid_ms, day, amount_fen, store_id,
            device_id, raw)`,
    [
      stageKey,
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

/** A chunk already as COPY text (stagedCopyRow), committed on its own; only where the store has COPY. */
export async function stageCopyRows(db: Database, rows: string | Uint8Array): Promise<void> {
  if (!db.copyIn) throw new Error(`the ${db.mode} store has no COPY: stage the lines with stageLines`);
  await db.copyIn(`COPY bill_import_staged (${STAGED_COLUMNS}) FROM STDIN`, rows);
}

/**
 * Staged lines (fromLine, toLine] into bill_rows with how they matched (a payment with no match
 * recorded matched its own order number exactly: recordMatchesOfThisFile); a line stored by an earlier
 * import of the same day is replaced, and of two lines of this file with the same key the later stands.
 */
export async function writeStagedLines(
  db: Database,
  workMem: string,
  stageKey: string,
  provider: BillProvider,
  importId: number,
  fromLine: number,
  toLine: number,
): Promise<void> {
  await db.transaction(async (q) => {
    if (db.mode !== 'embedded') await q.query(`SET LOCAL work_mem = '${workMem}'`);
    // The few recorded matches are looked up by hash: without statistics for the staged lines (not
    // analysed, to save reading them once more) the planner would probe the index once per line.
    await q.query('SET LOCAL enable_nestloop = off');
    await q.query(
      `INSERT INTO bill_rows (provider, transaction_id, kind, refund_no, import_id, merchant_order_no, paid_at, day,
       amount_fen, store_id, device_id, line, match, matched_order_id, raw)
     SELECT DISTINCT ON (s.transaction_id, s.kind, s.refund_no)
       $2, s.transaction_id, s.kind, s.refund_no, $3, s.merchant_order_no,
       timestamptz 'epoch' + s.paid_ms * interval '1 millisecond', s.day, s.amount_fen, s.store_id, s.device_id,
       s.line, CASE WHEN s.kind = 'refund' THEN 'refund' WHEN m.match IS NULL THEN 'exact' ELSE m.match END,
       CASE WHEN s.kind = 'payment' THEN CASE WHEN m.match IS NULL THEN s.merchant_order_no ELSE m.order_id END END,
       s.raw
     FROM bill_import_staged s
     LEFT JOIN bill_import_matches m ON m.stage_key = s.stage_key AND m.transaction_id = s.transaction_id
     WHERE s.stage_key = $1 AND s.line > $4 AND s.line <= $5
     ORDER BY s.transaction_id, s.kind, s.refund_no, s.line DESC
     ON CONFLICT (provider, transaction_id, kind, refund_no) DO UPDATE SET
       import_id = excluded.import_id, merchant_order_no = excluded.merchant_order_no, paid_at = excluded.paid_at,
       day = excluded.day, amount_fen = excluded.amount_fen, store_id = excluded.store_id,
       device_id = excluded.device_id, line = excluded.line, match = excluded.match,
       matched_order_id = excluded.matched_order_id, raw = excluded.raw`,
      [stageKey, provider, importId, fromLine, toLine],
    );
  });
}

/** Drops what an import staged, once it is done or its file was refused. */
export async function clearStaged(q: Queryable, stageKey: string): Promise<void> {
  await q.query('DELETE FROM bill_import_matches WHERE stage_key = $1', [stageKey]);
  await q.query('DELETE FROM bill_import_staged WHERE stage_key = $1', [stageKey]);
}
