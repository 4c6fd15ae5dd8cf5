// The audit log: every operator action and every rule-set change, append-only.
import type { Queryable } from './database.ts';

export interface AuditEntry {
  at: number;
  /** The token's name for operator actions, `system` for what the collector does by itself. */
  actor: string;
  /** e.g. `alert.ack`, `silence.create`, `silence.expire`, `rules.load`, `rules.reject`. */
  action: string;
  /** What the action was done to, e.g. `alert/<id>`, `silence/<id>`, `rules/<dir>`. */
  target: string;
  details: Record<string, unknown>;
}

export interface StoredAuditEntry extends AuditEntry {
  id: number;
}

export async function appendAudit(q: Queryable, entry: AuditEntry): Promise<void> {
  await q.query('INSERT INTO audit_log (at, actor, action, target, details) VALUES ($1, $2, $3, $4, $5)', [
    new Date(entry.at).toISOString(),
    entry.actor,
    entry.action,
    entry.target,
    JSON.stringify(entry.details),
  ]);
}

export interface AuditFilter {
  limit: number;
  beforeId?: number;
  action?: string;
  /**
   * A scoped caller: only entries about these stores (an alert's, a silence's or a pending item's
   * store) and the caller's own actions.
   */
  scope?: { stores: readonly string[]; actor: string };
}

/** Newest first. */
export async function listAudit(q: Queryable, filter: AuditFilter): Promise<StoredAuditEntry[]> {
  const where: string[] = [];
  const values: unknown[] = [];
  if (filter.beforeId !== undefined) {
    values.push(filter.beforeId);
    where.push(`id < $${values.length}`);
  }
  if (filter.action !== undefined) {
    values.push(filter.action);
    where.push(`action = $${values.length}`);
  }
  if (filter.scope !== undefined) {
    values.push(filter.scope.stores, filter.scope.actor);
    const stores = `$${values.length - 1}::text[]`;
    where.push(`(details->>'store_id' = ANY(${stores}) OR details->'matchers'->>'store_id' = ANY(${stores})
      OR actor = $${values.length})`);
  }
  values.push(filter.limit);
  const { rows } = await q.query<{
    id: number;
    at: Date;
    actor: string;
    action: string;
    target: string;
    details: Record<string, unknown>;
  }>(
    `SELECT id, at, actor, action, target, details FROM audit_log
     ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
     ORDER BY id DESC LIMIT $${values.length}`,
    values,
  );
  return rows.map((r) => ({ ...r, id: Number(r.id), at: r.at.getTime() }));
}

export function toWireAudit(e: StoredAuditEntry) {
  const note =
    typeof e.details.note === 'string'
      ? e.details.note
      : typeof e.details.comment === 'string'
        ? e.details.comment
        : undefined;
  return {
    id: String(e.id),
    at: new Date(e.at).toISOString(),
    actor: e.actor,
    action: e.action,
    target: e.target,
    ...(note !== undefined && { note }),
    details: e.details,
  };
}
