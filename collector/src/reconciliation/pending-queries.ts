// The pending pool (待确认订单池): fuzzy matches and unmatched items awaiting an operator.
import type { AutoResolution, OpenPendingItem } from '../domain/reconciliation/pending-healing.ts';
import { evidenceRecord } from '../domain/reconciliation/pending-healing.ts';
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
  resolvedAutomatically: boolean;
  resolutionEvidence: Record<string, unknown> | null;
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
  resolved_automatically: boolean;
  resolution_evidence: Record<string, unknown> | null;
}

const COLUMNS = `id, item_key, kind, provider, to_char(day, 'YYYY-MM-DD') AS day, store_id, device_id, amount_fen,
  reason, reason_message, bill, order_evidence, import_id, created_at, status, resolution, note, resolved_by,
  resolved_at, resolved_automatically, resolution_evidence`;

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
  resolvedAutomatically: r.resolved_automatically,
  resolutionEvidence: r.resolution_evidence,
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
  /** A scoped caller's stores: only these (see auth/scope.ts). */
  stores?: readonly string[];
  kind?: PendingKind;
  /** The local day, YYYY-MM-DD. */
  day?: string;
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
  if (filter.stores !== undefined) {
    values.push(filter.stores);
    where.push(`store_id = ANY($${values.length}::text[])`);
  }
  if (filter.kind !== undefined) {
    values.push(filter.kind);
    where.push(`kind = $${values.length}`);
  }
  if (filter.day !== undefined) {
    values.push(filter.day);
    where.push(`day = $${values.length}::date`);
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
    resolved_automatically: item.resolvedAutomatically,
    resolution_evidence: item.resolutionEvidence,
  };
}

/** Items of local day `day` still waiting for someone (open or escalated), per store. */
export async function waitingPendingByStore(q: Queryable, day: string): Promise<Map<string, number>> {
  const { rows } = await q.query<{ store_id: string; n: number }>(
    `SELECT store_id, count(*)::int AS n FROM reconciliation_pending
     WHERE day = $1::date AND status IN ('open', 'escalated') GROUP BY store_id`,
    [day],
  );
  return new Map(rows.map((r) => [r.store_id, r.n]));
}

/** Who resolves what OrderPulse resolves by itself, on the item and in the audit log. */
export const AUTOMATIC_RESOLVER = 'orderpulse';

const LOOKUP_CHUNK = 5000;

/** Open items that an order number or transaction could explain (the healable kinds only). */
export async function openItemsNamedBy(
  q: Queryable,
  orderIds: readonly string[],
  transactionIds: readonly string[],
): Promise<OpenPendingItem[]> {
  const found = new Map<number, OpenPendingItem>();
  const chunks = Math.max(
    Math.ceil(orderIds.length / LOOKUP_CHUNK),
    Math.ceil(transactionIds.length / LOOKUP_CHUNK),
  );
  for (let c = 0; c < chunks; c++) {
    const { rows } = await q.query<{
      id: string;
      kind: string;
      provider: string;
      reason: string;
      bill: Record<string, unknown> | null;
      order_evidence: Record<string, unknown> | null;
    }>(
      `SELECT id, kind, provider, reason, bill, order_evidence FROM reconciliation_pending
       WHERE status = 'open' AND kind IN ('fuzzy_match', 'unmatched_payment', 'unmatched_order')
         AND (bill->>'merchant_order_no' = ANY($1::text[]) OR order_evidence->>'order_id' = ANY($1::text[])
              OR bill->>'transaction_id' = ANY($2::text[]))`,
      [
        orderIds.slice(c * LOOKUP_CHUNK, (c + 1) * LOOKUP_CHUNK),
        transactionIds.slice(c * LOOKUP_CHUNK, (c + 1) * LOOKUP_CHUNK),
      ],
    );
    for (const r of rows) found.set(Number(r.id), toOpenItem(r));
  }
  return [...found.values()];
}

function toOpenItem(r: {
  id: string;
  kind: string;
  provider: string;
  reason: string;
  bill: Record<string, unknown> | null;
  order_evidence: Record<string, unknown> | null;
}): OpenPendingItem {
  const b = r.bill;
  const o = r.order_evidence;
  return {
    id: Number(r.id),
    kind: r.kind,
    provider: r.provider,
    reason: r.reason,
    bill: b
      ? {
          transactionId: String(b.transaction_id ?? ''),
          merchantOrderNo: String(b.merchant_order_no ?? ''),
          amountFen: Number(b.amount_fen),
          ...(typeof b.duplicate_of === 'string' && { duplicateOf: b.duplicate_of }),
        }
      : null,
    order: o
      ? {
          orderId: String(o.order_id ?? ''),
          amountFen: typeof o.amount_fen === 'number' ? o.amount_fen : null,
        }
      : null,
  };
}

/**
 * Resolves open items as `matched` by OrderPulse, keeping each one's evidence on the item and in the
 * audit log, in one statement. An item no longer open (a person got there first) is left alone.
 * `importingProvider`: a bill import of that provider settles another provider's unmatched order,
 * whose per-store count is taken back with it, so the figures summed over providers stay right.
 */
export async function autoResolvePending(
  q: Queryable,
  resolutions: readonly AutoResolution[],
  at: number,
  importingProvider?: string,
): Promise<AutoResolution[]> {
  const byId = new Map(resolutions.map((r) => [r.itemId, r]));
  const settled: AutoResolution[] = [];
  const list = [...byId.values()];
  for (let i = 0; i < list.length; i += LOOKUP_CHUNK) {
    const chunk = list.slice(i, i + LOOKUP_CHUNK);
    const { rows } = await q.query<{ id: string }>(
      `WITH input AS (
         SELECT * FROM unnest($1::bigint[], $2::jsonb[], $3::text[]) AS i(id, evidence, note)),
       settled AS (
         UPDATE reconciliation_pending p
         SET status = 'resolved', resolution = 'matched', resolved_by = $5, resolved_at = $4, note = i.note,
             resolved_automatically = true, resolution_evidence = i.evidence
         FROM input i WHERE p.id = i.id AND p.status = 'open'
         RETURNING p.id, p.item_key, p.kind, p.provider, p.day, p.store_id, p.device_id, i.evidence, i.note),
       audited AS (
         INSERT INTO audit_log (at, actor, action, target, details)
         SELECT $4, $5, 'reconciliation.auto_resolve', 'reconciliation-pending/' || id,
           jsonb_build_object('resolution', 'matched', 'note', note, 'kind', kind, 'item_key', item_key,
             'store_id', store_id, 'evidence', evidence)
         FROM settled
         RETURNING 1),
       elsewhere AS (
         SELECT provider, day, store_id, device_id, count(*)::int AS n FROM settled
         WHERE $6::text IS NOT NULL AND kind = 'unmatched_order' AND provider <> $6
         GROUP BY 1, 2, 3, 4),
       adjusted AS (
         UPDATE reconciliation_results r SET orders = r.orders - c.n, unmatched_orders = r.unmatched_orders - c.n
         FROM elsewhere c
         WHERE r.provider = c.provider AND r.day = c.day AND r.store_id = c.store_id AND r.device_id = c.device_id
         RETURNING 1)
       SELECT id::text AS id FROM settled`,
      [
        chunk.map((r) => r.itemId),
        chunk.map((r) => JSON.stringify(evidenceRecord(r.evidence))),
        chunk.map((r) => r.note),
        new Date(at).toISOString(),
        AUTOMATIC_RESOLVER,
        importingProvider ?? null,
      ],
    );
    for (const r of rows) settled.push(byId.get(Number(r.id))!);
  }
  return settled;
}
