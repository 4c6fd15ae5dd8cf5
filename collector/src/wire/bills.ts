// POST /v1/bills/{provider}: the provider's trade bill in, the reconciliation summary out.
import { type Static, Type } from '@sinclair/typebox';

export const BillProvider = Type.Union([Type.Literal('wechatpay'), Type.Literal('alipay')]);
export type BillProvider = Static<typeof BillProvider>;

export const BillImportParams = Type.Object({ provider: BillProvider });
export type BillImportParams = Static<typeof BillImportParams>;

export const RejectedBillRow = Type.Object({ line: Type.Integer(), message: Type.String() });
export type RejectedBillRow = Static<typeof RejectedBillRow>;

export const BillImportReply = Type.Object({
  rows: Type.Integer(),
  matched: Type.Integer(),
  fuzzy_matched: Type.Integer(),
  unmatched_payments: Type.Integer(),
  unmatched_orders: Type.Integer(),
  refunds: Type.Integer(),
  declared_rows: Type.Union([Type.Integer(), Type.Null()]),
  import_id: Type.String(),
  provider: BillProvider,
  sha256: Type.String(),
  first_day: Type.Union([Type.String(), Type.Null()]),
  last_day: Type.Union([Type.String(), Type.Null()]),
  imported_at: Type.String(),
  /** True when this exact file was imported before: nothing changed. */
  already_imported: Type.Boolean(),
  /** The first 100 rows that could not be read. */
  rejected_rows: Type.Array(RejectedBillRow),
  rejected_rows_total: Type.Integer(),
});
export type BillImportReply = Static<typeof BillImportReply>;
