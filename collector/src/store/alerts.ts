// The alerts aggregate: whole-row upserts of the lifecycle's Alert, reads for the API and for
// restart recovery, and the mapping to the wire shape (wire/alerts.ts).
import { createHash } from 'node:crypto';
import type { Alert, AlertStatus } from '../domain/alerts/alert.ts';
import { approvalOf } from '../domain/alerts/approval.ts';
import type { Severity } from '../domain/rules/params.ts';
import type { EntityType, Summary } from '../domain/rules/signal.ts';
import {
  DEFAULT_READER,
  formatMessage,
  isMessageKey,
  type Reader,
  renderMessage,
} from '../messages/format-message.ts';
import type { Alert as WireAlert } from '../wire/alerts.ts';
import type { Queryable } from './database.ts';

/** The alert as the API and the live stream carry it; defined in wire/alerts.ts. */
export type { WireAlert };

/** Every column of an alert row, in the order `AlertRow` reads them. */
export const ALERT_COLUMNS = `id, rule, severity, status, entity_type, entity_id, store_id, summary, labels, started_at,
  firing_at, updated_at, resolved_at, acknowledged_at, acknowledged_by, acknowledged_note, reopen_count`;

export interface AlertRow {
  id: string;
  rule: string;
  severity: Severity;
  status: AlertStatus;
  entity_type: EntityType;
  entity_id: string;
  store_id: string | null;
  summary: Summary;
  labels: Record<string, string>;
  started_at: Date;
  firing_at: Date | null;
  updated_at: Date;
  resolved_at: Date | null;
  acknowledged_at: Date | null;
  acknowledged_by: string | null;
  acknowledged_note: string | null;
  reopen_count: number;
}

const ms = (d: Date | null): number | undefined => (d === null ? undefined : d.getTime());
const iso = (t: number | undefined): string | null => (t === undefined ? null : new Date(t).toISOString());

export function alertFromRow(r: AlertRow): Alert {
  return {
    id: r.id,
    rule: r.rule,
    severity: r.severity,
    status: r.status,
    entityType: r.entity_type,
    entityId: r.entity_id,
    storeId: r.store_id,
    summary: r.summary,
    labels: r.labels,
    startedAt: r.started_at.getTime(),
    firingAt: ms(r.firing_at),
    updatedAt: r.updated_at.getTime(),
    resolvedAt: ms(r.resolved_at),
    acknowledgedAt: ms(r.acknowledged_at),
    acknowledgedBy: r.acknowledged_by ?? undefined,
    ackNote: r.acknowledged_note ?? undefined,
    reopenCount: r.reopen_count,
  };
}

/** Stable across re-openings and restarts: the identity of the (rule, entity) the alert is about. */
export function alertFingerprint(alert: Pick<Alert, 'rule' | 'entityType' | 'entityId'>): string {
  return createHash('sha256')
    .update(`${alert.rule}\0${alert.entityType}\0${alert.entityId}`)
    .digest('hex')
    .slice(0, 16);
}

/** The order an alert concerns, for the order drill-down: the order itself or the shipment's order. */
function orderOf(alert: Alert): string | null {
  if (alert.entityType === 'order') return alert.entityId;
  return alert.labels.order_id ?? null;
}

/**
 * Writes each alert's whole current state. Resolved rows are written first: when an alert resolved
 * and a new one for the same (rule, entity) opened in the same batch, the one-open-alert index must
 * see the old one closed before the new one arrives.
 */
export async function upsertAlerts(q: Queryable, alerts: readonly Alert[]): Promise<void> {
  const resolved = alerts.filter((a) => a.status === 'resolved');
  const open = alerts.filter((a) => a.status !== 'resolved');
  for (const part of [resolved, open]) {
    if (part.length > 0) await upsertRows(q, part);
  }
}

async function upsertRows(q: Queryable, alerts: readonly Alert[]): Promise<void> {
  await q.query(
    `INSERT INTO alerts AS a (id, rule, severity, status, entity_type, entity_id, store_id, order_id, summary, labels,
                              fingerprint, started_at, firing_at, updated_at, resolved_at, acknowledged_at,
                              acknowledged_by, acknowledged_note, reopen_count)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
       $8::text[], $9::jsonb[], $10::jsonb[], $11::text[], $12::timestamptz[], $13::timestamptz[],
       $14::timestamptz[], $15::timestamptz[], $16::timestamptz[], $17::text[], $18::text[], $19::int4[])
     ON CONFLICT (id) DO UPDATE SET
       severity = excluded.severity, status = excluded.status, store_id = excluded.store_id,
       summary = excluded.summary, labels = excluded.labels, started_at = excluded.started_at,
       firing_at = excluded.firing_at, updated_at = excluded.updated_at, resolved_at = excluded.resolved_at,
       acknowledged_at = excluded.acknowledged_at, acknowledged_by = excluded.acknowledged_by,
       acknowledged_note = excluded.acknowledged_note, reopen_count = excluded.reopen_count`,
    [
      alerts.map((a) => a.id),
      alerts.map((a) => a.rule),
      alerts.map((a) => a.severity),
      alerts.map((a) => a.status),
      alerts.map((a) => a.entityType),
      alerts.map((a) => a.entityId),
      alerts.map((a) => a.storeId),
      alerts.map(orderOf),
      alerts.map((a) => JSON.stringify(a.summary)),
      alerts.map((a) => JSON.stringify(a.labels)),
      alerts.map(alertFingerprint),
      alerts.map((a) => iso(a.startedAt)),
      alerts.map((a) => iso(a.firingAt)),
      alerts.map((a) => iso(a.updatedAt)),
      alerts.map((a) => iso(a.resolvedAt)),
      alerts.map((a) => iso(a.acknowledgedAt)),
      alerts.map((a) => a.acknowledgedBy ?? null),
      alerts.map((a) => a.ackNote ?? null),
      alerts.map((a) => a.reopenCount),
    ],
  );
}

export async function findAlert(q: Queryable, id: string): Promise<Alert | undefined> {
  const { rows } = await q.query<AlertRow>(`SELECT ${ALERT_COLUMNS} FROM alerts WHERE id = $1`, [id]);
  return rows[0] && alertFromRow(rows[0]);
}

/**
 * What restart recovery needs: every open (or pending) alert, and the alerts resolved since
 * `resolvedSince`, which may still re-open within their rule's cool-down.
 */
export async function alertsForRecovery(q: Queryable, resolvedSince: number): Promise<Alert[]> {
  const { rows } = await q.query<AlertRow>(
    `SELECT ${ALERT_COLUMNS} FROM alerts WHERE status <> 'resolved'
     UNION ALL
     SELECT ${ALERT_COLUMNS} FROM alerts WHERE status = 'resolved' AND resolved_at >= $1`,
    [new Date(resolvedSince).toISOString()],
  );
  return rows.map(alertFromRow);
}

export interface AlertFilter {
  statuses: readonly AlertStatus[];
  rule?: string;
  storeId?: string;
  /** A scoped caller's stores: these and the store-less alerts (see auth/scope.ts). */
  stores?: readonly string[];
  /** Only alerts updated at or after this time (epoch ms). */
  since?: number;
  limit: number;
}

/** Newest first (by when the condition started). */
export async function listAlerts(q: Queryable, filter: AlertFilter): Promise<Alert[]> {
  const where = ['status = ANY($1::text[])'];
  const values: unknown[] = [filter.statuses];
  if (filter.rule !== undefined) {
    values.push(filter.rule);
    where.push(`rule = $${values.length}`);
  }
  if (filter.storeId !== undefined) {
    values.push(filter.storeId);
    where.push(`store_id = $${values.length}`);
  }
  if (filter.stores !== undefined) {
    values.push(filter.stores);
    where.push(`(store_id IS NULL OR store_id = ANY($${values.length}::text[]))`);
  }
  if (filter.since !== undefined) {
    values.push(new Date(filter.since).toISOString());
    where.push(`updated_at >= $${values.length}`);
  }
  values.push(filter.limit);
  const { rows } = await q.query<AlertRow>(
    `SELECT ${ALERT_COLUMNS} FROM alerts WHERE ${where.join(' AND ')}
     ORDER BY started_at DESC, id LIMIT $${values.length}`,
    values,
  );
  return rows.map(alertFromRow);
}

/** The alerts of one order and of its shipments, open ones first, then the newest. */
export async function alertsOfOrder(q: Queryable, orderId: string): Promise<Alert[]> {
  const { rows } = await q.query<AlertRow>(
    `SELECT ${ALERT_COLUMNS} FROM alerts WHERE order_id = $1 AND status <> 'pending'
     ORDER BY (status = 'resolved'), started_at DESC LIMIT 100`,
    [orderId],
  );
  return rows.map(alertFromRow);
}

/** A built-in rule's name from the catalogue; a custom rule is called what its file calls it. */
export function ruleNameOf(rule: string, reader: Reader): string {
  const key = `rule.${rule}`;
  return isMessageKey(key) ? formatMessage(reader.locale, key) : rule;
}

/** The alert's summary for the reader: from its catalogue message where it has one, else the stored text. */
export function summaryFor(summary: Summary, reader: Reader): string {
  if (summary.message) return renderMessage(reader.locale, summary.message, reader);
  return reader.locale === 'en' ? summary.en : summary.zh;
}

/** The contract's alert object, its sentences in the reader's language; `summary_zh` kept beside them. */
export function toWireAlert(alert: Alert, silenced?: boolean, reader: Reader = DEFAULT_READER): WireAlert {
  const approval = approvalOf(alert);
  return {
    id: alert.id,
    rule: alert.rule,
    severity: alert.severity,
    status: alert.status,
    entity_type: alert.entityType,
    entity_id: alert.entityId,
    store_id: alert.storeId,
    rule_name: ruleNameOf(alert.rule, reader),
    summary: summaryFor(alert.summary, reader),
    summary_zh: alert.summary.zh,
    summary_message: alert.summary.message ?? null,
    labels: alert.labels,
    started_at: new Date(alert.startedAt).toISOString(),
    updated_at: new Date(alert.updatedAt).toISOString(),
    resolved_at: iso(alert.resolvedAt),
    acknowledged_at: iso(alert.acknowledgedAt),
    acknowledged_by: alert.acknowledgedBy ?? null,
    ack_note: alert.ackNote ?? null,
    ...(approval !== undefined && { approval: approval.state }),
    ...(silenced !== undefined && { silenced }),
  };
}

/** The stored rows of these alerts (missing ids are left out). */
export async function findAlerts(q: Queryable, ids: readonly string[]): Promise<Alert[]> {
  if (ids.length === 0) return [];
  const { rows } = await q.query<AlertRow>(`SELECT ${ALERT_COLUMNS} FROM alerts WHERE id = ANY($1::text[])`, [
    ids,
  ]);
  return rows.map(alertFromRow);
}
