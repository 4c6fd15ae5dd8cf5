// The pending pool (待确认订单池): fuzzy matches and unmatched items awaiting an operator.
import { DEFAULT_READER, type MessageRef, type Reader, renderMessage } from '../messages/format-message.ts';
import type { Queryable } from '../store/database.ts';
import type {
  PendingKind,
  PendingResolution,
  PendingStatus,
  PendingItem as WirePendingItem,
} from '../wire/pending.ts';

export interface NewPendingItem {
  itemKey: string;
  kind: PendingKind;
  provider: string;
  day: string;
  storeId: string;
  deviceId: string;
  amountFen: number | null;
  /** English, for readers of the table; the API renders `reasonMessage` for its reader. */
  reason: string;
  reasonMessage: MessageRef | null;
  bill: Record<string, unknown> | null;
  order: Record<string, unknown> | null;
}

export interface PendingItem extends NewPendingItem {
  id: number;
  importId: number;
  createdAt: number;
  status: PendingStatus;
  resolution: PendingResolution | null;
  note: string | null;
  resolvedBy: string | null;
  resolvedAt: number | null;
}

interface PendingRow {
  id: string;
  item_key: string;
  kind: PendingKind;
  provider: string;
  day: string;
  store_id: string;
  device_id: string;
  amount_fen: string | null;
  reason: string;
  reason_message: MessageRef | null;
  bill: Record<string, unknown> | null;
  order_evidence: Record<string, unknown> | null;
  import_id: string;
  created_at: Date;
  status: PendingStatus;
  resolution: PendingResolution | null;
  note: string | null;
  resolved_by: string | null;
  resolved_at: Date | null;
}

const COLUMNS = `id, item_key, kind, provider, to_char(day, 'YYYY-MM-DD') AS day, store_id, device_id, amount_fen,
  reason, reason_message, bill, order_evidence, import_id, created_at, status, resolution, note, resolved_by, resolved_at`;

const toItem = (r: PendingRow): PendingItem => ({
  id: Number(r.id),
  itemKey: r.item_key,
  kind: r.kind,
  provider: r.provider,
  day: r.day,
  storeId: r.store_id,
  deviceId: r.device_id,
  amountFen: r.amount_fen === null ? null : Number(r.amount_fen),
  reason: r.reason,
  reasonMessage: r.reason_message,
  bill: r.bill,
  order: r.order_evidence,
  importId: Number(r.import_id),
  createdAt: r.created_at.getTime(),
  status: r.status,
  resolution: r.resolution,
  note: r.note,
  resolvedBy: r.resolved_by,
  resolvedAt: r.resolved_at ? r.resolved_at.getTime() : null,
});

/** Adds items not yet in the pool; an item already there (and perhaps resolved) is left alone. */
export async function addPendingItems(
  q: Queryable,
  importId: number,
  at: number,
  items: readonly NewPendingItem[],
): Promise<number> {
  let added = 0;
  for (let i = 0; i < items.length; i += 2000) {
    const batch = items.slice(i, i + 2000);
    const { rowCount } = await q.query(
      `INSERT INTO reconciliation_pending (item_key, kind, provider, day, store_id, device_id, amount_fen, reason,
         reason_message, bill, order_evidence, import_id, created_at)
       SELECT p.item_key, p.kind, p.provider, p.day::date, p.store_id, p.device_id, p.amount_fen, p.reason,
         p.reason_message, p.bill, p.order_evidence, $1, $2
       FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::bigint[], $10::text[],
         $11::jsonb[], $12::jsonb[], $13::jsonb[])
         AS p(item_key, kind, provider, day, store_id, device_id, amount_fen, reason, bill, order_evidence,
           reason_message)
       ON CONFLICT (item_key) DO NOTHING`,
      [
        importId,
        new Date(at).toISOString(),
        batch.map((p) => p.itemKey),
        batch.map((p) => p.kind),
        batch.map((p) => p.provider),
        batch.map((p) => p.day),
        batch.map((p) => p.storeId),
        batch.map((p) => p.deviceId),
        batch.map((p) => p.amountFen),
        batch.map((p) => p.reason),
        batch.map((p) => (p.bill ? JSON.stringify(p.bill) : null)),
        batch.map((p) => (p.order ? JSON.stringify(p.order) : null)),
        batch.map((p) => (p.reasonMessage ? JSON.stringify(p.reasonMessage) : null)),
      ],
    );
    added += rowCount ?? 0;
  }
  return added;
}

export interface PendingFilter {
  statuses: readonly PendingStatus[];
  storeId?: string;
  kind?: PendingKind;
  limit: number;
  beforeId?: number;
}

/** Newest first. */
export async function listPending(q: Queryable, filter: PendingFilter): Promise<PendingItem[]> {
  const values: unknown[] = [filter.statuses];
  const where = ['status = ANY($1::text[])'];
  if (filter.storeId !== undefined) {
    values.push(filter.storeId);
    where.push(`store_id = $${values.length}`);
  }
  if (filter.kind !== undefined) {
    values.push(filter.kind);
    where.push(`kind = $${values.length}`);
  }
  if (filter.beforeId !== undefined) {
    values.push(filter.beforeId);
    where.push(`id < $${values.length}`);
  }
  values.push(filter.limit);
  const { rows } = await q.query<PendingRow>(
    `SELECT ${COLUMNS} FROM reconciliation_pending WHERE ${where.join(' AND ')} ORDER BY id DESC LIMIT $${values.length}`,
    values,
  );
  return rows.map(toItem);
}

export async function getPending(q: Queryable, id: number): Promise<PendingItem | undefined> {
  const { rows } = await q.query<PendingRow>(`SELECT ${COLUMNS} FROM reconciliation_pending WHERE id = $1`, [
    id,
  ]);
  return rows[0] ? toItem(rows[0]) : undefined;
}

/**
 * Resolves an open or escalated item; `escalate` keeps it in the pool as escalated. Answers undefined
 * when the item is already resolved (the caller reports a conflict), so two operators cannot both win.
 */
export async function resolvePending(
  q: Queryable,
  id: number,
  resolution: PendingResolution,
  note: string,
  by: string,
  at: number,
): Promise<PendingItem | undefined> {
  const { rows } = await q.query<PendingRow>(
    `UPDATE reconciliation_pending
     SET status = CASE WHEN $2 = 'escalate' THEN 'escalated' ELSE 'resolved' END,
         resolution = $2, note = $3, resolved_by = $4, resolved_at = $5
     WHERE id = $1 AND status <> 'resolved'
     RETURNING ${COLUMNS}`,
    [id, resolution, note, by, new Date(at).toISOString()],
  );
  return rows[0] ? toItem(rows[0]) : undefined;
}

/**
 * The wire shape the dashboard reads: evidence side by side as `bill` and `order`, the reason in
 * the reader's language (rows from before reasons were catalogue messages have only the English).
 */
export function toWirePending(item: PendingItem, reader: Reader = DEFAULT_READER): WirePendingItem {
  return {
    id: String(item.id),
    kind: item.kind,
    status: item.status,
    provider: item.provider,
    day: item.day,
    store_id: item.storeId,
    device_id: item.deviceId,
    amount_fen: item.amountFen,
    reason: item.reasonMessage ? renderMessage(reader.locale, item.reasonMessage, reader) : item.reason,
    reason_message: item.reasonMessage,
    created_at: new Date(item.createdAt).toISOString(),
    bill: item.bill,
    order: item.order,
    resolution: item.resolution,
    note: item.note,
    resolved_by: item.resolvedBy,
    resolved_at: item.resolvedAt === null ? null : new Date(item.resolvedAt).toISOString(),
  };
}
