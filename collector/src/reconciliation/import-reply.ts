// The reply to POST /v1/bills/{provider}: the contract's counts, plus what the import was.
import type { BillImportReply } from '../wire/bills.ts';
import type { ImportBillResult } from './import-bill.ts';

export function toWireImport(result: ImportBillResult): BillImportReply {
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
